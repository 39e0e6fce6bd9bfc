"""Tests of the measurement layer: Gaussian fits of islands, their uncertainties,
deconvolved sizes, the resolved flag, and components grouped into sources."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, vstack
from radio_beam import Beam

from lotss_tools import Mosaic
from lotss_tools.datasets import get_path
from lotss_tools.extraction import (FitFlag, compute_dendrogram, component_table,
                                    condon_errors, deconvolve_sizes, fit_islands, gaussian_image,
                                    group_components, make_sources, resolved_flag)
from lotss_tools.extraction.uncertainties import _exact_covariance
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.stats import is_unresolved

from .injection import (calibration_grid, double_source, extract, grid_sky, grouping_outcome,
                        point_pair)

BEAM_SIGMA = 4.0 / np.sqrt(8 * np.log(2))      # a 6" beam on 1.5" pixels


def islands_of(image, level=0.5, delta=0.5, npix=4):
    tree = compute_dendrogram(image, level, delta, npix)
    return tree.trunk_labels(), tree.leaf_labels()


def robust_std(values):
    values = values[np.isfinite(values)]
    q25, q75 = np.percentile(values, [25, 75])
    return (q75 - q25) / 1.349


# --------------------------------------------------------------------------- fitting

def test_fit_recovers_an_elliptical_gaussian():
    theta = np.radians(30)
    image = gaussian_image((48, 48), [23.4], [21.7], [5.0], [3.5], [2.0], [theta])
    islands, leaves = islands_of(image, 0.05, 0.05)
    fit = fit_islands(image, 0.01, islands, leaves, (BEAM_SIGMA, BEAM_SIGMA))
    assert len(fit) == 1 and fit['flag'][0] == FitFlag.OK
    for key, expected in (('x', 23.4), ('y', 21.7), ('peak', 5.0), ('sigma_major', 3.5),
                          ('sigma_minor', 2.0), ('theta', theta)):
        assert fit[key][0] == pytest.approx(expected, abs=1e-4)
    beam_area = 2 * np.pi * BEAM_SIGMA ** 2
    assert fit['flux'][0] == pytest.approx(2 * np.pi * 5.0 * 3.5 * 2.0 / beam_area, rel=1e-6)
    assert fit['residual_rms'][0] < 1e-6 and fit['n_pixels'][0] > np.count_nonzero(islands)


def test_fit_separates_blended_gaussians_of_one_island():
    image = gaussian_image((40, 60), [22.0, 33.0], [20.0, 21.0], [4.0, 2.5], [2.0, 2.2],
                           [1.8, 1.7], [0.0, 0.5])
    islands, leaves = islands_of(image, 0.05, 0.2)
    assert islands.max() == 1 and leaves.max() == 2
    fit = fit_islands(image, 0.01, islands, leaves, (1.6, 1.6))
    order = np.argsort(fit['x'])
    assert np.allclose(fit['x'][order], [22.0, 33.0], atol=1e-3)
    assert np.allclose(fit['peak'][order], [4.0, 2.5], atol=1e-3)
    assert (fit['island'] == 1).all() and (fit['flag'] == 0).all()


def test_fit_in_noise_is_unbiased_and_threads_agree():
    rng = np.random.default_rng(3)
    n = 6
    truth_x = np.repeat(np.arange(n) * 40 + 20.3, n)
    truth_y = np.tile(np.arange(n) * 40 + 19.6, n)
    image = gaussian_image((240, 240), truth_x, truth_y, np.full(n * n, 2.0),
                           np.full(n * n, BEAM_SIGMA), np.full(n * n, BEAM_SIGMA), np.zeros(n * n))
    image += 0.1 * rng.standard_normal(image.shape)          # SNR 20, white noise
    islands, leaves = islands_of(image / 0.1, 2.5, 2.5, 8)
    one = fit_islands(image, 0.1, islands, leaves, (BEAM_SIGMA, BEAM_SIGMA), n_jobs=1)
    two = fit_islands(image, 0.1, islands, leaves, (BEAM_SIGMA, BEAM_SIGMA), n_jobs=2)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])
    assert len(one) == n * n
    ratio = one['flux'] / (2.0 * np.ones(n * n))
    assert abs(np.median(ratio) - 1) < 0.03
    nearest = np.hypot(one['x'][:, None] - truth_x, one['y'][:, None] - truth_y).min(axis=1)
    assert np.median(nearest) < 0.15


def test_fit_falls_back_to_moments_when_an_island_is_too_small():
    image = np.zeros((20, 20))
    image[10, 10:13] = [1.0, 3.0, 1.0]                    # 3 pixels: fewer than 6 parameters
    islands = (image > 0).astype(np.int32)
    fit = fit_islands(image, 0.1, islands, islands, (BEAM_SIGMA, BEAM_SIGMA), margin=0)
    assert len(fit) == 1
    assert fit['flag'][0] & FitFlag.MOMENTS
    assert np.all(np.isfinite([fit[k][0] for k in ('x', 'y', 'peak', 'flux', 'sigma_major')]))
    assert fit['x'][0] == pytest.approx(11.0) and fit['peak'][0] == 3.0
    assert fit['sigma_major'][0] >= BEAM_SIGMA        # moments floored at the beam


def test_fit_caps_components_and_flags_them():
    xs = np.arange(5) * 9.0 + 8
    image = gaussian_image((30, 60), xs, np.full(5, 15.0), np.full(5, 3.0), np.full(5, 1.8),
                           np.full(5, 1.8), np.zeros(5))
    islands, leaves = islands_of(image, 0.01, 0.2)
    assert islands.max() == 1 and leaves.max() == 5
    fit = fit_islands(image, 0.01, islands, leaves, (1.8, 1.8), max_components=3)
    assert len(fit) == 3
    assert np.all(fit['flag'] & FitFlag.COMPONENTS_DROPPED)


def test_fit_of_an_image_without_islands_is_empty():
    zeros = np.zeros((16, 16), np.int32)
    fit = fit_islands(np.zeros((16, 16)), 1.0, zeros, zeros, (2, 2))
    assert len(fit) == 0 and fit['x'].shape == (0,)
    components = component_table(fit, simulate_mosaic((16, 16), seed=1)[0].wcs, Beam(6 * u.arcsec),
                                 1.0)
    assert len(components) == 0 and components['total_flux'].unit == u.mJy
    components, sources = make_sources(components, Beam(6 * u.arcsec))
    assert len(sources) == 0 and 's_code' in components.colnames


@pytest.mark.parametrize('kwargs, match', [
    (dict(flux=np.zeros(5)), '2-D'),
    (dict(rms=np.ones((3, 3))), 'rms has shape'),
    (dict(beam_sigma=(0, 1)), 'beam_sigma'),
    (dict(max_components=0), 'max_components'),
    (dict(min_size=0), 'min_size'),
    (dict(margin=-1), 'margin'),
    (dict(n_jobs=0), 'n_jobs'),
])
def test_fit_rejects_bad_input(kwargs, match):
    args = dict(flux=np.zeros((8, 8)), rms=1.0, islands=np.zeros((8, 8), int),
                leaves=np.zeros((8, 8), int), beam_sigma=(2, 2))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fit_islands(args.pop('flux'), args.pop('rms'), args.pop('islands'), args.pop('leaves'),
                    args.pop('beam_sigma'), **args)
    with pytest.raises(TypeError, match='integer label'):
        fit_islands(np.zeros((8, 8)), 1.0, np.zeros((8, 8)), np.zeros((8, 8)), (2, 2))


# ------------------------------------------------------------------- sky conversion

def test_component_table_units_and_position_angle_east_of_north():
    mosaic, _ = simulate_mosaic((64, 64), seed=1, rms=0)
    # Major axes along +y (north: PA 0) and along x (east-west: PA 90).
    image = gaussian_image((64, 64), [20.0, 44.0], [32.0, 32.0], [1.0, 1.0], [3.0, 3.0],
                           [0.9 * BEAM_SIGMA, 0.9 * BEAM_SIGMA], [np.pi / 2, 0.0])
    islands = np.zeros((64, 64), np.int32)
    islands[:, :32], islands[:, 32:] = 1, 2
    islands[image < 0.05] = 0
    fit = fit_islands(image, 0.01, islands, islands, (BEAM_SIGMA, BEAM_SIGMA))
    table = component_table(fit, mosaic.wcs, mosaic.beam, 0.01)
    table.sort('x')
    assert table['pa'][0].to_value(u.deg) == pytest.approx(0, abs=0.2) or \
        table['pa'][0].to_value(u.deg) == pytest.approx(180, abs=0.2)
    assert table['pa'][1].to_value(u.deg) == pytest.approx(90, abs=0.2)
    assert table['major_fwhm'][0].to_value(u.arcsec) == pytest.approx(3.0 * 2.3548 * 1.5, rel=1e-3)
    assert table['total_flux'].unit == u.mJy and table['peak_flux'].unit == u.mJy / u.beam
    assert table['peak_flux'][0].to_value(u.mJy / u.beam) == pytest.approx(1000.0, rel=1e-4)
    for name in ('ra_err', 'dec_err', 'total_flux_err', 'peak_flux_err', 'major_fwhm_err',
                 'minor_fwhm_err', 'pa_err', 'dc_major_fwhm', 'resolved', 'fit_flag'):
        assert name in table.colnames and table[name].info.description
    assert not table['deconvolved'].any()               # minor axes below the beam
    assert (table['dc_major_fwhm'] == 0).all()


# -------------------------------------------------------------------- uncertainties

def _pixel_sandwich(a, b, n_sigma):
    """Least-squares covariance on a pixel grid, by brute force."""
    n = int(12 * max(a, b)) | 1
    yy, xx = np.mgrid[:n, :n] - n // 2
    xx, yy = xx.ravel().astype(float), yy.ravel().astype(float)
    e = np.exp(-0.5 * (xx ** 2 / a ** 2 + yy ** 2 / b ** 2))
    jac = np.stack([e, e * xx / a ** 2, e * yy / b ** 2, e * xx ** 2 / a ** 3,
                    e * yy ** 2 / b ** 3], axis=1)
    d2 = (xx[:, None] - xx[None, :]) ** 2 + (yy[:, None] - yy[None, :]) ** 2
    noise = np.exp(-0.5 * d2 / n_sigma ** 2)
    inv = np.linalg.inv(jac.T @ jac)
    return np.diag(inv @ jac.T @ noise @ jac @ inv)


@pytest.mark.parametrize('a, b', [(1.7, 1.7), (2.6, 1.7), (3.4, 3.0)])
def test_exact_covariance_matches_a_pixel_computation(a, b):
    exact = _exact_covariance(np.array([a]), np.array([b]), 1.7)
    brute = _pixel_sandwich(a, b, 1.7)
    np.testing.assert_allclose([v[0] for v in exact[:5]], brute, rtol=1e-6)


def test_condon_pybdsf_errors_of_a_point_source():
    beam = Beam(6 * u.arcsec)
    errors = condon_errors(5 * u.mJy / u.beam, 5 * u.mJy, 6 * u.arcsec, 6 * u.arcsec, 45 * u.deg,
                           0.1 * u.mJy / u.beam, beam, method='pybdsf')
    # rho = sqrt(2) A / rms for theta = theta_N: every relative error is rms / A.
    assert errors['peak_flux_err'][0].to_value(u.mJy / u.beam) == pytest.approx(0.1)
    assert errors['total_flux_err'][0].to_value(u.mJy) == pytest.approx(np.sqrt(3) * 0.1)
    assert errors['major_fwhm_err'][0].to_value(u.arcsec) == pytest.approx(6 * 0.02)
    assert errors['ra_err'][0].to_value(u.arcsec) == pytest.approx(6 * 0.02 / 2.35482, rel=1e-4)
    assert errors['pa_err'][0] == 180 * u.deg            # round: the angle is unknown


#: ``bdsf.functions.get_errors(None, [2.0, 0, 0, 9 / f, 6.5 / f, 120.0, 2 * 9 * 6.5 / 35], 0.1,
#: bm_pix=[7.0, 5.0, 0.0])`` with f = 2 sqrt(2 ln 2), computed with PyBDSF 1.14.1 (PyBDSF
#: works in pixels, here 1 arcsec with x to the west, angles from +x): peak, x, y, major, minor,
#: PA and total errors. Frozen here so that the test needs no PyBDSF installation; the
#: benchmark runs PyBDSF itself.
PYBDSF_GET_ERRORS = (0.10628390992476391, 0.16064540332334395, 0.20907902662565278,
                     0.54041753429272, 0.30570424674563584, 5.753205844818585,
                     0.2654286996992411)


def test_condon_errors_match_pybdsf_get_errors():
    beam = Beam(major=7 * u.arcsec, minor=5 * u.arcsec, pa=0 * u.deg)
    peak, major, minor, pa, rms = 2.0, 9.0, 6.5, 30.0, 0.1
    total = peak * major * minor / (7 * 5)
    ours = condon_errors(peak * u.Jy / u.beam, total * u.Jy, major * u.arcsec, minor * u.arcsec,
                         pa * u.deg, rms * u.Jy / u.beam, beam, method='pybdsf')
    e_peak, e_x, e_y, e_maj, e_min, e_pa, e_tot = PYBDSF_GET_ERRORS
    assert ours['peak_flux_err'][0].value == pytest.approx(e_peak)
    assert ours['major_fwhm_err'][0].value == pytest.approx(e_maj)     # FWHM errors
    assert ours['minor_fwhm_err'][0].value == pytest.approx(e_min)
    assert ours['pa_err'][0].value == pytest.approx(e_pa)
    assert ours['total_flux_err'][0].value == pytest.approx(e_tot)
    assert ours['ra_err'][0].value == pytest.approx(e_x)
    assert ours['dec_err'][0].value == pytest.approx(e_y)


def test_flux_scale_error_is_added_in_quadrature():
    beam = Beam(6 * u.arcsec)
    args = (1 * u.Jy / u.beam, 1 * u.Jy, 6 * u.arcsec, 6 * u.arcsec, 0 * u.deg,
            1 * u.mJy / u.beam, beam)
    stat = condon_errors(*args)['total_flux_err'][0]
    total = condon_errors(*args, flux_scale_error=0.1)['total_flux_err'][0]
    assert total.to_value(u.Jy) == pytest.approx(np.hypot(stat.to_value(u.Jy), 0.1))
    with pytest.raises(ValueError, match='flux_scale_error'):
        condon_errors(*args, flux_scale_error=2)
    with pytest.raises(ValueError, match='method'):
        condon_errors(*args, method='bdsm')


@pytest.fixture(scope='module')
def calibration():
    """Point and resolved sources in beam-correlated noise (simulate_mosaic), matched."""
    matched = []
    for seed, extended in ((31, False), (32, True)):
        sources = calibration_grid(np.random.default_rng(seed), n_side=14, size=700,
                                   extended=extended)
        mosaic, truth = simulate_mosaic((700, 700), seed=seed, sources=sources,
                                        rms_variation=1.0, holes=False, blank_edges=False)
        components, _ = extract(mosaic)
        d = np.hypot(components['x'][:, None] - truth['x'], components['y'][:, None] - truth['y'])
        nearest, dist = d.argmin(axis=1), d.min(axis=1)
        keep = dist < 3
        components, truth = components[keep], truth[nearest[keep]]
        _, first = np.unique(truth['id'], return_index=True)   # one component per source
        matched.append((components[first], truth[first]))
    components = vstack([m[0] for m in matched], metadata_conflicts='silent')
    truth = vstack([m[1] for m in matched], metadata_conflicts='silent')
    return components, truth


def test_uncertainties_are_calibrated(calibration):
    components, truth = calibration
    bright = truth['snr'] >= 10
    c, t = components[bright], truth[bright]
    assert len(c) > 250
    offsets = SkyCoord(t['ra'], t['dec']).spherical_offsets_to(SkyCoord(c['ra'], c['dec']))
    pulls = {
        'ra': offsets[0] / c['ra_err'], 'dec': offsets[1] / c['dec_err'],
        'total_flux': (c['total_flux'] - t['total_flux']) / c['total_flux_err'],
        'peak_flux': (c['peak_flux'] - t['peak_flux']) / c['peak_flux_err'],
        'major_fwhm': (c['major_fwhm'] - t['major_fwhm']) / c['major_fwhm_err'],
        'minor_fwhm': (c['minor_fwhm'] - t['minor_fwhm']) / c['minor_fwhm_err'],
    }
    elongated = (t['minor_fwhm'] / t['major_fwhm']).value < 0.8
    dpa = ((c['pa'] - t['pa']).to_value(u.deg) + 90) % 180 - 90
    pulls['pa'] = dpa[elongated] / c['pa_err'][elongated].to_value(u.deg)
    assert elongated.sum() > 50
    for name, pull in pulls.items():
        width = robust_std(np.asarray(u.Quantity(pull).to_value(u.one)))
        assert 0.8 < width < 1.25, (name, width)


def test_gaussian_fluxes_are_unbiased(calibration):
    components, truth = calibration
    ratio = (components['total_flux'] / truth['total_flux']).to_value(u.one)
    for low, high in ((5, 10), (10, 30), (30, np.inf)):
        chosen = (truth['snr'] >= low) & (truth['snr'] < high)
        assert abs(np.median(ratio[chosen]) - 1) < 0.05, (low, np.median(ratio[chosen]))


# ------------------------------------------------------- deconvolution and resolved

def test_deconvolution_agrees_with_radio_beam():
    beam = Beam(major=7 * u.arcsec, minor=5 * u.arcsec, pa=20 * u.deg)
    fitted = Beam(major=12 * u.arcsec, minor=8 * u.arcsec, pa=50 * u.deg)
    expected = fitted.deconvolve(beam)
    sizes = deconvolve_sizes(fitted.major, fitted.minor, fitted.pa, beam)
    assert sizes['deconvolved'][0]
    assert sizes['dc_major_fwhm'][0].to_value(u.arcsec) == pytest.approx(
        expected.major.to_value(u.arcsec), rel=1e-6)
    assert sizes['dc_minor_fwhm'][0].to_value(u.arcsec) == pytest.approx(
        expected.minor.to_value(u.arcsec), rel=1e-6)
    assert sizes['dc_pa'][0].to_value(u.deg) == pytest.approx(
        expected.pa.to_value(u.deg) % 180, abs=1e-6)


def test_sizes_below_the_beam_are_not_deconvolved():
    sizes = deconvolve_sizes([5.9, 9.0, np.nan] * u.arcsec, [5.5, 5.9, 6.5] * u.arcsec,
                             [0, 0, 0] * u.deg, Beam(6 * u.arcsec))
    assert sizes['deconvolved'].tolist() == [False, False, False]
    assert (sizes['dc_major_fwhm'] == 0).all() and (sizes['dc_minor_fwhm'] == 0).all()


def test_resolved_flag_is_the_complement_of_is_unresolved():
    rng = np.random.default_rng(5)
    table = QTable({'total_flux': rng.uniform(0.5, 20, 200) * u.mJy,
                    'peak_flux': rng.uniform(0.5, 10, 200) * u.mJy / u.beam,
                    'local_rms': np.full(200, 0.1) * u.mJy / u.beam})
    flags = resolved_flag(table['total_flux'], table['peak_flux'], table['local_rms'])
    assert np.array_equal(flags, ~is_unresolved(table).filled(True))
    assert 0 < flags.sum() < 200


# ------------------------------------------------------------- sources from components

def _components(**columns):
    base = {'local_rms': 0.1 * u.mJy / u.beam, 'pa': 0 * u.deg}
    table = QTable(columns)
    for name, value in base.items():
        if name not in table.colnames:
            table[name] = np.full(len(table), value.value) * value.unit
    return table


def test_sources_sum_components_and_get_codes():
    beam = Beam(6 * u.arcsec)
    dec0 = 50.0
    east = np.array([0.0, 4.0, 100.0, 200.0, 214.0])     # arcsec
    comps = _components(
        island_id=[1, 1, 2, 3, 3],
        ra=(150 + east / 3600 / np.cos(np.radians(dec0))) * u.deg, dec=np.full(5, dec0) * u.deg,
        total_flux=[10.0, 10.0, 3.0, 5.0, 0.8] * u.mJy,
        peak_flux=[10.0, 10.0, 3.0, 5.0, 0.8] * u.mJy / u.beam,
        major_fwhm=np.full(5, 6.0) * u.arcsec, minor_fwhm=np.full(5, 6.0) * u.arcsec)
    components, sources = make_sources(comps, beam, associate=False)
    # Island 1: two overlapping Gaussians -> one M source; island 2 alone -> S;
    # island 3: two separate peaks -> two C sources.
    assert components['source_id'].tolist() == [1, 1, 3, 2, 4]
    assert components['s_code'].tolist() == ['M', 'M', 'S', 'C', 'C']
    assert sources['s_code'].tolist() == ['M', 'C', 'S', 'C']
    assert sources['n_components'].tolist() == [2, 1, 1, 1]
    m = sources[0]
    assert m['total_flux'] == 20 * u.mJy
    assert m['total_flux_err'].value == pytest.approx(
        np.hypot(*components['total_flux_err'][:2].value))
    centre = SkyCoord(m['ra'], m['dec'])
    expected = SkyCoord(comps['ra'][:2].mean(), dec0 * u.deg)
    assert centre.separation(expected) < 1e-3 * u.arcsec
    # Second moments of two equal Gaussians 4" apart east-west.
    sigma = 6.0 / 2.35482
    assert m['major_fwhm'].to_value(u.arcsec) == pytest.approx(
        2.35482 * np.sqrt(sigma ** 2 + 2.0 ** 2), rel=1e-4)
    assert m['minor_fwhm'].to_value(u.arcsec) == pytest.approx(6.0, rel=1e-4)
    assert m['pa'].to_value(u.deg) == pytest.approx(90.0, abs=0.01)
    assert m['peak_flux'] > 10 * u.mJy / u.beam           # the Gaussians add up
    single = sources[sources['s_code'] == 'S'][0]
    assert single['total_flux'] == 3 * u.mJy and single['ra'] == comps['ra'][2]
    for name in sources.colnames:
        assert sources[name].info.description, name


def test_group_components_is_deterministic_and_numbered_by_flux():
    beam = Beam(6 * u.arcsec)
    comps = _components(island_id=[5, 7], ra=[10.0, 10.1] * u.deg, dec=[0.0, 0.0] * u.deg,
                        total_flux=[1.0, 2.0] * u.mJy, peak_flux=[1.0, 2.0] * u.mJy / u.beam,
                        major_fwhm=[6.0, 6.0] * u.arcsec, minor_fwhm=[6.0, 6.0] * u.arcsec)
    assert group_components(comps, beam).tolist() == [2, 1]


def test_doubles_become_one_source_and_unrelated_pairs_stay_two():
    rng = np.random.default_rng(7)
    objects = [double_source(rng, rng.uniform(15, 90), core=k % 2 == 0) for k in range(50)]
    objects += [point_pair(rng, rng.uniform(15, 90)) for _ in range(50)]
    mosaic, truth = grid_sky(objects, seed=8)
    components, sources = extract(mosaic)
    outcome = grouping_outcome(truth, components, sources)
    doubles = outcome[outcome['kind'] == 'double']
    pairs = outcome[outcome['kind'] == 'pair']
    assert doubles['success'].mean() >= 0.9
    assert pairs['success'].mean() >= 0.9
    # Without association the lobes of wide doubles stay apart: the rule is what joins them.
    components, sources = extract(mosaic, associate=False)
    unassociated = grouping_outcome(truth, components, sources)
    wide = (unassociated['kind'] == 'double') & (unassociated['separation'] > 40)
    assert unassociated['success'][wide].mean() < 0.2


def test_real_cutout_matches_dr1():
    """On the real P218+55 cutout, the Gaussian sources agree with LoTSS DR1 (PyBDSF)."""
    mosaic = Mosaic.read(get_path('lotss-cutout'))
    dr1 = QTable.read(get_path('lotss-dr1-sources'))
    _, sources = extract(mosaic)
    reference = SkyCoord(dr1['RA'], dr1['DEC'])
    index, distance, _ = SkyCoord(sources['ra'], sources['dec']).match_to_catalog_sky(reference)
    matched = distance < 6 * u.arcsec
    assert matched.sum() >= 4
    ratio = (sources['total_flux'][matched] / dr1['Total_flux'][index[matched]]).to_value(u.one)
    assert abs(np.median(ratio) - 1) < 0.05
    assert np.median(distance[matched].to_value(u.arcsec)) < 0.15
    assert (sources['s_code'] == 'S').all()
