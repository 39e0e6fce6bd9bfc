"""Tests of `lotss_tools.simulate.simulate_mosaic`."""

from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.stats import sigma_clipped_stats
from astropy.table import QTable
from scipy import stats

from lotss_tools.mosaic import Mosaic
from lotss_tools.simulate import (COUNTS_BREAK, COUNTS_SLOPE_FAINT, SIZE_RANGE,
                                  simulate_mosaic)

SKY_FILE = Path(__file__).parent / 'data' / 'lotss-dr2-sample.sky'
COLUMNS = ['id', 'ra', 'dec', 'x', 'y', 'total_flux', 'peak_flux', 'major_fwhm', 'minor_fwhm',
           'dc_major_fwhm', 'dc_minor_fwhm', 'pa', 'local_rms', 'snr', 'resolved', 'artifact',
           'artifact_of', 'in_footprint']
QUIET = dict(holes=False, blank_edges=False, n_artifact_sources=0)


def read_sky(path):
    """Total fluxes (mJy) and deconvolved major axes (arcsec) of a makesourcedb file."""
    flux, major = [], []
    for line in path.read_text().splitlines():
        parts = [p.strip() for p in line.split(',')]
        if line.startswith(('#', 'FORMAT')) or len(parts) < 10 or not parts[0]:
            continue
        flux.append(float(parts[5]) * 1e3)
        major.append(float(parts[7]))
    return np.array(flux), np.array(major)


def one_source(shape=(256, 256), rms=0, **columns):
    """A simulation with a single explicit source (noise-free by default)."""
    table = QTable({k: [v] for k, v in columns.items()})
    return simulate_mosaic(shape, seed=1, rms=rms, sources=table, **QUIET)


def moments(image):
    """Flux-weighted second moments (var_x, var_y, cov_xy) of an image."""
    y, x = np.indices(image.shape)
    w = image / image.sum()
    mx, my = (w * x).sum(), (w * y).sum()
    return (w * (x - mx) ** 2).sum(), (w * (y - my) ** 2).sum(), (w * (x - mx) * (y - my)).sum()


def test_deterministic_with_seed():
    m1, t1 = simulate_mosaic((512, 512), seed=7, n_artifact_sources=1)
    m2, t2 = simulate_mosaic((512, 512), seed=7, n_artifact_sources=1)
    assert np.array_equal(m1.data, m2.data, equal_nan=True)
    assert t1.colnames == t2.colnames and len(t1) == len(t2)
    for name in t1.colnames:
        assert np.array_equal(np.asarray(t1[name]), np.asarray(t2[name]))
    m3, t3 = simulate_mosaic((512, 512), seed=8, n_artifact_sources=1)
    assert not np.array_equal(m1.data, m3.data, equal_nan=True)
    assert len(t1) != len(t3) or not np.array_equal(t1['x'], t3['x'])


def test_header_wcs_beam_unit(tmp_path):
    mosaic, truth = simulate_mosaic((256, 320), seed=3)
    h = mosaic.meta
    assert isinstance(mosaic, Mosaic) and mosaic.name == 'simulated'
    assert mosaic.data.dtype == np.float32 and mosaic.shape == (256, 320)
    assert (h['CTYPE1'], h['CTYPE2']) == ('RA---SIN', 'DEC--SIN')
    assert h['CDELT1'] == pytest.approx(-1.5 / 3600) and h['CDELT2'] == pytest.approx(1.5 / 3600)
    assert (h['CRPIX1'], h['CRPIX2']) == (160.5, 128.5)
    assert (h['CRVAL1'], h['CRVAL2']) == (pytest.approx(218.0), pytest.approx(55.0))
    assert h['RADESYS'] == 'ICRS' and h['EQUINOX'] == 2000.0
    assert h['BMAJ'] == pytest.approx(6 / 3600) and h['BMIN'] == pytest.approx(6 / 3600)
    assert h['BPA'] == 0 and h['BUNIT'] == 'JY/BEAM'
    assert h['RESTFRQ'] == 144e6 and h['FREQ'] == 144e6
    assert h['TELESCOP'] == 'LOFAR' and h['OBJECT'] == 'SIMULATED'
    assert h['SIMSEED'] == 3 and h['SIMRMS'] == pytest.approx(80e-6)
    assert u.isclose(mosaic.beam.major, 6 * u.arcsec) and u.isclose(mosaic.beam.minor, 6 * u.arcsec)
    assert u.isclose(mosaic.pixel_scale, 1.5 * u.arcsec / u.pix)
    assert mosaic.unit == u.Jy / u.beam
    assert u.isclose(mosaic.frequency, 144 * u.MHz)
    assert mosaic.center.separation(SkyCoord(218, 55, unit='deg')) < 1e-6 * u.deg
    # The written file opens as a LoTSS mosaic again.
    back = Mosaic.read(mosaic.write(tmp_path / 'sim.fits'))
    assert np.array_equal(back.data, mosaic.data, equal_nan=True)
    assert u.isclose(back.beam.major, 6 * u.arcsec) and u.isclose(back.frequency, 144 * u.MHz)
    # Custom centre, pixel scale and beam.
    mosaic, _ = simulate_mosaic((64, 64), seed=1, center=SkyCoord(10, -30, unit='deg'),
                                pixel_scale=2 * u.arcsec, beam=10 * u.arcsec)
    assert u.isclose(mosaic.beam.major, 10 * u.arcsec)
    assert u.isclose(mosaic.pixel_scale, 2 * u.arcsec / u.pix)
    assert mosaic.center.separation(SkyCoord(10, -30, unit='deg')) < 1e-6 * u.deg


