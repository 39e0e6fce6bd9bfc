"""Tests of lotss_tools.survey: run_survey on a LocalCluster of two worker processes.

The survey is six simulated 256-pixel mosaics on a 3 x 2 grid, 200 pixels
apart, that share one sky of 60 point sources (so sources in the overlaps
are seen by two to four mosaics), plus broken files. The extractor
subclasses below are test hooks: they pause on chosen mosaics (to kill the
driving process mid-run) or kill their own worker once.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import QTable
from dask.distributed import Client, LocalCluster

from lotss_tools import CatalogCleaner, DendroExtractor
from lotss_tools.io import write_table
from lotss_tools.neighbours import SkyTree
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.cli import main
from lotss_tools.survey import (LOCK_FILE, SURVEY_FILES, Manifest, SurveyLockedError,
                                find_mosaics, import_distributed, run_survey)

ROOT = Path(__file__).resolve().parent.parent
CENTER = SkyCoord(150 * u.deg, 30 * u.deg)
SIZE, STEP, SCALE = 256, 200, 1.5      # pixels, pixels, arcsec per pixel
GOOD = [f'field_{k:02d}' for k in range(6)]


class BlockingExtractor(DendroExtractor):
    """Before extracting a mosaic named in ``block_file``, wait until that file is gone."""

    def __init__(self, block_file='', **kwargs):
        super().__init__(**kwargs)
        self.block_file = str(block_file)

    def run(self, mosaic, *, noise=None):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                blocked = Path(self.block_file).read_text().split()
            except OSError:
                break
            if mosaic.name not in blocked:
                break
            time.sleep(0.05)
        return super().run(mosaic, noise=noise)


class ExitingExtractor(DendroExtractor):
    """Kill the worker process on mosaic ``victim`` the first time (``sentinel`` records it)."""

    def __init__(self, sentinel='', victim='', **kwargs):
        super().__init__(**kwargs)
        self.sentinel, self.victim = str(sentinel), victim

    def run(self, mosaic, *, noise=None):
        if mosaic.name == self.victim and not os.path.exists(self.sentinel):
            Path(self.sentinel).write_text('the worker was killed here\n')
            os._exit(1)
        return super().run(mosaic, noise=noise)


def _sky(n, rng, half_x, half_y, spacing=30.0):
    points = []
    while len(points) < n:
        x, y = rng.uniform(-half_x, half_x), rng.uniform(-half_y, half_y)
        if all(np.hypot(x - a, y - b) > spacing for a, b in points):
            points.append((x, y))
    points = np.array(points)
    return CENTER.spherical_offsets_by(points[:, 0] * u.arcsec, points[:, 1] * u.arcsec)


@pytest.fixture(scope='module')
def field(tmp_path_factory):
    """Six overlapping mosaics sharing 60 sources, their truth, and three broken files."""
    folder = tmp_path_factory.mktemp('survey')
    rng = np.random.default_rng(0)
    half_x, half_y = (2 * STEP + SIZE) / 2 * SCALE, (STEP + SIZE) / 2 * SCALE
    sky = _sky(60, rng, half_x, half_y)
    sources = QTable({'ra': sky.ra.to(u.deg), 'dec': sky.dec.to(u.deg),
                      'total_flux': rng.uniform(1.5, 30, len(sky)) * u.mJy})
    good = folder / 'good'
    paths, mosaics = [], []
    for k, name in enumerate(GOOD):
        dx, dy = (k % 3 - 1) * STEP * SCALE, (k // 3 - 0.5) * STEP * SCALE
        center = CENTER.spherical_offsets_by(dx * u.arcsec, dy * u.arcsec)
        mosaic, _ = simulate_mosaic((SIZE, SIZE), seed=100 + k, center=center, sources=sources,
                                    holes=False, blank_edges=False)
        paths.append(str(mosaic.write(good / f'{name}.fits')))
        mosaics.append(mosaic)
    truth_path = write_table(sources, folder / 'truth.ecsv')

    broken = folder / 'broken'
    broken.mkdir()
    for path in paths[:2]:
        shutil.copy(path, broken)
    (broken / 'corrupt.fits').write_bytes(b'SIMPLE  =                    T' + os.urandom(3000))
    header = mosaics[0].header
    for key in ('BMAJ', 'BMIN', 'BPA'):
        del header[key]
    fits.PrimaryHDU(mosaics[0].data, header=header).writeto(broken / 'no_beam.fits')
    fits.PrimaryHDU(np.full((64, 64), np.nan, np.float32),
                    header=mosaics[0].header).writeto(broken / 'all_nan.fits')
    return SimpleNamespace(folder=folder, paths=paths, mosaics=mosaics, sources=sources,
                           truth_path=str(truth_path), broken=broken,
                           block_file=str(folder / 'block.txt'))


@pytest.fixture(scope='module')
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address='127.0.0.1:0') as cluster, Client(cluster) as client:
        yield client


@pytest.fixture(scope='module')
def uninterrupted(field, client, tmp_path_factory):
    """The survey run once, start to end: what every other run must reproduce."""
    out = tmp_path_factory.mktemp('uninterrupted')
    return run_survey(field.paths, out, client=client, reference=field.truth_path,
                      extractor=BlockingExtractor(field.block_file))


def _counts_near(catalog, sky, radius=6 * u.arcsec):
    """Rows of ``catalog`` within ``radius`` of each position of ``sky``."""
    return np.array([len(rows) for rows in SkyTree(catalog['sky_centroid']).within(sky, radius)])


def _assert_same_table(a, b):
    assert a.colnames == b.colnames
    assert len(a) == len(b)
    for name in a.colnames:
        if name == 'sky_centroid':
            assert np.array_equal(a[name].ra.deg, b[name].ra.deg)
        else:
            assert np.array_equal(np.asarray(a[name]), np.asarray(b[name])), name


def test_merged_catalogue_has_each_true_source_once(field, uninterrupted):
    result = uninterrupted
    assert result.manifest['mosaic'].tolist() == GOOD
    assert set(result.manifest['status']) == {'done'}
    catalog = result.catalog
    truth = SkyCoord(field.sources['ra'], field.sources['dec'])
    assert (_counts_near(catalog, truth) == 1).all()
    # The overlaps did hold copies, and the merge removed them all.
    duplicates = QTable.read(result.paths['duplicates'])
    assert len(duplicates) >= 10
    assert (_counts_near(QTable({'sky_centroid': truth}), duplicates['sky_centroid']) == 1).all()
    assert sum(result.manifest['n_kept']) == len(catalog) + len(duplicates)
    assert len(set(zip(catalog['mosaic'], catalog['id']))) == len(catalog)
    # The other detections are a few noise peaks, far fainter than the 1.5-30 mJy sources.
    spurious = _counts_near(QTable({'sky_centroid': truth}), catalog['sky_centroid']) == 0
    assert spurious.sum() <= 6
    assert (catalog['total_flux'][spurious] < 1 * u.mJy).all()


def test_manifest_records_scores_time_memory_and_parameters(field, uninterrupted):
    table = uninterrupted.manifest
    assert (table['recall'] == 1).all()         # every true source in a mosaic is found
    assert (table['precision'] > 0.8).all()
    assert (table['n_reference'] >= 8).all()
    assert (table['n_kept'] + table['n_rejected'] == table['n_detected']).all()
    assert (table['time'] > 0 * u.s).all() and (table['worker_max_rss'] > 0 * u.MiB).all()
    assert (table['error'] == '').all()
    for row in table:
        kept = QTable.read(uninterrupted.output_dir / row['catalog'])
        assert len(kept) == row['n_kept'] and set(kept['mosaic']) <= {row['mosaic']}
    records = Manifest.load(uninterrupted.paths['manifest']).records
    parameters = records['field_00']['parameters']
    assert parameters['extractor']['class'] == 'tests.test_survey.BlockingExtractor'
    assert parameters['reference']['file'] == str(Path(field.truth_path).resolve())
    assert parameters['matcher']['radius'] == '6.0 arcsec'           # MATCH_RADIUS
    assert parameters['extractor']['block_file'] == field.block_file
    assert parameters['extractor']['box_size'] == 25 and 'n_jobs' not in parameters['extractor']
    summary = uninterrupted.summary[0]
    assert summary['n_done'] == 6 and summary['n_failed'] == 0
    assert np.isclose(summary['precision_mean'], np.mean(table['precision']))
    assert np.isclose(summary['precision_std'], np.std(table['precision']))
    assert summary['n_sources'] == len(uninterrupted.catalog)
    on_disk = QTable.read(uninterrupted.paths['summary'])
    assert on_disk['n_sources'][0] == summary['n_sources']


@pytest.mark.filterwarnings('ignore:Error validating header:astropy.io.fits.verify.VerifyWarning',
                            'ignore:non-ASCII characters are present:UserWarning')
def test_broken_mosaics_fail_with_their_reason_and_the_others_finish(field, tmp_path):
    result = run_survey(field.broken, tmp_path, client='synchronous')
    status = dict(zip(result.manifest['mosaic'], result.manifest['status']))
    error = dict(zip(result.manifest['mosaic'], result.manifest['error']))
    assert status == {'all_nan': 'failed', 'corrupt': 'failed', 'field_00': 'done',
                      'field_01': 'done', 'no_beam': 'failed'}
    assert error['corrupt'].startswith('InvalidMosaicError: ')
    assert 'corrupt.fits' in error['corrupt']
    assert error['no_beam'].startswith('MissingBeamError: ')
    assert 'no restoring beam' in error['no_beam']
    assert 'every pixel is NaN' in error['all_nan']
    assert error['field_00'] == ''
    assert set(result.catalog['mosaic']) == {'field_00', 'field_01'}
    assert result.summary['n_failed'][0] == 3
    assert 'failed: no_beam: MissingBeamError' in result.report()
    # A resumed run skips the done mosaics and tries the failed ones again.
    again = run_survey(field.broken, tmp_path, client='synchronous')
    assert (again.n_skipped, again.n_processed) == (2, 3)
    assert set(again.reasons.values()) == {'failed'}
    _assert_same_table(again.catalog, result.catalog)


def test_missing_file_in_a_list_is_recorded_as_failed(field, tmp_path):
    result = run_survey([field.paths[0], tmp_path / 'gone.fits'], tmp_path / 'out',
                        client='synchronous')
    failed = result.failed
    assert failed['mosaic'].tolist() == ['gone']
    assert failed['error'][0].startswith('FileNotFoundError: ')


def test_killed_survey_resumes_without_loss_or_duplicates(field, client, uninterrupted, tmp_path,
                                                          capsys, caplog):
    """Kill the driving process mid-survey (SIGKILL), then run it again.

    While the driver runs, a second run on its folder (here, and through the
    command line) is refused at once, naming the driver; once the driver is
    killed its lock is gone with it and the next run resumes.
    """
    out = tmp_path / 'killed'
    manifest_path = out / SURVEY_FILES['manifest']
    block = Path(field.block_file)
    block.write_text('field_04 field_05\n')
    script = (f'import sys; sys.path.insert(0, {str(ROOT)!r})\n'
              f'from tests.test_survey import BlockingExtractor\n'
              f'from lotss_tools.survey import run_survey\n'
              f'run_survey({field.paths!r}, {str(out)!r}, client={client.scheduler.address!r}, '
              f'reference={field.truth_path!r}, extractor=BlockingExtractor({str(block)!r}))\n')
    log = (tmp_path / 'driver.log').open('w')
    driver = subprocess.Popen([sys.executable, '-c', script], cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        done = {}
        while time.monotonic() < deadline and len(done) < 2:
            assert driver.poll() is None, (tmp_path / 'driver.log').read_text()
            if manifest_path.exists():
                records = Manifest.load(manifest_path).records
                done = {k: r for k, r in records.items() if r['status'] == 'done'}
            time.sleep(0.05)
        assert len(done) >= 2, 'the survey did not get going'
        # Issue 12 item 1: a second run on the same folder refuses, naming the holder.
        started = time.monotonic()
        with pytest.raises(SurveyLockedError, match=rf'another survey run .*pid {driver.pid}, '
                                                    rf'started .*run_survey') as info:
            run_survey(field.paths, out, client='synchronous', extractor=DendroExtractor(
                min_npix=40))
        assert time.monotonic() - started < 5
        assert info.value.holder['pid'] == driver.pid
        capsys.readouterr()
        assert main(['survey', str(field.folder / 'good'), '-o', str(out), '--scheduler',
                     'synchronous', '--tile-size', '300', '--no-progress']) == 2
        error = capsys.readouterr().err
        assert error.startswith('lotss-tools survey: error: ') and error.count('\n') == 1
        assert f'pid {driver.pid}' in error and driver.poll() is None
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        block.unlink()
        log.close()
    assert driver.returncode == -signal.SIGKILL
    # Killed before the end: field_04 and field_05 were held back, nothing was merged.
    done = {k: r for k, r in Manifest.load(manifest_path).records.items() if r['status'] == 'done'}
    assert 2 <= len(done) <= 4 and not {'field_04', 'field_05'} & set(done)
    assert not (out / SURVEY_FILES['catalog']).exists()
    stamps = {k: (out / r['catalog']).stat().st_mtime_ns for k, r in done.items()}

    assert str(driver.pid) in (out / LOCK_FILE).read_text()      # left by the dead driver
    with caplog.at_level('WARNING', logger='lotss_tools.survey.lock'):
        result = run_survey(field.paths, out, client=client, reference=field.truth_path,
                            extractor=BlockingExtractor(str(block)))
    assert f'pid {driver.pid}' in caplog.text and 'ended without releasing' in caplog.text
    assert (out / LOCK_FILE).read_text() == ''
    assert (result.n_skipped, result.n_processed) == (len(done), 6 - len(done))
    records = Manifest.load(manifest_path).records
    assert sorted(records) == GOOD and all(r['status'] == 'done' for r in records.values())
    for name, record in done.items():      # finished mosaics were not run again
        assert records[name]['finished'] == record['finished']
        assert (out / record['catalog']).stat().st_mtime_ns == stamps[name]
    # Nothing lost, nothing duplicated: the same catalogues as the uninterrupted run.
    for name in GOOD:
        _assert_same_table(QTable.read(out / records[name]['catalog']),
                           QTable.read(uninterrupted.output_dir / records[name]['catalog']))
    _assert_same_table(result.catalog, uninterrupted.catalog)
    _assert_same_table(QTable.read(result.paths['duplicates']),
                       QTable.read(uninterrupted.paths['duplicates']))
    assert np.array_equal(result.manifest['recall'], uninterrupted.manifest['recall'])
    assert not list(out.glob('**/*.tmp'))


def test_dead_worker_is_retried_with_the_same_result(field, client, uninterrupted, tmp_path):
    sentinel = tmp_path / 'killed.txt'
    extractor = ExitingExtractor(sentinel, victim='field_01')
    result = run_survey(field.paths[:3], tmp_path / 'out', client=client, extractor=extractor)
    assert sentinel.exists()                  # a worker really died on field_01
    assert set(result.manifest['status']) == {'done'}
    for name in GOOD[:3]:
        _assert_same_table(QTable.read(result.output_dir / f'mosaics/{name}.catalog.ecsv'),
                           QTable.read(uninterrupted.output_dir / f'mosaics/{name}.catalog.ecsv'))
    client.wait_for_workers(2, timeout=30)


def test_synchronous_run_equals_the_cluster_run(field, uninterrupted, tmp_path):
    result = run_survey(field.paths, tmp_path, client='synchronous', reference=field.truth_path,
                        extractor=BlockingExtractor(field.block_file))
    assert result.executor.startswith('synchronous')
    _assert_same_table(result.catalog, uninterrupted.catalog)
    assert np.array_equal(result.manifest['precision'], uninterrupted.manifest['precision'])


def test_large_mosaic_in_tiles_reports_each_source_once(field, tmp_path):
    mosaic, truth = simulate_mosaic((512, 512), seed=7, center=CENTER, sources=field.sources,
                                    holes=False, blank_edges=False)
    path = mosaic.write(tmp_path / 'big.fits')
    result = run_survey([path], tmp_path / 'out', client='synchronous', tile_size=300,
                        reference=field.sources)
    row = result.manifest[0]
    assert row['status'] == 'done' and row['n_tiles'] == 4
    catalog = result.catalog
    assert len(set(catalog['tile'])) == 4
    inside = truth[(truth['x'] > 3) & (truth['x'] < 508) & (truth['y'] > 3) & (truth['y'] < 508)]
    assert len(inside) >= 20
    counts = _counts_near(catalog, SkyCoord(inside['ra'], inside['dec']))
    assert (counts == 1).all()
    assert row['recall'] == 1
    # Positions are pixels of the whole mosaic, not of the tile.
    nearest = SkyTree(catalog['sky_centroid']).within(SkyCoord(inside['ra'], inside['dec']),
                                                      6 * u.arcsec)
    rows = np.array([found[0] for found in nearest])
    assert np.abs(catalog['x'][rows] - inside['x']).max() < 1
    assert np.abs(catalog['y'][rows] - inside['y']).max() < 1


def test_survey_tiles_through_the_extractor(tmp_path):
    """One tiling path: run_survey(tile_size=T) gives DendroExtractor(tile_size=T)'s catalogue."""
    mosaic, _ = simulate_mosaic((512, 512), seed=11)
    path = mosaic.write(tmp_path / 'tiled.fits')
    result = run_survey([path], tmp_path / 'out', client='synchronous', tile_size=200)
    direct = CatalogCleaner().clean(DendroExtractor(tile_size=200).extract(mosaic))[0]
    survey = QTable.read(tmp_path / 'out' / result.manifest['catalog'][0])
    assert result.manifest['n_tiles'][0] == 9 and len(survey) == len(direct) > 20
    for name in ('x', 'y', 'total_flux', 'peak_flux', 'tile'):        # ECSV keeps 15 digits
        np.testing.assert_allclose(np.asarray(survey[name]), np.asarray(direct[name]),
                                   rtol=1e-12, err_msg=name)
    # The extractor's other settings are kept; the tile size is the survey's.
    custom = run_survey([path], tmp_path / 'custom', client='synchronous', tile_size=200,
                        extractor=DendroExtractor(min_npix=12, tile_overlap=40))
    parameters = Manifest.load(custom.paths['manifest']).records['tiled']['parameters']
    assert (parameters['extractor']['tile_size'], parameters['extractor']['min_npix'],
            parameters['extractor']['tile_overlap']) == (200, 12, 40)


