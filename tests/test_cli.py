"""Tests of the lotss-tools command line and the demo it runs."""

import subprocess
import sys

import pytest
from astropy import units as u
from astropy.table import QTable

from lotss_tools import Mosaic
from lotss_tools.datasets import get_path
from lotss_tools.cli import main


def test_demo_writes_outputs(tmp_path, capsys):
    out = tmp_path / 'demo'
    assert main(['demo', '--output', str(out), '--shape', '512', '--seed', '3']) == 0
    report = capsys.readouterr().out
    for name in ('simulated_mosaic.fits', 'truth.ecsv', 'catalog.ecsv', 'demo.png'):
        assert (out / name).exists()
        assert str(out / name) in report
    assert 'global rms' in report and 'min_value (research)' in report
    truth = QTable.read(out / 'truth.ecsv')
    assert truth['total_flux'].unit == u.mJy
    mosaic = Mosaic.read(out / 'simulated_mosaic.fits')
    assert mosaic.shape == (512, 512)
    assert (out / 'demo.png').stat().st_size > 20_000
    # Running again replaces the outputs rather than failing or duplicating.
    assert main(['demo', '--output', str(out), '--shape', '512', '--seed', '3']) == 0
    assert sorted(p.name for p in out.iterdir()) == ['catalog.ecsv', 'cleaning.reg', 'demo.png',
                                                     'rejected.ecsv', 'simulated_mosaic.fits',
                                                     'truth.ecsv']
    catalog = QTable.read(out / 'catalog.ecsv')
    assert len(catalog) > 0 and catalog['total_flux'].unit == u.mJy
    assert 'precision after cleaning' in report and 'recall, true SNR >= 7' in report


def test_simulate_and_info(tmp_path, capsys):
    path = tmp_path / 'sim.fits'
    assert main(['simulate', str(path), '--shape', '300x400', '--seed', '1']) == 0
    assert Mosaic.read(path).shape == (300, 400)
    truth = QTable.read(tmp_path / 'sim-truth.ecsv')
    assert len(truth) > 0
    capsys.readouterr()
    # Same file again without --overwrite: a one-line error, exit status 2.
    assert main(['simulate', str(path), '--shape', '300x400']) == 2
    assert 'already exists' in capsys.readouterr().err
    assert main(['info', str(get_path('lotss-cutout'))]) == 0
    info = capsys.readouterr().out
    assert 'beam        6.00 x 6.00 arcsec' in info and 'frequency   143.65 MHz' in info
    assert 'global rms  75.2 µJy/beam' in info and 'pixel scale 1.50 arcsec' in info
    assert '200 x 200 pixels' in info
    assert 'min_npix 8' in info
    assert 'below the noise: the research rule is unreliable' in info
    big = tmp_path / 'big.fits'
    assert main(['simulate', str(big), '--shape', '1024', '--seed', '5']) == 0
    assert main(['info', str(big)]) == 0
    assert 'unreliable' not in capsys.readouterr().out


def test_errors_are_one_line(tmp_path, capsys):
    assert main(['info', str(tmp_path / 'missing.fits')]) == 2
    err = capsys.readouterr().err
    assert err.startswith('lotss-tools info: error:') and 'missing.fits' in err
    assert 'Traceback' not in err
    bad = tmp_path / 'bad.fits'
    bad.write_bytes(b'not fits' * 1000)
    assert main(['info', str(bad)]) == 2
    assert 'not a readable FITS' in capsys.readouterr().err


def test_module_entry_point_and_help():
    done = subprocess.run([sys.executable, '-m', 'lotss_tools', '--help'],
                          capture_output=True, text=True, check=True)
    for command in ('demo', 'simulate', 'info'):
        assert command in done.stdout
    bad_shape = subprocess.run([sys.executable, '-m', 'lotss_tools', 'demo', '--shape', '0'],
                               capture_output=True, text=True)
    assert bad_shape.returncode == 2 and 'shape must be' in bad_shape.stderr


def test_extract_command(tmp_path, capsys):
    out = tmp_path / 'cat.ecsv'
    mosaic = get_path('lotss-cutout')
    assert main(['extract', str(mosaic), '-o', str(out)]) == 0
    catalog = QTable.read(out)
    assert len(catalog) >= 4 and catalog['total_flux'].unit == u.mJy
    assert f'extracted {len(catalog)} sources' in capsys.readouterr().out
    assert main(['extract', str(mosaic), '-o', str(out), '--threshold', 'research-2023',
                 '--overwrite']) == 0
    assert QTable.read(out).meta['threshold'] == 'research'
    assert main(['extract', str(mosaic), '-o', str(out)]) == 2
    assert 'already exists' in capsys.readouterr().err
    assert main(['extract', str(mosaic), '-o', str(out), '--bright-box', '10',
                 '--overwrite']) == 0
    assert QTable.read(out).meta['extractor'] == 'DendroExtractor(bright_box_size=10.0)'