def test_truth_columns():
    mosaic, truth = simulate_mosaic((512, 512), seed=2, n_artifact_sources=1)
    assert isinstance(truth, QTable) and truth.colnames == COLUMNS
    units = dict(ra=u.deg, dec=u.deg, total_flux=u.mJy, peak_flux=u.mJy / u.beam,
                 major_fwhm=u.arcsec, dc_major_fwhm=u.arcsec, pa=u.deg, local_rms=u.mJy / u.beam)
    for name, unit in units.items():
        assert truth[name].unit == unit
    assert np.array_equal(truth['id'], np.arange(len(truth)))
    assert np.all((truth['pa'] >= 0 * u.deg) & (truth['pa'] < 180 * u.deg))
    assert np.all(truth['major_fwhm'] >= truth['minor_fwhm'] - 1e-9 * u.arcsec)
    real = truth[~truth['artifact']]
    beam = 6 * u.arcsec
    assert u.allclose(real['major_fwhm'], np.hypot(real['dc_major_fwhm'], beam))
    assert u.allclose(real['peak_flux'] * u.beam,
                      real['total_flux'] * beam ** 2 / (real['major_fwhm'] * real['minor_fwhm']))
    assert np.allclose(truth['snr'], (truth['peak_flux'] / truth['local_rms']).value)
    coords = mosaic.wcs.pixel_to_world(truth['x'], truth['y'])
    assert np.all(coords.separation(SkyCoord(truth['ra'], truth['dec'])) < 1e-3 * u.arcsec)
    assert np.all((truth['x'] >= -0.5) & (truth['x'] <= 511.5))
    for key in ('seed', 'rms', 'beam', 'pixel_scale', 'source_density', 'area', 'shape'):
        assert key in truth.meta
    assert truth.meta['seed'] == 2


def test_noise_level_variation_and_correlation():
    mosaic, truth = simulate_mosaic((1024, 1024), seed=4, source_density=0, **QUIET)
    assert len(truth) == 0
    data = mosaic.data
    _, _, std = sigma_clipped_stats(data, sigma=3, maxiters=5)
    assert std == pytest.approx(80e-6, rel=0.15)
    # Box rms against the model rms (read through zero-flux probe sources).
    boxes = data.reshape(16, 64, 16, 64).std(axis=(1, 3))
    yc, xc = np.meshgrid(np.arange(16) * 64 + 31.5, np.arange(16) * 64 + 31.5, indexing='ij')
    probes = QTable(dict(x=xc.ravel(), y=yc.ravel(), total_flux=np.zeros(xc.size) * u.mJy))
    _, probe = simulate_mosaic((1024, 1024), seed=4, sources=probes, **QUIET)
    model = probe['local_rms'].to_value(u.Jy / u.beam).reshape(16, 16)
    ratio = boxes / model
    assert np.median(ratio) == pytest.approx(1, abs=0.05) and ratio.std() < 0.1
    assert 1.6 < boxes.max() / boxes.min() < 2.5
    flat, _ = simulate_mosaic((512, 512), seed=4, source_density=0, rms_variation=1, **QUIET)
    boxes = flat.data.reshape(8, 64, 8, 64).std(axis=(1, 3))
    assert boxes.max() / boxes.min() < 1.3
    # Correlated like the beam: neighbour correlation exp(-1 / (4 s^2)), s = beam sigma / sqrt(2).
    d = flat.data / flat.data.std()
    rho1 = np.mean(d[:, 1:] * d[:, :-1])
    rho2 = np.mean(d[2:, :] * d[:-2, :])
    sigma_beam = 6 / 1.5 / np.sqrt(8 * np.log(2))
    assert rho1 > 0.5 and rho1 == pytest.approx(np.exp(-1 / (2 * sigma_beam ** 2)), abs=0.05)
    assert rho2 == pytest.approx(np.exp(-4 / (2 * sigma_beam ** 2)), abs=0.05)