def test_other_parameters_are_processed_again(field, tmp_path):
    paths = field.paths[:2]
    first = run_survey(paths, tmp_path, client='synchronous')
    same = run_survey(paths, tmp_path, client='synchronous')
    assert (same.n_skipped, same.n_processed) == (2, 0)
    other = run_survey(paths, tmp_path, client='synchronous',
                       cleaner=CatalogCleaner.research_2023())
    assert (other.n_skipped, other.n_processed) == (0, 2)
    again = run_survey(paths, tmp_path, client='synchronous', resume=False)
    assert (again.n_skipped, again.n_processed) == (0, 2)
    _assert_same_table(again.catalog, first.catalog)


def test_default_local_cluster(field, tmp_path):
    result = run_survey(field.paths[:1], tmp_path, n_workers=1)
    assert result.executor.startswith('Dask scheduler') and '(1 workers)' in result.executor
    assert result.manifest['status'].tolist() == ['done']


def test_missing_dask_gives_the_install_command(monkeypatch, field, tmp_path):
    monkeypatch.setitem(sys.modules, 'dask.distributed', None)
    with pytest.raises(ImportError, match=r"pip install 'lotss_tools\[survey\]'"):
        import_distributed()
    with pytest.raises(ImportError, match='synchronous'):
        run_survey(field.paths[:1], tmp_path)
    # The synchronous executor needs no Dask.
    assert run_survey(field.paths[:1], tmp_path, client='synchronous').n_processed == 1


