"""Tests of lotss_tools.validation: the interferometer-made sky and its statistics."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable
from scipy.stats import norm

from lotss_tools import Mosaic
from lotss_tools.datasets import get_path
from lotss_tools.exceptions import LotssToolsError
from lotss_tools.validation import (calibration_error_pattern, dirty_beam, imaging_weights,
                                    integral_counts, integral_source_counts, lofar_stations,
                                    lofar_uv_coverage, negative_tail_fraction,
                                    noise_autocorrelation, random_radio_sources, rms_variation,
                                    simulate_interferometer_sky, source_mask, synthesized_noise)

# Noise autocorrelation of real LoTSS noise (method notes: a real 400 x 400 DR1
# cutout) at lags 1, 2, 4 pixels, and the tolerance we hold the sky to.
REAL_ACF = {'x': (0.82, 0.44, 0.17), 'y': (0.65, 0.14, 0.14)}
ACF_TOLERANCE = 0.15
DR1_COUNTS = {1: 314.0, 10: 52.6, 100: 9.5}       # N(>S) per deg^2, S in mJy


@pytest.fixture(scope='module')
def coverage():
    return lofar_uv_coverage()


@pytest.fixture(scope='module')
def sky():
    """A 512 x 512 sky with artifacts on every source above 5 mJy."""
    return simulate_interferometer_sky((512, 512), seed=3, artifact_flux_limit=5 * u.mJy,
                                       return_layers=True)


def _acf(table, direction):
    return table['autocorrelation'][table['direction'] == direction]


# ---------------------------------------------------------------- the array

def test_stations_layout():
    stations = lofar_stations()
    core = stations[stations['kind'] == 'core']
    remote = stations[stations['kind'] == 'remote']
    assert len(core) == 48 and len(remote) == 14
    core_size = np.hypot(core['east'], core['north']).max()
    assert 1 * u.km < core_size < 3.5 * u.km
    assert np.hypot(remote['east'], remote['north']).max() > 50 * u.km
    assert len(lofar_stations(core=False)) == 14
    with pytest.raises(LotssToolsError, match='core or remote'):
        lofar_stations(core=False, remote=False)


def test_uv_coverage_and_dirty_beam(coverage):
    assert coverage.shape == (240, 1891, 8)
    # the uv coverage is longer north-south (v) at Dec +55: the beam is narrower in y
    psf = dirty_beam(coverage, imaging_weights(coverage), 64)
    assert psf[32, 32] == 1.0
    assert psf[32, 33] > psf[33, 32]            # wider along x (RA) than along y (Dec)
    fwhm_x = 2 * np.interp(0.5, psf[32, 32:40][::-1], np.arange(8)[::-1]) * 1.5
    fwhm_y = 2 * np.interp(0.5, psf[32:40, 32][::-1], np.arange(8)[::-1]) * 1.5
    assert 5.0 < np.sqrt(fwhm_x * fwhm_y) < 7.5            # a ~6 arcsec main lobe
    assert psf.min() < -0.01                                # sidelobes of both signs
    # natural weighting keeps the core's pedestal: a broader beam
    natural = dirty_beam(coverage, imaging_weights(coverage, robust=2), 64)
    assert natural[32, 36] > psf[32, 36]


def test_noise_autocorrelation_matches_real_lotss(coverage):
    noise = synthesized_noise(coverage, imaging_weights(coverage), (512, 512), seed=4)
    assert noise.dtype == np.float32 and abs(float(noise.std()) - 1) < 1e-4
    acf = noise_autocorrelation(noise, lags=(1, 2, 4))
    for direction, target in REAL_ACF.items():
        np.testing.assert_allclose(_acf(acf, direction), target, atol=ACF_TOLERANCE)
    assert np.all(_acf(acf, 'x')[:2] > _acf(acf, 'y')[:2] + 0.1)      # anisotropic
    assert abs(_acf(acf, 'diagonal')[1]) < 0.2            # real: ~0 at diagonal lag 2


def test_noise_is_gaussian_in_the_tail(coverage):
    noise = synthesized_noise(coverage, imaging_weights(coverage), (1024, 1024), seed=5)
    expected = norm.cdf(-4)            # 3.2e-5: 33 pixels of a million
    assert 0.3 * expected < negative_tail_fraction(noise, rms=1.0) < 2.5 * expected


# --------------------------------------------------------------- the sources

def test_counts_model_hits_dr1():
    model = integral_source_counts(list(DR1_COUNTS) * u.mJy).value
    np.testing.assert_allclose(model, list(DR1_COUNTS.values()), rtol=1e-6)
    with pytest.raises(LotssToolsError):
        integral_source_counts(-1 * u.mJy)


def test_drawn_counts_within_30_percent_of_dr1():
    area = 60 * u.deg ** 2
    sources = random_radio_sources(area, seed=7, min_flux=0.5 * u.mJy)
    counts = integral_counts(sources, area, list(DR1_COUNTS) * u.mJy, flux_column='total_flux',
                             group_column='group')
    np.testing.assert_allclose(counts['density'].value, list(DR1_COUNTS.values()), rtol=0.3)
    # counting components instead of sources gives more faint entries
    by_component = integral_counts(sources, area, [1] * u.mJy)
    assert by_component['n_sources'][0] > counts['n_sources'][0]


def test_groups_are_consistent():
    sources = random_radio_sources(20 * u.deg ** 2, seed=2, min_flux=1 * u.mJy)
    group = np.asarray(sources['group'])
    assert np.all(np.diff(group) >= 0)                      # components are consecutive
    size = np.bincount(group)
    np.testing.assert_allclose(np.bincount(group, sources['total_flux'].value)[size > 0],
                               sources['group_flux'].value[np.unique(group, return_index=True)[1]])
    multi = np.isin(group, np.flatnonzero(size > 1))
    kinds = np.asarray(sources['kind'])
    assert set(kinds[~multi]) <= {'point', 'extended'}
    assert set(kinds[multi]) <= {'fr1_core', 'fr1_jet', 'fr1_plume', 'fr2_core', 'fr2_lobe',
                                 'hotspot'}
    fraction = np.mean(size[size > 0] > 1)
    assert 0.06 < fraction < 0.10                             # DR1: 8% multi-component
    for g in np.unique(group[kinds == 'fr2_lobe'])[:50]:
        rows = sources[group == g]
        assert np.count_nonzero(rows['kind'] == 'fr2_lobe') == 2
        assert set(rows['kind']) <= {'fr2_lobe', 'hotspot', 'fr2_core'}
        spread = np.hypot(rows['east_offset'], rows['north_offset']).max()
        assert 5 * u.arcsec < spread < 60 * u.arcsec          # lobes 15-90 arcsec apart
    for g in np.unique(group[kinds == 'fr1_core'])[:50]:
        rows = sources[group == g]
        assert sorted(rows['kind']) == ['fr1_core', 'fr1_jet', 'fr1_jet', 'fr1_plume',
                                        'fr1_plume']


# ------------------------------------------------------------------ the sky

def test_sky_is_a_valid_mosaic(sky):
    mosaic, truth, layers = sky
    assert isinstance(mosaic, Mosaic)
    assert mosaic.shape == (512, 512) and mosaic.data.dtype == np.float32
    assert mosaic.beam.major.to(u.arcsec) == 6 * u.arcsec
    assert u.isclose(mosaic.pixel_scale, 1.5 * u.arcsec / u.pix)
    assert mosaic.wcs.has_celestial and mosaic.unit == u.Jy / u.beam
    assert mosaic.meta['SIMSEED'] == 3
    np.testing.assert_allclose(mosaic.data, layers.sky + layers.artifacts + layers.noise,
                               atol=1e-9)
    assert layers.dirty_beam.shape == (256, 256) and layers.dirty_beam[128, 128] == 1
    for name in ('ra', 'dec', 'total_flux', 'peak_flux', 'major_fwhm', 'minor_fwhm', 'pa',
                 'snr', 'in_footprint', 'group', 'kind', 'group_flux', 'local_rms'):
        assert name in truth.colnames
    assert truth['total_flux'].unit == u.mJy and truth['peak_flux'].unit == u.mJy / u.beam
    assert np.all(truth['snr'] == truth['peak_flux'] / truth['local_rms'])
    # a point component's rendered peak is its peak flux
    point = truth[(truth['kind'] == 'point') & (truth['snr'] > 20)][0]
    value = layers.sky[int(round(point['y'])), int(round(point['x']))] * 1e3
    assert value == pytest.approx(point['peak_flux'].value, rel=0.1)


def test_sky_is_deterministic_per_seed():
    a_mosaic, a_truth = simulate_interferometer_sky((256, 256), seed=11)
    b_mosaic, b_truth = simulate_interferometer_sky((256, 256), seed=11)
    c_mosaic, _ = simulate_interferometer_sky((256, 256), seed=12)
    assert np.array_equal(a_mosaic.data, b_mosaic.data)
    assert all(np.array_equal(a_truth[c], b_truth[c]) for c in a_truth.colnames)
    assert not np.array_equal(a_mosaic.data, c_mosaic.data)


def test_artifacts_have_both_signs_and_scale_with_flux(sky):
    mosaic, truth, layers = sky
    bright = truth[(truth['artifact_dynamic_range'] > 0) & (truth['kind'] == 'point')
                   & (truth['x'] > 40) & (truth['x'] < 472) & (truth['y'] > 40)
                   & (truth['y'] < 472)]
    assert len(bright) >= 3
    peaks = []
    for row in bright:
        x, y = int(round(row['x'])), int(round(row['y']))
        near = layers.artifacts[y - 20:y + 21, x - 20:x + 21]
        assert near.max() > 0 > near.min()                       # rings/blobs of both signs
        peaks.append(np.abs(near).max() * 1e3 / row['total_flux'].value)
    # the peak of each pattern is its drawn fraction of the source flux, 1e-3 to 1e-2
    # (neighbouring patterns overlap a little)
    ratio = np.array(peaks) / bright['artifact_dynamic_range']
    assert np.all((ratio > 0.8) & (ratio < 1.5)) and abs(np.median(ratio) - 1) < 0.15
    assert np.all((bright['artifact_dynamic_range'] >= 1e-3)
                  & (bright['artifact_dynamic_range'] <= 1e-2))


def test_no_artifacts_on_request():
    _, truth, layers = simulate_interferometer_sky((256, 256), seed=3,
                                                   artifact_dynamic_range=(0, 0),
                                                   artifact_flux_limit=1 * u.mJy,
                                                   return_layers=True)
    assert not layers.artifacts.any()
    assert np.all(truth['artifact_dynamic_range'] == 0)


def test_rms_map_variation_and_circle_footprint():
    mosaic, truth, layers = simulate_interferometer_sky(
        (1024, 1024), seed=8, pixel_scale=3 * u.arcsec, rms_variation=1.4, footprint='circle',
        min_flux=1 * u.mJy, return_layers=True)
    # 1024 pixels of 3 arcsec are the 51.2 arcmin box over which the variation is defined
    assert layers.rms.max() / layers.rms.min() == pytest.approx(1.4, rel=0.02)
    inside = np.isfinite(mosaic.data)
    assert np.median(layers.rms[inside]) == pytest.approx(75e-6, rel=0.01)
    assert not inside[0, 0] and inside[512, 512]
    assert not truth['in_footprint'][np.hypot(truth['x'] - 511.5, truth['y'] - 511.5) > 515].any()


def test_classify_detections(sky):
    mosaic, truth, layers = sky
    point = truth[(truth['kind'] == 'point') & (truth['snr'] > 10)][:3]
    row = truth[(truth['artifact_dynamic_range'] > 0)][0]
    # the strongest artifact pixel away from every true source
    yy, xx = np.mgrid[:512, :512]
    far = np.ones((512, 512), bool)
    for t in truth:
        far &= np.hypot(xx - t['x'], yy - t['y']) > 10
    art = np.where(far, np.abs(layers.artifacts) - np.abs(layers.noise), -np.inf)
    ay, ax = np.unravel_index(np.argmax(art), art.shape)
    quiet = np.where(far & (np.abs(layers.artifacts) < 1e-7), 1.0, 0.0)
    qy, qx = np.unravel_index(np.argmax(quiet), quiet.shape)
    ra, dec = mosaic.wcs.wcs_pix2world([*point['x'], ax, qx], [*point['y'], ay, qy], 0)
    labels = layers.classify(QTable({'ra': ra * u.deg, 'dec': dec * u.deg}))
    assert list(labels) == ['source'] * len(point) + ['artifact', 'noise']
    assert row['group_flux'] >= 5 * u.mJy


def test_bad_arguments_are_clear():
    cases = [({'shape': (10, 10)}, 'shape'), ({'rms_variation': 0.5}, 'rms_variation'),
             ({'footprint': 'square'}, 'footprint'),
             ({'artifact_dynamic_range': (0.1, 0.01)}, 'artifact_dynamic_range'),
             ({'center': (218, 55)}, 'center'), ({'robust': 9}, 'robust'),
             ({'beam': 2 * u.arcsec}, 'beam'), ({'pixel_scale': -1}, 'pixel_scale'),
             ({'min_flux': 1 * u.m}, 'min_flux')]
    for kwargs, word in cases:
        kwargs = {'shape': (64, 64), **kwargs}
        with pytest.raises(LotssToolsError, match=word):
            simulate_interferometer_sky(seed=1, **kwargs)
    with pytest.raises(ValueError, match='area'):
        random_radio_sources(-1 * u.deg ** 2)
    with pytest.raises(ValueError, match='declination'):
        lofar_uv_coverage(-60 * u.deg)
    with pytest.raises(ValueError, match='directions'):
        noise_autocorrelation(np.ones((20, 20)), directions=['z'])


def test_calibration_error_pattern(coverage):
    weights = imaging_weights(coverage)
    pattern = calibration_error_pattern(coverage, weights, 128, seed=1)
    again = calibration_error_pattern(coverage, weights, 128, seed=1)
    assert np.array_equal(pattern, again)
    assert pattern.max() > 0 > pattern.min()
    small = calibration_error_pattern(coverage, weights, 128, seed=1, phase_rms=0.03 * u.rad,
                                      amplitude_rms=0.0)
    assert np.abs(small).max() < 0.3 * np.abs(pattern).max()     # smaller errors, weaker
    # the pattern fades with distance from the source
    yy, xx = np.mgrid[:128, :128]
    r = np.hypot(xx - 64, yy - 64)
    assert np.abs(pattern[(r > 3) & (r < 15)]).mean() > 2.5 * np.abs(
        pattern[(r > 45) & (r < 60)]).mean()


# ---------------------------------------------------------- the statistics

def test_statistics_on_the_real_cutout():
    cutout = Mosaic.read(get_path('lotss-cutout'))
    mask = source_mask(cutout)
    assert 0.01 < mask.mean() < 0.2
    acf = noise_autocorrelation(cutout, mask=mask)
    # real LoTSS noise is correlated longer along x than along y
    assert np.all(_acf(acf, 'x') > _acf(acf, 'y'))
    assert negative_tail_fraction(cutout, mask=mask) < 1e-4
    table = rms_variation(cutout, box_size=50, mask=mask)
    assert 60 < table['median_rms'][0].to_value(u.uJy / u.beam) < 90
    assert 1 <= table['ratio'][0] < 1.5


def test_source_mask_covers_bright_surroundings():
    rng = np.random.default_rng(1)
    image = rng.normal(0, 1, (300, 300))
    yy, xx = np.mgrid[:300, :300]
    image += 1000.0 * np.exp(-((xx - 150) ** 2 + (yy - 150) ** 2) / (2 * 1.7 ** 2))
    mask = source_mask(image, bright_radius=40)
    assert mask[150, 190] and not mask[150, 195]
    assert mask.mean() < 0.1


def test_negative_tail_fraction_of_white_noise():
    image = np.random.default_rng(2).normal(0, 2.0, (1000, 1000))
    fraction = negative_tail_fraction(image, 3.0)
    assert fraction == pytest.approx(norm.cdf(-3), rel=0.15)
    # a noise level varying by 2 gives a heavier tail with one global sigma ...
    image *= np.linspace(0.67, 1.33, 1000)[None, :]
    assert negative_tail_fraction(image, 3.0) > 1.3 * norm.cdf(-3)
    # ... but not with a local rms map
    assert negative_tail_fraction(image, 3.0, box_size=100) == pytest.approx(norm.cdf(-3),
                                                                            rel=0.25)


def test_integral_counts_checks():
    table = QTable({'total_flux': [1.5, 20.0] * u.mJy, 'g': [0, 0]})
    assert integral_counts(table, 1 * u.deg ** 2, [1, 10] * u.mJy)['n_sources'].tolist() == [2, 1]
    assert integral_counts(table, 1 * u.deg ** 2, [1, 10, 30] * u.mJy,
                           group_column='g')['n_sources'].tolist() == [1, 1, 0]
    with pytest.raises(ValueError, match='peak'):
        integral_counts(table, 1 * u.deg ** 2, flux_column='peak')
