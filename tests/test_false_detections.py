"""False detections measured from the data: the pipeline run on the negated image."""

import numpy as np
import pytest
from astropy import units as u
from scipy import ndimage

from lotss_tools import CatalogCleaner, DendroExtractor, Mosaic, Pipeline
from lotss_tools.datasets import get_path
from lotss_tools.exceptions import InvalidParameterError
from lotss_tools.noise import NoiseModel
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.validation import (false_detections, negated_mosaic, negated_noise,
                                    simulate_interferometer_sky)

SIGMA = 6 / 1.5 / np.sqrt(8 * np.log(2))
#: Thresholds low enough that pure noise gives hundreds of peaks (3 sigma).
LOW = DendroExtractor(min_value=1.5, min_delta=1.5, measurement='moments')


def pure_noise(shape=(1024, 1024), seed=7):
    """Correlated Gaussian noise on a LoTSS-like grid: no source at all."""
    template, _ = simulate_mosaic((64, 64), seed=1, holes=False, blank_edges=False)
    noise = ndimage.gaussian_filter(np.random.default_rng(seed).normal(size=shape),
                                    SIGMA / np.sqrt(2))
    header = template.meta.copy()
    header['NAXIS1'], header['NAXIS2'] = shape[1], shape[0]
    header['CRPIX1'], header['CRPIX2'] = (shape[1] + 1) / 2, (shape[0] + 1) / 2
    return Mosaic((noise / noise.std() * 1e-4).astype(np.float32), meta=header, name='noise')


@pytest.fixture(scope='module')
def artifact_sky():
    """512^2 interferometer-made sky with a 1.6 Jy source whose artifacts (5e-3 to 1e-2 of its
    flux) have both signs."""
    return simulate_interferometer_sky((512, 512), seed=9, artifact_dynamic_range=(5e-3, 1e-2))


def test_pure_noise_gives_as_many_negated_as_positive_detections():
    report = false_detections(pure_noise(), Pipeline(LOW), snr_bins=(3, 3.5, 4, np.inf),
                              min_snr=3)
    summary = report.summary()
    assert summary['n_positive'] > 300
    assert 0.8 < summary['false_detection_fraction'] < 1.25
    assert 0.8 < summary['false_detection_fraction_detected'] < 1.25
    first = report.by_snr[0]
    assert 0.75 < first['false_detection_fraction'] < 1.33
    assert summary['n_bright'] == 0                   # no bright source: one open distance bin
    assert report.by_distance['n_positive'][-1] == summary['n_positive']
    assert report.by_distance['n_positive'][:-1].sum() == 0


def test_excess_near_bright_sources_and_the_cleaning_removes_it(artifact_sky):
    mosaic, truth = artifact_sky
    report = false_detections(mosaic)
    assert len(report.bright) == 1
    table = report.by_distance
    assert table['distance_min'].unit == u.arcmin
    near = table['distance_max'] <= 2 * u.arcmin
    # Before cleaning, the artifacts make about as many negated as positive
    # detections within 2 arcmin of the bright source; beyond 8 arcmin, few.
    near_fraction = table['n_negative_detected'][near].sum() / table['n_positive_detected'][
        near].sum()
    assert near_fraction > 0.7
    assert table['n_positive_detected'][-1] >= 5
    assert table['false_detection_fraction_detected'][-1] < 0.3
    # The same cleaning removes them on both sides.
    summary = report.summary()
    assert summary['n_negative_detected'] > 50
    assert summary['false_detection_fraction'] < 0.05
    assert set(report.negative.rejected['reason']) == {'artifact_level'}


def test_report_tables_are_documented_with_units(artifact_sky):
    mosaic, _ = artifact_sky
    report = false_detections(mosaic, snr_bins=[5, 10, np.inf],
                              distance_bins=[0, 60, 600] * u.arcsec, bright_snr=300)
    assert report.by_snr['snr_min'].tolist() == [5, 10]
    assert report.by_distance['distance_max'].unit == u.arcmin
    assert report.by_distance['distance_max'][-1] == 10 * u.arcmin
    for table in (report.by_snr, report.by_distance):
        assert all(table[name].info.description for name in table.colnames)
        assert table.meta['bright_snr'] == 300
    # Every negated detection at SNR >= 5 (the first bin's edge) is counted once; Gaussian
    # fits can put a detection's fitted peak below the 5-sigma pixel that found it.
    snr = np.asarray(report.negative.catalog['snr'])
    assert report.by_snr['n_negative_detected'].sum() == np.count_nonzero(snr >= 5)
    assert 'negated' in repr(report)