@pytest.mark.parametrize('suffix', ['.vot', '.votable', '.fits', '.ecsv'])
def test_every_written_catalogue_reads_back_into_the_next_command(tmp_path, capsys, suffix):
    mosaic = get_path('lotss-cutout')
    catalog = tmp_path / f'p218{suffix}'
    assert main(['extract', str(mosaic), '-o', str(catalog)]) == 0
    assert main(['clean', str(catalog), '-o', str(tmp_path / f'kept{suffix}'),
                 '--rejected', str(tmp_path / f'rejected{suffix}')]) == 0
    assert main(['stats', str(tmp_path / f'kept{suffix}')]) == 0
    assert 'error' not in capsys.readouterr().err
    from lotss_tools.io import read_table
    kept = read_table(tmp_path / f'kept{suffix}')
    assert len(kept) >= 4 and kept['sky_centroid'].frame.name == 'icrs'


def test_unknown_catalogue_extension_is_refused(tmp_path, capsys):
    assert main(['extract', str(get_path('lotss-cutout')), '-o', str(tmp_path / 'p218.txt')]) == 2
    err = capsys.readouterr().err
    assert 'cannot tell the table format' in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_training_command(tmp_path, capsys):
    mosaic = tmp_path / 'sim.fits'
    assert main(['simulate', str(mosaic), '--shape', '600', '--seed', '4']) == 0
    catalog = tmp_path / 'cat.ecsv'
    assert main(['extract', str(mosaic), '-o', str(catalog)]) == 0
    capsys.readouterr()
    out = tmp_path / 'train'
    assert main(['training', str(mosaic), '--catalog', str(catalog), '--reference',
                 str(tmp_path / 'sim-truth.ecsv'), '-o', str(out), '--keep-labels', 'both']) == 0
    report = capsys.readouterr().out
    assert 'patches with' in report and (tmp_path / 'train.npz').exists()
    from lotss_tools.training import TrainingSet
    training_set = TrainingSet.read(out)
    assert len(training_set) > 0 and len(training_set.boxes) > 0
    assert set(training_set.boxes['label']) == {'both'}


def test_xmatch_command(tmp_path, capsys):
    mosaic = tmp_path / 'sim.fits'
    assert main(['simulate', str(mosaic), '--shape', '600', '--seed', '6']) == 0
    catalog = tmp_path / 'cat.ecsv'
    assert main(['extract', str(mosaic), '-o', str(catalog)]) == 0
    capsys.readouterr()
    pairs = tmp_path / 'pairs.ecsv'
    assert main(['xmatch', str(catalog), '--reference', str(tmp_path / 'sim-truth.ecsv'),
                 '--radius', '6arcsec', '-o', str(pairs), '--mosaic', str(mosaic),
                 '--chance', '3']) == 0
    report = capsys.readouterr().out
    assert 'precision' in report and 'recall' in report and 'chance-match fraction' in report
    assert len(QTable.read(pairs)) > 0
    assert main(['xmatch', str(catalog), '--reference', 'lotss-dr2']) == 2
    assert 'needs --mosaic' in capsys.readouterr().err