@pytest.mark.parametrize('rms', [0, 80])
def test_flux_conservation(rms):
    mosaic, truth = one_source(rms=rms * u.uJy / u.beam, x=128.0, y=128.0, total_flux=100 * u.mJy)
    beam_area = mosaic.beam_area.to_value(u.pix ** 2)
    stamp = mosaic.data[128 - 30:128 + 31, 128 - 30:128 + 31]
    assert stamp.sum() / beam_area * 1e3 == pytest.approx(100, rel=0.03)
    assert mosaic.data.max() * 1e3 == pytest.approx(truth['peak_flux'][0].value, rel=0.02)
    assert truth['peak_flux'][0] == 100 * u.mJy / u.beam
    # A resolved source keeps its flux and has a lower peak.
    mosaic, truth = one_source(x=128.0, y=128.0, total_flux=50 * u.mJy, pa=30 * u.deg,
                               dc_major_fwhm=20 * u.arcsec, dc_minor_fwhm=8 * u.arcsec)
    assert np.nansum(mosaic.data) / beam_area * 1e3 == pytest.approx(50, rel=0.01)
    assert mosaic.data.max() * 1e3 == pytest.approx(truth['peak_flux'][0].value, rel=0.01)
    assert truth['peak_flux'][0].value == pytest.approx(50 * 36 / np.hypot(20, 6) / np.hypot(8, 6))


def test_position_angle_convention():
    common = dict(x=128.0, y=128.0, total_flux=10 * u.mJy, dc_major_fwhm=30 * u.arcsec,
                  dc_minor_fwhm=2 * u.arcsec)
    vx, vy, cxy = moments(one_source(pa=0 * u.deg, **common)[0].data)
    assert vy > 5 * vx                        # PA 0: along +y (north)
    vx, vy, cxy = moments(one_source(pa=90 * u.deg, **common)[0].data)
    assert vx > 5 * vy                        # PA 90: along x (east)
    vx, vy, cxy = moments(one_source(pa=45 * u.deg, **common)[0].data)
    assert cxy < -0.8 * np.sqrt(vx * vy)      # north-east is (+y, -x)
    # East is -x: a source east of the centre has a smaller x.
    _, truth = one_source(ra=218.01 * u.deg, dec=55 * u.deg, total_flux=1 * u.mJy)
    assert truth['x'][0] < 127.5 - 10


def test_position_angle_follows_local_north():
    # Near the pole, north rotates across the field: PA must follow the WCS.
    shape, kw = (200, 200), dict(center=SkyCoord(0, 86, unit='deg'), pixel_scale=60 * u.arcsec,
                                 beam=180 * u.arcsec)
    x, y = 170.0, 40.0
    table = QTable(dict(x=[x], y=[y], total_flux=[1] * u.Jy, dc_major_fwhm=[1800] * u.arcsec,
                        dc_minor_fwhm=[0] * u.arcsec, pa=[0] * u.deg))
    mosaic, truth = simulate_mosaic(shape, seed=1, rms=0, sources=table, **QUIET, **kw)
    coord = mosaic.wcs.pixel_to_world(x, y)
    north = mosaic.wcs.world_to_pixel(coord.directional_offset_by(0 * u.deg, 1 * u.arcmin))
    north_angle = np.arctan2(north[1] - y, north[0] - x)
    assert abs(np.rad2deg(north_angle) - 90) > 10          # north is not +y here
    stamp = mosaic.data[int(y) - 25:int(y) + 26, int(x) - 25:int(x) + 26]
    vx, vy, cxy = moments(stamp)
    major_angle = 0.5 * np.arctan2(2 * cxy, vx - vy)
    diff = (np.rad2deg(major_angle - north_angle) + 90) % 180 - 90
    assert abs(diff) < 2