def test_negated_noise_is_what_the_negated_image_measures():
    mosaic = Mosaic.read(get_path('lotss-cutout'))
    noise = NoiseModel.from_mosaic(mosaic)
    measured = NoiseModel.from_mosaic(negated_mosaic(mosaic))
    reused = negated_noise(noise)
    np.testing.assert_array_equal(measured.rms, reused.rms)
    np.testing.assert_array_equal(measured.background, reused.background)
    assert np.array_equal(negated_mosaic(mosaic).data, -mosaic.data)


def test_real_cutout_has_no_negated_detection():
    report = false_detections(Mosaic.read(get_path('lotss-cutout')))
    summary = report.summary()
    assert summary['n_positive'] == 4 and summary['n_negative_detected'] == 0


def test_research_thresholds_use_the_image_levels_on_both_signs(artifact_sky):
    mosaic, _ = artifact_sky
    pipeline = Pipeline(DendroExtractor.research_2023(), CatalogCleaner.research_2023())
    report = false_detections(mosaic, pipeline)
    for key in ('min_value', 'min_delta'):
        assert report.negative.catalog.meta[key] == report.positive.catalog.meta[key]


def test_refused_settings(artifact_sky):
    mosaic, _ = artifact_sky
    with pytest.raises(InvalidParameterError, match='percentile'):
        false_detections(mosaic, Pipeline(DendroExtractor(threshold='percentile')))
    with pytest.raises(InvalidParameterError, match='snr_bins'):
        false_detections(mosaic, snr_bins=[5, 4])
    with pytest.raises(InvalidParameterError, match='distance_bins'):
        false_detections(mosaic, distance_bins=[1] * u.arcmin)


def test_pipeline_option_records_the_summary_in_meta(artifact_sky):
    mosaic, truth = artifact_sky
    result = Pipeline(false_detections=True).run(mosaic, truth)
    report = result.false_detections
    assert report is not None and report.positive is result
    for table in (result.catalog, result.kept, result.rejected):
        assert table.meta['false_detections'] == report.summary()
    assert 'false_detections' in result.timings
    assert Pipeline().run(mosaic).false_detections is None


def test_cli_extract_prints_the_report(artifact_sky, tmp_path, capsys):
    from astropy.table import QTable
    from lotss_tools.cli import main
    path = artifact_sky[0].write(tmp_path / 'sky.fits')
    out = tmp_path / 'sky.ecsv'
    assert main(['extract', str(path), '-o', str(out), '--false-detections']) == 0
    printed = capsys.readouterr().out
    assert 'FalseDetectionReport' in printed and 'snr_min' in printed
    assert 'distance_min' in printed and 'false_detection_fraction' in printed
    summary = QTable.read(out).meta['false_detections']
    assert summary['n_negative_detected'] > 50
    assert main(['extract', str(path), '-o', str(out), '--overwrite', '--threshold',
                 'percentile', '--false-detections']) == 2
    assert 'percentile' in capsys.readouterr().err


def test_survey_manifest_records_the_false_detections(artifact_sky, tmp_path):
    from lotss_tools.survey import MANIFEST_COLUMNS, run_survey
    path = artifact_sky[0].write(tmp_path / 'sky.fits')
    assert {'n_negative', 'false_detection_fraction'} <= set(MANIFEST_COLUMNS)
    measured = run_survey([path], tmp_path / 'with', client='synchronous',
                          false_detections=True).manifest
    plain = run_survey([path], tmp_path / 'without', client='synchronous').manifest
    report = false_detections(artifact_sky[0]).summary()
    assert measured['n_negative'][0] == report['n_negative']
    assert measured['false_detection_fraction'][0] == pytest.approx(
        report['false_detection_fraction'])
    assert plain['n_negative'][0] == -1 and np.isnan(plain['false_detection_fraction'][0])
    assert measured['parameters_hash'][0] != plain['parameters_hash'][0]
