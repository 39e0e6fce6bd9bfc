"""The command line never lies and never shows a traceback (issues 11 and 12).

Outputs are checked before any work, never written over an input, written all
or nothing; every ordinary fault is one line with exit status 2; options are
checked and named; warnings are printed once, in the command line's words.
"""

import errno
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable

from lotss_tools.cli import main
from lotss_tools.datasets import get_path

ROOT = Path(__file__).resolve().parent.parent


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def one_error_line(err, command):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f'lotss-tools {command}: error: '), err
    assert 'Traceback' not in err
    return lines[0]


@pytest.fixture(scope='module')
def sky(tmp_path_factory):
    """A small simulated mosaic, its truth and its extracted catalogue (read-only: copy)."""
    folder = tmp_path_factory.mktemp('sky')
    assert main(['simulate', str(folder / 'sim.fits'), '--shape', '256', '--seed', '3']) == 0
    assert main(['extract', str(folder / 'sim.fits'), '-o', str(folder / 'cat.ecsv')]) == 0
    return folder


@pytest.fixture
def work(sky, tmp_path, capsys):
    """A private copy of the sky's files; the output of the set-up is discarded."""
    for name in ('sim.fits', 'sim-truth.ecsv', 'cat.ecsv'):
        shutil.copy(sky / name, tmp_path / name)
    shutil.copy(tmp_path / 'cat.ecsv', tmp_path / 'c2.ecsv')
    capsys.readouterr()
    return tmp_path


# ----------------------------------------------- issue 12 item 6: never over an input
SAME_PATH_CASES = {
    'extract over its mosaic': (['extract', 'sim.fits', '-o', 'sim.fits', '--overwrite'],
                                'both an input and an output'),
    'clean: kept and rejected one file': (['clean', 'cat.ecsv', '-o', 'k.ecsv', '--rejected',
                                           'k.ecsv', '--overwrite'], 'given twice'),
    'clean over its catalogue': (['clean', 'cat.ecsv', '-o', 'cat.ecsv', '--overwrite'],
                                 'both an input and an output'),
    'simulate: truth is the image': (['simulate', 's.fits', '--truth', 's.fits', '--shape',
                                      '64'], 'given twice'),
    'merge over an input': (['merge', 'cat.ecsv', 'c2.ecsv', '-o', 'c2.ecsv', '--overwrite'],
                            'both an input and an output'),
    'merge: output and rejected one file': (['merge', 'cat.ecsv', 'c2.ecsv', '-o', 'm.ecsv',
                                             '--rejected', 'm.ecsv', '--overwrite'],
                                            'given twice'),
    'xmatch pairs over the catalogue': (['xmatch', 'cat.ecsv', '--reference', 'sim-truth.ecsv',
                                         '-o', 'cat.ecsv', '--overwrite'],
                                        'both an input and an output'),
    'xmatch pairs over the reference': (['xmatch', 'cat.ecsv', '--reference', 'sim-truth.ecsv',
                                         '-o', 'sim-truth.ecsv', '--overwrite'],
                                        'both an input and an output'),
    'training boxes over the catalogue': (['training', 'sim.fits', '--catalog', 'tr.boxes.ecsv',
                                           '-o', 'tr', '--overwrite'],
                                          'both an input and an output'),
    'stats counts over the catalogue': (['stats', 'cat.ecsv', '--area', '0.01', '--counts-out',
                                         'cat.ecsv', '--overwrite'],
                                        'both an input and an output'),
    'catalog over its pinned file': (['catalog', '--center', '218.5 55', '--radius', '10arcmin',
                                      '--pinned', 'cat.ecsv', '-o', 'cat.ecsv', '--overwrite'],
                                     'both an input and an output'),
    'confirm over its reference': (['confirm', 'c2.ecsv', '--allwise', 'cat.ecsv', '-o',
                                    'cat.ecsv', '--overwrite'], 'both an input and an output'),
}


