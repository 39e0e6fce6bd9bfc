"""Survey reliability: the output-folder lock, input and output fingerprints, resume semantics.

Everything here runs in this process (``client='synchronous'``) on small
simulated mosaics, except the checks that ``--workers 0`` is refused (a
subprocess with a timeout: it used to hang) and that a resume with nothing
to do starts no cluster. The lock held by another process and released by
its death (SIGKILL) is tested in ``test_survey.py``, beside the other
killed-driver test.
"""

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from astropy.table import QTable

from lotss_tools import CatalogCleaner, DendroExtractor
from lotss_tools.exceptions import InvalidParameterError
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.survey import (LOCK_FILE, NOT_DONE_REASONS, SURVEY_FILES, Manifest,
                                SurveyLock, SurveyLockedError, SurveyLockWarning,
                                check_fingerprint, file_fingerprint, run_survey)
from lotss_tools.survey import lock as lock_module
from lotss_tools.survey import runner as runner_module

ROOT = Path(__file__).resolve().parent.parent
SIZE = 256


def _age(path, seconds=3600):
    """Set a file's times an hour back, as for a file written long before it is processed."""
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


@pytest.fixture
def mosaics(tmp_path):
    """Three small mosaics in a folder (times set back), and a fourth file to swap in."""
    folder = tmp_path / 'mosaics'
    for seed in (1, 2, 3):
        path = simulate_mosaic((SIZE, SIZE), seed=seed)[0].write(folder / f'field{seed}.fits')
        _age(path)
    other = simulate_mosaic((SIZE, SIZE), seed=9)[0].write(tmp_path / 'other' / 'field2.fits')
    return folder, other


def _rows(catalog):
    return sorted(zip(catalog['mosaic'], np.round(np.asarray(catalog['x']), 3),
                      np.round(np.asarray(catalog['y']), 3)))


# ------------------------------------------------------------------ fingerprints

def test_fingerprint_states(tmp_path):
    path = tmp_path / 'a.bin'
    path.write_bytes(b'x' * 1000)
    fresh = file_fingerprint(path)
    # Just written: its times may still move within the clock tick, so they are not recorded.
    assert 'mtime_ns' not in fresh and fresh['size'] == 1000
    assert check_fingerprint(path, fresh) == ('same-content', file_fingerprint(path))
    _age(path)
    recorded = file_fingerprint(path)
    assert {'mtime_ns', 'ctime_ns', 'sha256'} <= set(recorded)
    assert check_fingerprint(path, recorded) == ('unchanged', None)
    os.utime(path)                                           # touched: same bytes
    state, current = check_fingerprint(path, recorded)
    assert state == 'same-content' and current['sha256'] == recorded['sha256']
    stat = os.stat(path)
    path.write_bytes(b'y' * 1000)                            # same size and mtime, other bytes
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert check_fingerprint(path, recorded)[0] == 'changed'
    path.write_bytes(b'x' * 999)
    assert check_fingerprint(path, recorded) == ('changed', None)
    path.unlink()
    assert check_fingerprint(path, recorded) == ('missing', None)
    assert check_fingerprint(tmp_path, None) == ('unknown', None)


# ------------------------------------------------------------------------- lock

def test_lock_names_its_holder_and_is_released(tmp_path):
    with SurveyLock(tmp_path, parameters_hash='0123456789abcdef', command='lotss-tools survey x'):
        holder = json.loads((tmp_path / LOCK_FILE).read_text())
        assert holder['pid'] == os.getpid() and holder['parameters_hash'] == '0123456789abcdef'
        with pytest.raises(SurveyLockedError) as info:
            SurveyLock(tmp_path).acquire()
        message = str(info.value)
        assert '\n' not in message
        for text in (str(tmp_path), 'another survey run', f'pid {os.getpid()}',
                     f"started {holder['started']}", 'parameters 0123456789ab',
                     "command 'lotss-tools survey x'", f"host {holder['host']}"):
            assert text in message
        assert info.value.holder == holder
    assert (tmp_path / LOCK_FILE).read_text() == ''          # a normal end empties it
    with SurveyLock(tmp_path) as again:
        assert again.previous_holder is None


def test_lock_left_by_a_dead_run_is_taken_over(tmp_path, caplog):
    dead = {'host': 'node7', 'pid': 999999, 'started': '2025-01-01T00:00:00+00:00',
            'command': 'lotss-tools survey m -o out', 'parameters_hash': 'feed'}
    (tmp_path / LOCK_FILE).write_text(json.dumps(dead))      # nobody holds the OS lock
    with caplog.at_level(logging.WARNING, logger='lotss_tools.survey.lock'):
        with SurveyLock(tmp_path) as lock:
            assert lock.previous_holder == dead
    assert 'ended without releasing the lock' in caplog.text and 'pid 999999' in caplog.text