def test_bad_arguments_are_named(field, tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='no FITS mosaics'):
        find_mosaics(empty)
    with pytest.raises(FileNotFoundError, match='nowhere'):
        find_mosaics(tmp_path / 'nowhere')
    copy = tmp_path / 'copy'
    copy.mkdir()
    shutil.copy(field.paths[0], copy)
    with pytest.raises(ValueError, match="two mosaics are named 'field_00'"):
        find_mosaics([field.paths[0], copy / 'field_00.fits'])
    with pytest.raises(TypeError, match='client must be'):
        run_survey(field.paths[:1], tmp_path, client=3)
    with pytest.raises(TypeError, match=r'extractor must have a method run\(\)'):
        run_survey(field.paths[:1], tmp_path, extractor='dendrogram', client='synchronous')
    with pytest.raises(ValueError, match='tile_size'):
        run_survey(field.paths[:1], tmp_path, tile_size=50, client='synchronous')
    with pytest.raises(ValueError, match='reference: .*no positions'):
        run_survey(field.paths[:1], tmp_path, reference=QTable({'flux': [1.0]}),
                   client='synchronous')
    (tmp_path / 'bad' / 'manifest.json').parent.mkdir()
    (tmp_path / 'bad' / 'manifest.json').write_text('{"what": 1}')
    with pytest.raises(ValueError, match='not a lotss_tools survey manifest'):
        run_survey(field.paths[:1], tmp_path / 'bad', client='synchronous')