@pytest.mark.parametrize('case', SAME_PATH_CASES)
def test_an_output_is_never_an_input_or_another_output(work, capsys, monkeypatch, case):
    monkeypatch.chdir(work)
    shutil.copy('cat.ecsv', 'tr.boxes.ecsv')
    before = {p.name: digest(p) for p in work.iterdir()}
    argv, message = SAME_PATH_CASES[case]
    assert main(argv) == 2
    line = one_error_line(capsys.readouterr().err, argv[0])
    assert message in line
    after = {p.name: digest(p) for p in work.iterdir()}
    assert after == before          # nothing replaced, nothing created, no temporaries


# ----------------------------------------------- issue 12 item 7: all or nothing
ALL_OR_NOTHING_CASES = {
    'clean: rejected cannot be written': ['clean', 'cat.ecsv', '-o', 'kept.ecsv', '--rejected',
                                          'blocker/rejected.ecsv'],
    'clean: regions cannot be written': ['clean', 'cat.ecsv', '-o', 'kept.ecsv',
                                         '--regions', 'blocker/c.reg'],
    'simulate: truth cannot be written': ['simulate', 'new.fits', '--truth',
                                          'blocker/truth.ecsv', '--shape', '64'],
    'merge: duplicates cannot be written': ['merge', 'cat.ecsv', 'c2.ecsv', '-o', 'kept.ecsv',
                                            '--rejected', 'blocker/dup.ecsv'],
    'stats: figure cannot be written': ['stats', 'cat.ecsv', '--area', '0.01', '--counts-out',
                                        'kept.ecsv', '--plot', 'blocker/counts.png'],
}


@pytest.mark.parametrize('case', ALL_OR_NOTHING_CASES)
def test_several_outputs_are_checked_first(work, capsys, monkeypatch, case):
    """A target that cannot be written (its folder is a file) stops the command before the
    first output is written."""
    monkeypatch.chdir(work)
    Path('blocker').write_text('a file where a folder should be')
    argv = ALL_OR_NOTHING_CASES[case]
    assert main(argv) == 2
    line = one_error_line(capsys.readouterr().err, argv[0])
    assert 'blocker' in line and 'not a folder' in line
    assert not Path('kept.ecsv').exists() and not Path('new.fits').exists()
    assert not Path('cat-clean.ecsv').exists()


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, 'No space left on device')


def _write_failure_target(name):
    """The object and attribute that write the output that fails."""
    import matplotlib.figure
    import regions
    from astropy.table import Table
    return {'regions': (regions.Regions, 'write'),
            'figure': (matplotlib.figure.Figure, 'savefig'),
            'table': (Table, 'write'),
            'npz': (np, 'savez_compressed')}[name]


WRITE_FAILURES = {
    'clean --regions': (['clean', 'cat.ecsv', '-o', 'kept.ecsv', '--rejected', 'rej.ecsv',
                         '--regions', 'c.reg', '--mosaic', 'sim.fits'], 'regions'),
    'stats --plot': (['stats', 'cat.ecsv', '--area', '0.01', '--counts-out', 'kept.ecsv',
                      '--plot', 'counts.png'], 'figure'),
    'simulate': (['simulate', 'new.fits', '--truth', 'kept.ecsv', '--shape', '64'], 'table'),
    'training': (['training', 'sim.fits', '--catalog', 'cat.ecsv', '-o', 'tr', '--patch-size',
                  '64', '--patch-shift', '48', '--origin-offset', '0'], 'npz'),
}


@pytest.mark.parametrize('case', WRITE_FAILURES)
def test_a_failed_write_leaves_no_output_and_no_temporary(work, capsys, monkeypatch, case):
    """A full disk while writing one output: none is moved into place, existing files are
    kept, no temporary is left, and the message is one line (issue 12 items 7 and 11)."""
    monkeypatch.chdir(work)
    argv, target = WRITE_FAILURES[case]
    monkeypatch.setattr(*_write_failure_target(target), _no_space)
    Path('kept.ecsv').write_text('an earlier result')
    before = sorted(p.name for p in work.iterdir())
    assert main(argv + ['--overwrite']) == 2
    line = one_error_line(capsys.readouterr().err, argv[0])
    assert 'No space left on device' in line
    assert sorted(p.name for p in work.iterdir()) == before
    assert Path('kept.ecsv').read_text() == 'an earlier result'