def test_unreadable_catalogue_is_one_line(tmp_path, capsys):
    bad = tmp_path / 'bad.ecsv'
    bad.write_text('# %ECSV 1.0\n# ---\n# broken: [\n')
    assert main(['xmatch', str(bad), '--reference', str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith('lotss-tools xmatch: error:') and 'bad.ecsv' in err and len(err.splitlines()) == 1


def test_clean_merge_catalog_confirm_commands(tmp_path, capsys):
    mosaic = tmp_path / 'sim.fits'
    assert main(['simulate', str(mosaic), '--shape', '1024', '--seed', '1']) == 0
    catalog = tmp_path / 'cat.ecsv'
    assert main(['extract', str(mosaic), '-o', str(catalog)]) == 0
    capsys.readouterr()
    kept = tmp_path / 'kept.ecsv'
    assert main(['clean', str(catalog), '-o', str(kept), '--regions', str(tmp_path / 'c.reg')]) == 0
    report = capsys.readouterr().out
    rejected = QTable.read(tmp_path / 'kept-rejected.ecsv')
    assert len(QTable.read(kept)) + len(rejected) == len(QTable.read(catalog))
    assert 'kept' in report and (tmp_path / 'c.reg').read_text().count('circle') > 0
    # Two copies of the same catalogue merge back into one.
    merged = tmp_path / 'merged.ecsv'
    assert main(['merge', str(kept), str(kept), '-o', str(merged)]) == 0
    assert len(QTable.read(merged)) == len(QTable.read(kept))
    # LoTSS DR2 from a pinned file (no network), then confirmation against files.
    from lotss_tools.catalogs import sample_catalog_path
    dr2 = tmp_path / 'dr2.ecsv'
    assert main(['catalog', '--center', '200.0 45.0', '--radius', '20arcmin', '--pinned',
                 str(sample_catalog_path()), '-o', str(dr2)]) == 0
    assert 'sha256' in capsys.readouterr().out
    flagged = tmp_path / 'flagged.ecsv'
    assert main(['confirm', str(tmp_path / 'kept-rejected.ecsv'), '--allwise', str(dr2),
                 '-o', str(flagged)]) == 0
    assert 'flag' in QTable.read(flagged).colnames
    assert main(['catalog', '-o', str(dr2), '--overwrite']) == 2
    assert 'give --mosaic' in capsys.readouterr().err


def test_stats_command(tmp_path, capsys):
    from lotss_tools.catalogs import sample_catalog_path
    counts = tmp_path / 'counts.ecsv'
    assert main(['stats', str(sample_catalog_path()), '--area', '0.785', '--counts-out', str(counts),
                 '--plot', str(tmp_path / 'counts.png')]) == 0
    report = capsys.readouterr().out
    assert '1348 sources' in report
    table = QTable.read(counts)
    assert table['n_sources'].sum() > 1000
    assert (tmp_path / 'counts.png').stat().st_size > 10_000


def test_survey_command(tmp_path, capsys):
    folder = tmp_path / 'mosaics'
    for seed in (1, 2):
        assert main(['simulate', str(folder / f'm{seed}.fits'), '--shape', '300', '--seed',
                     str(seed)]) == 0
    (folder / 'broken.fits').write_text('not a mosaic')
    capsys.readouterr()
    out = tmp_path / 'survey'
    status = main(['survey', str(folder), '-o', str(out), '--scheduler', 'synchronous',
                   '--no-progress'])
    assert status == 1  # one mosaic failed, and says so
    report = capsys.readouterr().out
    assert 'broken' in report
    assert (out / 'manifest.json').exists()


# ------------------------------------------------ real data, survey names
@pytest.fixture
def p218(tmp_path):
    """The real P218+55 cutout, its extracted catalogue, and its 28 DR1 rows written as
    PyBDSF writes a FITS source list (Jy and degrees, the survey's column names)."""
    from astropy.table import Table
    mosaic = get_path('lotss-cutout')
    catalog = tmp_path / 'p218.ecsv'
    assert main(['extract', str(mosaic), '-o', str(catalog)]) == 0
    table = Table(QTable.read(get_path('lotss-dr1-sources')), copy=True)
    table['Total_flux'] = table['Total_flux'].to(u.Jy)
    table['Peak_flux'] = table['Peak_flux'].to(u.Jy / u.beam)
    for name in ('Maj', 'Min', 'DC_Maj', 'DC_Min'):
        table[name] = table[name].to(u.deg)
    table.write(tmp_path / 'dr1.fits')
    return str(mosaic), str(catalog), str(tmp_path / 'dr1.fits')


def test_xmatch_counts_recall_in_the_mosaic_footprint(p218, capsys):
    """Issue 11 items 2 and 3: the P218+55 cutout against its 28 DR1 rows (7 inside)."""
    mosaic, catalog, pybdsf = p218
    capsys.readouterr()
    assert main(['xmatch', catalog, '--reference', pybdsf]) == 0
    everything = capsys.readouterr().out
    assert 'recall                   0.1429' in everything
    assert 'recall counts every reference row (give --mosaic' in everything
    assert main(['xmatch', catalog, '--reference', pybdsf, '--mosaic', mosaic]) == 0
    inside = capsys.readouterr().out
    assert 'recall                   0.5714' in inside
    assert 'n_reference_in_footprint 7' in inside
    assert 'within 6 arcsec' in inside                         # MATCH_RADIUS
    # Survey columns in Jy were read and converted: the flux comparison is reported.
    assert 'total_flux_rel_median' in inside and 'major_fwhm_rel_median' in inside


def test_training_reference_with_survey_columns(p218, tmp_path):
    """Issue 11 item 3: ``training --reference`` takes a PyBDSF/LoTSS file as it is."""
    mosaic, catalog, pybdsf = p218
    out = tmp_path / 'train'
    assert main(['training', mosaic, '--catalog', catalog, '--reference', pybdsf,
                 '-o', str(out), '--patch-size', '64', '--patch-shift', '48',
                 '--origin-offset', '0']) == 0
    from lotss_tools.training import TrainingSet
    boxes = TrainingSet.read(out).boxes
    assert {'both', 'reference_only'} <= set(boxes['label'])
    reference_only = boxes[boxes['label'] == 'reference_only']
    assert (reference_only['total_flux'] < 10 * u.mJy).all()    # Jy read as Jy, not mJy


def test_version_and_help_import_nothing_heavy():
    """Issue 13: ``lotss-tools --version`` and ``import lotss_tools`` stay light."""
    code = ('import sys, time; t = time.perf_counter(); import lotss_tools; '
            'from lotss_tools.cli import build_parser; build_parser(); '
            'heavy = [m for m in ("astropy.units", "numpy", "scipy", "photutils", '
            '"lotss_tools.mosaic", "matplotlib") if m in sys.modules]; print(heavy)')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == '[]'
    version = subprocess.run([sys.executable, '-m', 'lotss_tools', '--version'],
                             capture_output=True, text=True, check=True)
    assert version.stdout.startswith('lotss_tools ')