def test_source_counts_and_resolved_fraction():
    mosaic, truth = simulate_mosaic((1024, 1024), seed=11)
    area = truth.meta['area'].to_value(u.deg ** 2)
    assert area == pytest.approx(1024 ** 2 * (1.5 / 3600) ** 2)
    real = truth[~truth['artifact']]
    density = np.sum(real['total_flux'] > 0.3 * u.mJy) / area
    assert density == pytest.approx(1000, rel=0.2)
    assert real['total_flux'].min() >= 0.1 * u.mJy
    assert real['total_flux'].max() <= 2 * u.Jy
    n_faint = np.sum(real['total_flux'] > 0.1 * u.mJy)
    assert n_faint / area == pytest.approx(1000 * 3 ** COUNTS_SLOPE_FAINT, rel=0.2)
    assert np.mean(real['resolved']) == pytest.approx(0.1, abs=0.03)
    res, point = real[real['resolved']], real[~real['resolved']]
    assert np.all(point['dc_major_fwhm'] == 0) and u.allclose(point['major_fwhm'], 6 * u.arcsec)
    assert np.all((res['dc_major_fwhm'] >= SIZE_RANGE[0]) & (res['dc_major_fwhm'] <= SIZE_RANGE[1]))
    assert 15 * u.arcsec < np.median(res['dc_major_fwhm']) < 35 * u.arcsec
    assert np.all(res['dc_minor_fwhm'] <= res['dc_major_fwhm'])
    # The density scales with source_density and resolved_fraction is honoured.
    _, truth = simulate_mosaic((1024, 1024), seed=2, source_density=5000, resolved_fraction=0.5,
                               **QUIET)
    assert np.sum(truth['total_flux'] > 0.3 * u.mJy) / truth.meta['area'].value == pytest.approx(
        5000, rel=0.15)
    assert np.mean(truth['resolved']) == pytest.approx(0.5, abs=0.05)


def test_flux_distribution_matches_lotss_dr2():
    sample, _ = read_sky(SKY_FILE)
    assert len(sample) > 1000
    _, truth = simulate_mosaic((1024, 1024), seed=5, rms=0, min_flux=1 * u.mJy,
                               source_density=30000, **QUIET)
    sim = truth['total_flux'].to_value(u.mJy)
    assert len(sim) > 1000
    # Above the completeness turnover (~0.5 mJy) the distributions agree.
    assert stats.ks_2samp(sim, sample[sample > 1]).pvalue > 0.01
    # Maximum-likelihood integral-count slope between 1 mJy and the break.
    brk = COUNTS_BREAK.to_value(u.mJy)
    for fluxes in (sim, sample):
        s = fluxes[fluxes > 1]
        inner = s[s < brk]
        slope = len(inner) / (np.sum(np.log(inner)) + np.sum(s >= brk) * np.log(brk))
        assert slope == pytest.approx(COUNTS_SLOPE_FAINT, abs=0.1)


def test_artifacts():
    mosaic, truth = simulate_mosaic((1024, 1024), seed=6, n_artifact_sources=2)
    knots = truth[truth['artifact']]
    assert len(knots) > 20 and truth.meta['n_artifact_sources'] == 2
    parents = np.unique(knots['artifact_of'])
    assert len(parents) == 2
    assert np.all(truth['artifact_of'][~truth['artifact']] == -1)
    for pid in parents:
        parent = truth[pid]
        assert not parent['artifact'] and not parent['resolved']
        assert 100 * u.mJy <= parent['total_flux'] <= 2 * u.Jy
        mine = knots[knots['artifact_of'] == pid]
        pc = SkyCoord(parent['ra'], parent['dec'])
        kc = SkyCoord(mine['ra'], mine['dec'])
        assert np.all(pc.separation(kc) < 5 * u.arcmin)
        assert np.all(mine['peak_flux'] < 0.06 * parent['peak_flux'])
        # Knots are elongated radially: their PA is the parent-to-knot direction.
        radial = pc.position_angle(kc).to_value(u.deg) % 180
        diff = (mine['pa'].to_value(u.deg) - radial + 90) % 180 - 90
        assert np.all(np.abs(diff) < 10)
    assert np.all(knots['major_fwhm'] > 1.5 * knots['minor_fwhm'])
    assert np.mean(knots['snr'] > 5) > 0.3
    # Knots are visible in the image.
    bright = knots[(knots['snr'] > 10) & knots['in_footprint']]
    values = mosaic.data[np.rint(bright['y']).astype(int), np.rint(bright['x']).astype(int)]
    assert np.all(values > 5 * bright['local_rms'].to_value(u.Jy / u.beam))
    # Defaults: none for small images, at least one from 1024 pixels.
    assert truth[~truth['artifact']]['artifact_of'].max() == -1
    assert simulate_mosaic((512, 512), seed=1)[1]['artifact'].sum() == 0
    assert simulate_mosaic((1024, 1100), seed=1)[1].meta['n_artifact_sources'] >= 1