# ----------------------------------------------- issue 12 item 9
def test_stats_never_replaces_a_figure_without_overwrite(work, capsys, monkeypatch):
    monkeypatch.chdir(work)
    Path('counts.png').write_text('my own figure')
    assert main(['stats', 'cat.ecsv', '--area', '0.01', '--plot', 'counts.png']) == 2
    line = one_error_line(capsys.readouterr().err, 'stats')
    assert 'counts.png: already exists; add --overwrite to replace it' in line
    assert Path('counts.png').read_text() == 'my own figure'
    assert main(['stats', 'cat.ecsv', '--area', '0.01', '--plot', 'counts.png',
                 '--overwrite']) == 0
    assert Path('counts.png').read_bytes()[:4] == b'\x89PNG'
    assert main(['stats', 'cat.ecsv', '--area', '0.01', '--plot', 'counts.txt']) == 2
    assert 'cannot tell the figure format' in capsys.readouterr().err


# ----------------------------------------------- issue 12 item 11: every fault one line
def _raiser(exception):
    def command(args):
        raise exception
    return command


ERROR_FAMILIES = {
    'read-only folder': (PermissionError(errno.EACCES, 'Permission denied', 'out/cat.ecsv'),
                         'out/cat.ecsv: Permission denied'),
    'full disk': (OSError(errno.ENOSPC, 'No space left on device', 'cat.ecsv'),
                  'cat.ecsv: No space left on device'),
    'path is a folder': (IsADirectoryError(errno.EISDIR, 'Is a directory', 'cats'),
                         'cats: Is a directory'),
    'unit error': (u.UnitsError("the column 'total_flux' is in deg, not a flux density"),
                   "'total_flux' is in deg"),
    'unit conversion error': (u.UnitConversionError("'deg' (angle) and 'mJy' are not "
                                                    "convertible"), 'not convertible'),
    'package error': (__import__('lotss_tools').exceptions.InvalidMosaicError(
        'm.fits: every pixel is NaN'), 'm.fits: every pixel is NaN'),
    'broken pipe to a server': (BrokenPipeError(errno.EPIPE, 'Broken pipe'), 'Broken pipe'),
    'missing optional package': (ImportError("running a survey on Dask needs dask.distributed: "
                                             "pip install 'lotss_tools[survey]' (or pass "
                                             "client='synchronous' to run the mosaics one after "
                                             "another in this process)."),
                                 'give --scheduler synchronous to run'),
}


@pytest.mark.parametrize('case', ERROR_FAMILIES)
def test_each_exception_family_is_one_line(monkeypatch, capsys, case):
    from lotss_tools.cli import commands
    exception, message = ERROR_FAMILIES[case]
    command = 'survey' if case == 'missing optional package' else 'info'
    monkeypatch.setattr(commands, f'cmd_{command}', _raiser(exception))
    argv = [command, 'x.fits'] if command == 'info' else ['survey', 'in', '-o', 'out']
    assert main(argv) == 2
    assert message in one_error_line(capsys.readouterr().err, command)
    with pytest.raises(type(exception)):         # --debug shows the traceback
        main(['--debug'] + argv)


def test_interrupt_and_internal_errors(monkeypatch, capsys):
    from lotss_tools.cli import commands
    monkeypatch.setattr(commands, 'cmd_info', _raiser(KeyboardInterrupt()))
    assert main(['info', 'x.fits']) == 130
    assert capsys.readouterr().err == 'lotss-tools info: interrupted\n'
    monkeypatch.setattr(commands, 'cmd_info', _raiser(TypeError('unsupported operand')))
    assert main(['info', 'x.fits']) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith('lotss-tools info: internal error: TypeError: unsupported operand')
    assert '--debug' in line and '\n' not in line