def test_file_system_without_locks_warns_and_goes_on(tmp_path, monkeypatch):
    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, 'No locks available')
    monkeypatch.setattr(lock_module.fcntl, 'flock', no_locks)
    with pytest.warns(SurveyLockWarning, match='No locks available.*no other survey run'):
        with SurveyLock(tmp_path) as lock:
            assert json.loads(lock.path.read_text())['pid'] == os.getpid()


def test_run_refuses_a_locked_folder_before_any_work(mosaics, tmp_path, monkeypatch):
    folder, _ = mosaics
    out = tmp_path / 'out'
    out.mkdir()

    def no_work(*args, **kwargs):
        raise AssertionError('a mosaic was processed in a locked folder')
    monkeypatch.setattr(runner_module, 'process_mosaic', no_work)
    with SurveyLock(out, parameters_hash='abc'):
        with pytest.raises(SurveyLockedError, match=f'pid {os.getpid()}'):
            run_survey(folder, out, client='synchronous')
    assert not (out / SURVEY_FILES['manifest']).exists()


# ------------------------------------------------------- "done" means this input

def test_replaced_mosaic_is_processed_again_and_its_rows_replaced(mosaics, tmp_path):
    """Issue 12 case (b): a mosaic replaced by another file of the same name, then resume."""
    folder, other = mosaics
    out = tmp_path / 'out'
    before = _rows(run_survey(folder, out, client='synchronous').catalog)
    target = folder / 'field2.fits'
    stat = target.stat()
    shutil.copyfile(other, target)       # same name, same size: only the bytes differ
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))      # and the same mtime
    assert target.stat().st_size == stat.st_size
    resumed = run_survey(folder, out, client='synchronous')
    assert resumed.reasons == {'field2': 'input-changed'}
    assert (resumed.n_processed, resumed.n_skipped) == (1, 2)
    assert f"processed again, {NOT_DONE_REASONS['input-changed']}: field2" in resumed.report()
    fresh = run_survey(folder, tmp_path / 'fresh', client='synchronous')
    assert _rows(resumed.catalog) == _rows(fresh.catalog)           # old rows replaced
    assert _rows(resumed.catalog) != before
    assert len([row for row in before if row[0] == 'field2']) > 0
    record = Manifest.load(resumed.paths['manifest']).records['field2']
    assert record['input'] == file_fingerprint(target)
    row = resumed.manifest[resumed.manifest['mosaic'] == 'field2'][0]
    assert row['input_sha256'] == record['input']['sha256']
    assert row['input_size'].value == stat.st_size


def test_touched_or_copied_mosaic_is_not_processed_again(mosaics, tmp_path):
    folder, _ = mosaics
    out = tmp_path / 'out'
    run_survey(folder, out, client='synchronous')
    target = folder / 'field1.fits'
    _age(target, 1800)                                        # touch -d '30 minutes ago'
    shutil.copy(folder / 'field3.fits', tmp_path / 'copy.fits')
    shutil.copy(tmp_path / 'copy.fits', folder / 'field3.fits')    # copied over with itself
    resumed = run_survey(folder, out, client='synchronous')
    assert (resumed.n_processed, resumed.reasons) == (0, {})
    # The new times are recorded with the checksum: the next resume reads no file.
    record = Manifest.load(resumed.paths['manifest']).records['field1']
    assert record['input']['mtime_ns'] == target.stat().st_mtime_ns


def test_runs_with_other_parameters_on_one_folder(mosaics, tmp_path):
    """Issue 12 case (a), one run after the other: every run labels what it wrote."""
    folder, _ = mosaics
    out = tmp_path / 'out'
    tiled = run_survey(folder, out, client='synchronous', tile_size=200)
    other = run_survey(folder, out, client='synchronous',
                       extractor=DendroExtractor(min_npix=40))
    assert set(other.reasons.values()) == {'parameters'}
    assert 'processed again, processed before with other parameters' in other.report()
    again = run_survey(folder, out, client='synchronous', tile_size=200)
    assert set(again.reasons.values()) == {'parameters'} and again.n_processed == 3
    assert _rows(again.catalog) == _rows(tiled.catalog)
    records = Manifest.load(again.paths['manifest']).records
    for name, record in records.items():     # the files are those of the run the records name
        made_with = json.loads(QTable.read(out / record['catalog']).meta['extractor_params'])
        assert made_with['tile_size'] == record['parameters']['extractor']['tile_size'] == 200
    assert again.catalog.meta['parameters']['extractor']['tile_size'] == 200