def test_holes_edges_and_footprint():
    mosaic, truth = simulate_mosaic((512, 512), seed=9)
    data = mosaic.data
    nan = np.isnan(data)
    assert nan[0, 0] and nan[-1, -1] and nan[0, -1] and nan[-1, 0]      # blanked corners
    assert not nan[256, 0] and not nan[0, 256]                           # edge middles kept
    assert nan[100:412, 100:412].any()                                   # holes inside
    ix, iy = np.rint(truth['x']).astype(int), np.rint(truth['y']).astype(int)
    assert np.array_equal(truth['in_footprint'], np.isfinite(data[iy, ix]))
    assert 0 < np.sum(~truth['in_footprint']) < len(truth)
    no_holes, _ = simulate_mosaic((512, 512), seed=9, holes=False)
    assert not np.isnan(no_holes.data[100:412, 100:412]).any() and np.isnan(no_holes.data[0, 0])
    clean, truth = simulate_mosaic((512, 512), seed=9, holes=False, blank_edges=False)
    assert np.isfinite(clean.data).all() and truth['in_footprint'].all()


def test_non_square_shape():
    mosaic, truth = simulate_mosaic((300, 500), seed=1)
    assert mosaic.shape == (300, 500)
    assert (mosaic.meta['NAXIS1'], mosaic.meta['NAXIS2']) == (500, 300)
    assert (mosaic.meta['CRPIX1'], mosaic.meta['CRPIX2']) == (250.5, 150.5)
    assert truth['x'].max() <= 499.5 and truth['y'].max() <= 299.5
    assert truth['x'].max() > 300


def test_explicit_sources_by_sky_position():
    table = QTable(dict(ra=[217.99, 218.02] * u.deg, dec=[55.0, 55.01] * u.deg,
                        total_flux=[5, 10] * u.mJy))
    mosaic, truth = simulate_mosaic((256, 256), seed=1, sources=table)
    assert len(truth) == 2 and not truth['artifact'].any()
    assert u.allclose(truth['ra'], table['ra']) and u.allclose(truth['dec'], table['dec'])
    assert u.allclose(truth['total_flux'], table['total_flux'])
    assert np.all(truth['dc_major_fwhm'] == 0)
    with pytest.raises(ValueError, match='total_flux'):
        simulate_mosaic((64, 64), sources=QTable(dict(x=[1.0], y=[1.0])))
    with pytest.raises(ValueError, match='ra and dec'):
        simulate_mosaic((64, 64), sources=QTable(dict(total_flux=[1.0])))


@pytest.mark.parametrize('shape', [(0, 10), (10,), (10, -1), (10.5, 10), 'abc', (10, 10, 10),
                                   (True, 10), None, 512])
def test_bad_shape_raises(shape):
    with pytest.raises(ValueError, match='shape'):
        simulate_mosaic(shape)


@pytest.mark.parametrize('kwargs', [dict(rms_variation=0.5), dict(resolved_fraction=1.5),
                                    dict(n_artifact_sources=-1), dict(n_artifact_sources=1.5),
                                    dict(beam=-6 * u.arcsec), dict(pixel_scale=1 * u.Jy),
                                    dict(rms=-1 * u.uJy / u.beam), dict(min_flux=0),
                                    dict(center='218 55')])
def test_bad_parameters_raise(kwargs):
    with pytest.raises(ValueError):
        simulate_mosaic((64, 64), **kwargs)