def test_real_file_faults_are_one_line(work, capsys, monkeypatch):
    monkeypatch.chdir(work)
    Path('folder.ecsv').mkdir()
    assert main(['clean', 'folder.ecsv']) == 2
    assert 'folder.ecsv: is a folder' in one_error_line(capsys.readouterr().err, 'clean')
    assert main(['extract', 'sim.fits', '-o', 'folder.ecsv', '--overwrite']) == 2
    assert 'folder.ecsv: is a folder' in one_error_line(capsys.readouterr().err, 'extract')
    # No write permission (the check, as root can write anywhere): os.access says no.
    real_access = os.access
    monkeypatch.setattr(os, 'access', lambda path, mode: False if Path(path).name == 'locked'
                        else real_access(path, mode))
    Path('locked').mkdir()
    assert main(['extract', 'sim.fits', '-o', 'locked/cat.ecsv']) == 2
    assert 'Permission denied' in one_error_line(capsys.readouterr().err, 'extract')
    # A catalogue whose total_flux is in deg.
    table = QTable.read('cat.ecsv')
    table['total_flux'] = table['total_flux'].value * u.deg
    table.write('deg.ecsv')
    for argv in (['clean', 'deg.ecsv', '-o', 'k.ecsv'], ['stats', 'deg.ecsv'],
                 ['xmatch', 'deg.ecsv', '--reference', 'cat.ecsv']):
        assert main(argv) == 2
        assert "'total_flux' is in deg" in one_error_line(capsys.readouterr().err, argv[0])