def test_output_written_by_another_run_is_processed_again(mosaics, tmp_path):
    """The per-mosaic outputs are fingerprinted too: a file overwritten behind the manifest's
    back (by a run on a file system without locks) makes its mosaic not done."""
    folder, _ = mosaics
    out = tmp_path / 'out'
    before = _rows(run_survey(folder, out, client='synchronous').catalog)
    catalog = out / 'mosaics' / 'field1.catalog.ecsv'
    foreign = run_survey([folder / 'field1.fits'], tmp_path / 'foreign', client='synchronous',
                         extractor=DendroExtractor(min_npix=40))
    shutil.copy(foreign.output_dir / 'mosaics' / 'field1.catalog.ecsv', catalog)
    resumed = run_survey(folder, out, client='synchronous')
    assert resumed.reasons == {'field1': 'outputs'}
    assert _rows(resumed.catalog) == before
    (out / 'mosaics' / 'field3.footprint.fits').unlink()
    assert run_survey(folder, out, client='synchronous').reasons == {'field3': 'outputs'}


def test_manifest_of_an_older_version_processes_again(mosaics, tmp_path):
    folder, _ = mosaics
    out = tmp_path / 'out'
    run_survey(folder, out, client='synchronous')
    path = out / SURVEY_FILES['manifest']
    content = json.loads(path.read_text())
    content['version'] = 1
    for record in content['mosaics'].values():
        del record['input'], record['outputs']
    path.write_text(json.dumps(content))
    assert set(run_survey(folder, out, client='synchronous').reasons.values()) == {
        'input-unknown'}
    content['version'] = 99
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match='version 99 is newer'):
        run_survey(folder, out, client='synchronous')


# ------------------------------------------------------------- idle cost, workers

def test_resume_with_nothing_to_do_starts_no_cluster_and_merges_nothing(mosaics, tmp_path,
                                                                         monkeypatch):
    folder, _ = mosaics
    out = tmp_path / 'out'
    first = run_survey(folder, out, client='synchronous', cleaner=CatalogCleaner())
    before = _rows(first.catalog)

    def forbidden(*args, **kwargs):
        raise AssertionError('called on a resume with nothing to do')
    with monkeypatch.context() as patch:
        patch.setattr(runner_module, 'survey_executor', forbidden)
        patch.setattr(runner_module, 'merge_survey', forbidden)
        resumed = run_survey(folder, out, n_workers=2)       # would start a LocalCluster
    assert (resumed.n_processed, resumed.n_skipped) == (0, 3)
    assert resumed.executor == 'none (nothing to do)'
    assert 'nothing left to do, no cluster started' in resumed.report()
    assert resumed.summary['n_sources'][0] == first.summary['n_sources'][0] == len(first.catalog)
    assert resumed.wall_time.value < 2
    # An edited survey catalogue is not trusted: it is merged again.
    catalog = out / SURVEY_FILES['catalog']
    catalog.write_text(catalog.read_text().replace('field1', 'fieldX'))
    again = run_survey(folder, out, client='synchronous')
    assert again.n_processed == 0 and _rows(again.catalog) == before


@pytest.mark.parametrize('workers', ['0', '-2'])
def test_cli_refuses_zero_or_negative_workers(tmp_path, workers):
    folder = tmp_path / 'mosaics'
    simulate_mosaic((64, 64), seed=1)[0].write(folder / 'm.fits')
    command = [sys.executable, '-m', 'lotss_tools', 'survey', str(folder), '-o',
               str(tmp_path / 'out'), '--workers', workers, '--no-progress']
    start = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert time.monotonic() - start < 60
    assert done.returncode == 2
    assert '--workers' in done.stderr and 'positive' in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and 'Traceback' not in done.stderr


@pytest.mark.parametrize('options', [dict(n_workers=0), dict(n_workers=-1), dict(n_workers=1.5),
                                     dict(cluster_options={'n_workers': 0}),
                                     dict(client='synchronous', n_workers=2)])
def test_bad_worker_counts_are_refused_at_once(mosaics, tmp_path, options):
    folder, _ = mosaics
    with pytest.raises(InvalidParameterError, match='n_workers'):
        run_survey(folder, tmp_path / 'out', **options)
    assert not (tmp_path / 'out').exists()