def test_a_closed_pipe_ends_quietly():
    """``lotss-tools ... | head -1``: a real pipe closed before the program writes."""
    catalog = ROOT / 'lotss_tools' / 'data' / 'lotss-dr2-sample.ecsv'
    process = subprocess.Popen([sys.executable, '-m', 'lotss_tools', 'stats', str(catalog),
                                '--by', 'source_name'], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()             # the reader is gone before anything is printed
    _, err = process.communicate(timeout=120)
    assert process.returncode == 141, err
    assert err == b''


# ----------------------------------------------- issue 12 item 12: check before the work
def test_outputs_are_refused_before_any_work(work, capsys, monkeypatch):
    from lotss_tools import DendroExtractor, TrainingSetBuilder
    import lotss_tools.survey
    monkeypatch.chdir(work)
    calls = []

    def spy(name):
        def record(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f'{name} ran before the outputs were checked')
        return record
    monkeypatch.setattr(DendroExtractor, 'run', spy('extraction'))
    monkeypatch.setattr(TrainingSetBuilder, 'build', spy('training'))
    monkeypatch.setattr(lotss_tools.survey, 'run_survey', spy('survey'))
    Path('taken.ecsv').write_text('an earlier catalogue')
    Path('tr.npz').write_text('an earlier training set')
    Path('survey-out').write_text('a file where the output folder should be')
    cases = [(['extract', 'sim.fits', '-o', 'taken.ecsv'], 'already exists'),
             (['extract', 'sim.fits', '-o', 'taken.txt'], 'cannot tell the table format'),
             (['training', 'sim.fits', '--catalog', 'cat.ecsv', '-o', 'tr'], 'already exists'),
             (['survey', '.', '-o', 'survey-out', '--scheduler', 'synchronous'],
              'not a folder'),
             (['demo', '-o', 'survey-out', '--shape', '64'], 'not a folder')]
    for argv, message in cases:
        start = time.perf_counter()
        assert main(argv) == 2
        elapsed = time.perf_counter() - start
        assert message in one_error_line(capsys.readouterr().err, argv[0])
        assert elapsed < 5, f'{argv[0]} took {elapsed:.1f} s to refuse'
    assert calls == []


# ----------------------------------------------- issue 12 item 13: options named
OPTION_CASES = {
    'merge --radius 0': (['merge', 'cat.ecsv', 'c2.ecsv', '-o', 'm.ecsv', '--radius', '0'],
                         '--radius'),
    'merge --radius negative': (['merge', 'cat.ecsv', 'c2.ecsv', '-o', 'm.ecsv',
                                 '--radius=-3arcsec'], '--radius'),
    'merge --radius in Jy': (['merge', 'cat.ecsv', 'c2.ecsv', '-o', 'm.ecsv', '--radius',
                              '6Jy'], '--radius'),
    'xmatch --radius nan': (['xmatch', 'cat.ecsv', '--reference', 'c2.ecsv', '--radius', 'nan'],
                            '--radius'),
    'catalog --radius 0': (['catalog', '--center', '218 55', '--radius', '0deg', '-o', 'x.ecsv'],
                           '--radius'),
    'dec above 90': (['catalog', '--center', '218 95', '--radius', '10arcmin', '-o', 'x.ecsv'],
                     'Dec must be between -90 and +90'),
    'pooling banana': (['training', 'sim.fits', '--catalog', 'cat.ecsv', '-o', 'tr',
                        '--pooling', 'banana'], "or 'beam'"),
    'workers 0': (['survey', '.', '-o', 'out', '--workers', '0'], '--workers'),
    'min-flux without unit': (['xmatch', 'cat.ecsv', '--reference', 'c2.ecsv', '--min-flux',
                               '1'], 'e.g. 1mJy'),
    'min-value in deg': (['clean', 'cat.ecsv', '--preset', 'research-2024', '--min-value',
                          '3deg'], '--min-value'),
    'area negative': (['stats', 'cat.ecsv', '--area=-1'], '--area'),
    'tile size too small': (['extract', 'sim.fits', '-o', 't.ecsv', '--tile-size', '10'],
                            '--tile-size'),
    'bright box not smaller': (['extract', 'sim.fits', '-o', 't.ecsv', '--bright-box', '30'],
                               '--bright-box must be between 0 and box_size'),
    'bright box negative': (['extract', 'sim.fits', '-o', 't.ecsv', '--bright-box=-3'],
                            '--bright-box'),
    'origin offset': (['training', 'sim.fits', '--catalog', 'cat.ecsv', '-o', 'tr',
                       '--patch-shift', '48'], '--origin-offset < --patch-shift'),
}


def run_cli(argv):
    """The exit status of ``lotss-tools argv``, whether argparse or main() ends the run."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code


@pytest.mark.parametrize('case', OPTION_CASES)
def test_bad_options_are_named_in_one_line(work, capsys, monkeypatch, case):
    monkeypatch.chdir(work)
    argv, expected = OPTION_CASES[case]
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and 'error:' in lines[0] and expected in lines[0], err
    if '--radius' in expected and argv[0] != 'catalog':
        assert "6arcsec, '6 arcsec', 0.1deg) or a bare number read as arcsec" in lines[0]


def test_one_rule_for_every_radius(work, capsys, monkeypatch):
    """A bare number is arcsec, for every radius option."""
    monkeypatch.chdir(work)
    outputs = []
    for radius in ('6', '6arcsec', '6 arcsec', '0.1arcmin'):
        assert main(['xmatch', 'cat.ecsv', '--reference', 'sim-truth.ecsv',
                     '--radius', radius]) == 0
        outputs.append(capsys.readouterr().out)
    assert len(set(outputs)) == 1 and 'within 6 arcsec' in outputs[0]
    assert main(['merge', 'cat.ecsv', 'c2.ecsv', '-o', 'm.ecsv', '--radius', '6']) == 0
    assert 'within 6 arcsec' in capsys.readouterr().out


def test_a_single_finite_pixel_names_the_file(tmp_path, capsys):
    from lotss_tools import Mosaic
    from lotss_tools.simulate import simulate_mosaic
    mosaic, _ = simulate_mosaic((128, 128), seed=1)
    data = np.full(mosaic.shape, np.nan, np.float32)
    data[60, 60] = 1e-3
    path = Mosaic(data, wcs=mosaic.wcs, unit='Jy/beam', beam=mosaic.beam).write(
        tmp_path / 'one-pixel.fits')
    for threshold in ('local', 'research'):
        assert main(['extract', str(path), '-o', str(tmp_path / 'c.ecsv'),
                     '--threshold', threshold]) == 2
        line = one_error_line(capsys.readouterr().err, 'extract')
        assert 'one-pixel.fits' in line and 'too little data for a background' in line


def test_library_words_become_options(work, capsys, monkeypatch):
    monkeypatch.chdir(work)
    assert main(['stats', 'cat.ecsv', '--counts-out', 'counts.ecsv']) == 2
    line = one_error_line(capsys.readouterr().err, 'stats')
    assert 'Give the area with --area DEG2' in line and 'area=' not in line
    assert main(['extract', 'sim.fits', '-o', 'cat.ecsv']) == 2
    line = one_error_line(capsys.readouterr().err, 'extract')
    assert line.endswith('cat.ecsv: already exists; add --overwrite to replace it.')


def test_simulate_writes_a_fits_truth(work, capsys, monkeypatch):
    """The truth's meta holds Quantities: FITS and VOTable truths are written too."""
    from lotss_tools.io import read_table
    monkeypatch.chdir(work)
    for truth in ('truth.fits', 'truth.vot'):
        assert main(['simulate', f'{truth}-sky.fits', '--truth', truth, '--shape', '64',
                     '--seed', '2']) == 0
        assert read_table(truth).meta['beam'] == '6.0 arcsec'


def test_missing_beam_speaks_cli(tmp_path, capsys):
    from astropy.io import fits
    with fits.open(get_path('lotss-cutout')) as hdulist:
        header = hdulist[0].header.copy()
        data = hdulist[0].data
    for key in ('BMAJ', 'BMIN', 'BPA'):
        header.remove(key, ignore_missing=True)
    header.add_history('no beam here')
    fits.writeto(tmp_path / 'nobeam.fits', data, header)
    assert main(['info', str(tmp_path / 'nobeam.fits')]) == 2
    line = one_error_line(capsys.readouterr().err, 'info')
    assert '--beam 6arcsec' in line and 'beam=' not in line
    assert main(['info', str(tmp_path / 'nobeam.fits'), '--beam', '6']) == 0
    assert '6.00 x 6.00 arcsec' in capsys.readouterr().out


# ----------------------------------------------- issue 12 item 15: warnings once
def test_package_warnings_are_printed_once_in_cli_words(tmp_path):
    out = tmp_path / 'w.ecsv'
    done = subprocess.run([sys.executable, '-m', 'lotss_tools', 'extract',
                           str(get_path('lotss-cutout')), '-o', str(out),
                           '--threshold', 'research-2023'], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith('lotss-tools extract: warning: the research histogram rule')
    assert 'Give --min-value explicitly' in lines[0]
    assert 'WARNING' not in done.stderr
    assert 'min_value 25.7 µJy/beam' in done.stdout


def test_warnings_after_astroquery_is_imported(monkeypatch, capsys):
    from lotss_tools.cli import commands
    from lotss_tools.exceptions import CacheWarning

    def command(args):
        from lotss_tools.catalogs._astroquery import import_astroquery
        import_astroquery('astroquery.vizier')
        for _ in range(3):
            warnings.warn('the cache file x.ecsv was not used', CacheWarning)
        warnings.warn('something else', RuntimeWarning)
        return 0
    monkeypatch.setattr(commands, 'cmd_info', command)
    assert main(['info', 'x.fits']) == 0
    assert capsys.readouterr().err.splitlines() == [
        'lotss-tools info: warning: the cache file x.ecsv was not used',
        'lotss-tools info: warning: RuntimeWarning: something else']


# ----------------------------------------------- issue 11: what a newcomer expects
def test_verbose_shows_tile_progress_and_jobs_set_threads(work, capsys, monkeypatch):
    from lotss_tools import DendroExtractor
    monkeypatch.chdir(work)
    assert main(['extract', 'sim.fits', '-o', 'a.ecsv', '--tile-size', '128']) == 0
    assert capsys.readouterr().err == ''
    assert main(['-v', 'extract', 'sim.fits', '-o', 'b.ecsv', '--tile-size', '128']) == 0
    err = capsys.readouterr().err
    n_tiles = int(re.search(r'lotss-tools extract: tile 1/(\d+) done', err).group(1))
    assert n_tiles > 1 and f'lotss-tools extract: tile {n_tiles}/{n_tiles} done' in err
    threads = []
    real_run = DendroExtractor.run

    def run(self, mosaic, **kwargs):
        threads.append(self.n_jobs)
        return real_run(self, mosaic, **kwargs)
    monkeypatch.setattr(DendroExtractor, 'run', run)
    assert main(['extract', 'sim.fits', '-o', 'c.ecsv', '--tile-size', '128', '--jobs', '3']) == 0
    assert threads == [3]
    assert QTable.read('a.ecsv')['id'].tolist() == QTable.read('c.ecsv')['id'].tolist()
    assert main(['extract', 'sim.fits', '-o', 'd.ecsv', '--jobs', '2']) == 0
    assert '--jobs 2 has no effect without --tile-size' in capsys.readouterr().err


def test_survey_on_dask_prints_no_dask_chatter(work):
    (work / 'in').mkdir()
    shutil.copy(work / 'sim.fits', work / 'in' / 'sim.fits')
    done = subprocess.run([sys.executable, '-m', 'lotss_tools', 'survey', 'in', '-o', 'out',
                           '--workers', '1', '--no-progress'], cwd=work, capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ''
    assert 'survey of 1 mosaics: 1 done' in done.stdout


def test_numbers_have_units_and_sensible_precision(work, capsys, monkeypatch):
    monkeypatch.chdir(work)
    assert main(['info', str(get_path('lotss-cutout'))]) == 0
    info = capsys.readouterr().out
    for text in ('pixel scale 1.50 arcsec', 'frequency   143.65 MHz', 'global rms  75.2 µJy/beam',
                 'min_value 25.7 µJy/beam', 'beam        6.00 x 6.00 arcsec'):
        assert text in info
    assert main(['xmatch', 'cat.ecsv', '--reference', 'sim-truth.ecsv']) == 0
    report = capsys.readouterr().out
    assert re.search(r'^  precision +\d\.\d{4}$', report, re.MULTILINE), report
    assert 'separation_median        0.' in report and ' arcsec' in report
    separation = [line for line in report.splitlines() if 'separation_median' in line][0]
    assert len(separation.split()[1].split('.')[1]) == 2          # 0.xx arcsec
    assert main(['stats', 'cat.ecsv']) == 0
    assert '0.9128044846523236' not in capsys.readouterr().out


def test_match_summary_prints_every_score(monkeypatch):
    """``print(result.summary())`` shows recall, precision and F1 on a narrow terminal."""
    from astropy import conf
    from lotss_tools import CrossMatcher
    from lotss_tools.io import read_table
    monkeypatch.setattr(conf, 'max_width', 40)
    table = read_table(get_path('lotss-dr2-sample'))
    result = CrossMatcher().match(table[:200], table[100:300])
    text = str(result.summary())
    for name in ('recall', 'precision', 'f1', 'total_flux_rel_median'):
        assert any(line.split()[0] == name for line in text.splitlines()), text
    assert '...' not in text
    assert 'recall                   0.5000' in text and 'radius                   6.00 arcsec' \
        in text
    from astropy.table import vstack
    stacked = vstack([result.summary(), result.summary()])
    assert type(stacked).__name__ == 'MatchSummary' and 'f1' in str(stacked)


def _actions(parser, path=()):
    import argparse
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from _actions(subparser, path + (name,))
        else:
            yield path, action


def test_every_command_and_option_has_help():
    import argparse
    from lotss_tools.cli import build_parser
    parser = build_parser()
    missing = [(' '.join(path), action.dest) for path, action in _actions(parser)
               if not action.help or action.help == argparse.SUPPRESS]
    assert missing == []
    commands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)][0]
    helps = {c.dest: c.help for c in commands._choices_actions}
    assert all(helps.values()) and len(helps) == len(commands.choices)


def test_readme_lists_every_command_and_the_offline_route():
    import argparse
    from lotss_tools.cli import build_parser
    readme = (ROOT / 'README.rst').read_text()
    commands = [a for a in build_parser()._actions
                if isinstance(a, argparse._SubParsersAction)][0].choices
    for name in commands:
        assert f'\n``{name}``' in readme, name
    assert 'lotss_tools.datasets import get_path' in readme and 'pinned=' in readme
    first_block = readme.split('::\n\n', 1)[1].split('\n\n', 1)[0]
    assert first_block.splitlines() == [
        '    python3 -m pip install . && python3 -m lotss_tools demo --output lotss-demo',
        '    python3 -m pip install -e ".[test]" && python3 -m pytest']
    docs = (ROOT / 'docs' / 'cli.rst').read_text()
    for name in commands:
        assert f'``lotss-tools {name}' in docs, name
