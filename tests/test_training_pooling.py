"""Tests of pooling and normalisation of the network input."""

import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.wcs import WCS

from lotss_tools.simulate import simulate_mosaic
from lotss_tools.training import (FIXED_CLIP, beam_pooling_factor, normalize, percentile_limits,
                                  pool, pooled_shape, pooled_wcs, rescale, tanh_stretch)


def test_pool_mean_and_max_with_padding():
    image = np.arange(20.0).reshape(4, 5)
    # Blocks: [[0,1],[5,6]] -> 3, [[2,3],[7,8]] -> 5, [[4],[9]] -> 6.5 (NaN padding).
    np.testing.assert_array_equal(pool(image, 2), [[3, 5, 6.5], [13, 15, 16.5]])
    np.testing.assert_array_equal(pool(image, 2, method='max'), [[6, 8, 9], [16, 18, 19]])
    np.testing.assert_array_equal(pool(image, 2, padding='crop'), [[3, 5], [13, 15]])
    # 3x3 blocks of a 4x5 image: the last row and columns are partial blocks.
    np.testing.assert_array_equal(pool(image, 3), [[6, 8.5], [16, 18.5]])
    np.testing.assert_array_equal(pool(image, 3, padding='crop'), [[6]])
    assert pooled_shape((4, 5), 3) == (2, 2) and pooled_shape((4, 5), 3, 'crop') == (1, 1)
    np.testing.assert_array_equal(pool(image, 1), image)


def test_pool_ignores_nan_and_keeps_units():
    image = np.array([[1.0, np.nan, np.nan, np.nan],
                      [3.0, np.nan, np.nan, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter('error')            # all-NaN blocks must not warn
        pooled = pool(image * u.mJy / u.beam, 2)
    assert pooled.unit == u.mJy / u.beam
    assert pooled[0, 0].value == 2.0            # mean of the finite pixels
    assert np.isnan(pooled[0, 1])               # nothing finite: NaN
    assert pool(image, 2, method='max')[0, 0] == 3.0


def test_pool_invalid_input():
    with pytest.raises(ValueError, match='2-D'):
        pool(np.zeros(5), 2)
    with pytest.raises(ValueError, match='integer >= 1'):
        pool(np.zeros((4, 4)), 0)
    with pytest.raises(ValueError, match='integer >= 1'):
        pool(np.zeros((4, 4)), 1.5)
    with pytest.raises(ValueError, match='method'):
        pool(np.zeros((4, 4)), 2, method='median')
    with pytest.raises(ValueError, match='padding'):
        pool(np.zeros((4, 4)), 2, padding='zero')
    with pytest.raises(ValueError, match='smaller than one'):
        pool(np.zeros((1, 4)), 2, padding='crop')


@pytest.mark.parametrize('factor', [2, 3, 4])
def test_pooled_wcs_puts_pixels_at_block_centres(factor):
    mosaic, _ = simulate_mosaic((90, 70), seed=0)
    coarse = pooled_wcs(mosaic.wcs, factor)
    i, j = np.array([0, 3, 10]), np.array([0, 7, 5])
    x, y = mosaic.wcs.world_to_pixel(coarse.pixel_to_world(j, i))
    np.testing.assert_allclose(x, factor * j + (factor - 1) / 2, atol=1e-6)
    np.testing.assert_allclose(y, factor * i + (factor - 1) / 2, atol=1e-6)


def test_pooled_wcs_with_cd_matrix():
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN']
    wcs.wcs.crval, wcs.wcs.crpix = [150.0, 30.0], [20.0, 30.0]
    angle = np.radians(20)
    scale = 1.5 / 3600
    wcs.wcs.cd = scale * np.array([[-np.cos(angle), np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    coarse = pooled_wcs(wcs, 4)
    x, y = wcs.world_to_pixel(coarse.pixel_to_world(5, 2))
    np.testing.assert_allclose([x, y], [21.5, 9.5], atol=1e-6)


def test_beam_pooling_factor():
    assert beam_pooling_factor(6 * u.arcsec, 1.5 * u.arcsec / u.pix) == 4
    assert beam_pooling_factor(6 * u.arcsec, 1.5 * u.arcsec) == 4
    assert beam_pooling_factor(2 * u.arcsec, 3 * u.arcsec) == 1
    with pytest.raises(ValueError):
        beam_pooling_factor(0 * u.arcsec, 1.5 * u.arcsec)


def test_fixed_clip_rescale_and_tanh():
    jy = u.Jy / u.beam
    image = [1e-7, 0.4e-6, 20.2e-6, 0.4e-4, 1.0, np.nan] * jy
    scaled = rescale(image, FIXED_CLIP)
    np.testing.assert_allclose(scaled[:5], [0, 0, 0.5, 1, 1])
    assert np.isnan(scaled[5])
    out, limits = normalize(image)
    np.testing.assert_allclose(out[:5], np.tanh(3 * scaled[:5]), rtol=1e-6)
    assert out.dtype == np.float32 and np.isnan(out[5])
    assert u.allclose(limits, FIXED_CLIP)
    # The same image in mJy/beam gives the same result.
    np.testing.assert_array_equal(normalize(image.to(u.mJy / u.beam))[0][:5], out[:5])
    linear, _ = normalize(image, stretch='linear')
    np.testing.assert_allclose(linear[:5], scaled[:5], rtol=1e-6)
    assert tanh_stretch(1.0, 3.0) == pytest.approx(np.tanh(3.0))


def test_percentile_clip():
    rng = np.random.default_rng(0)
    image = rng.normal(0, 1e-4, (50, 60)) * u.Jy / u.beam
    image[0, :5] = np.nan
    low, high = np.percentile(image.value[np.isfinite(image.value)], [90, 95])
    limits = percentile_limits(image)
    assert u.allclose(limits, [low, high] * u.Jy / u.beam)
    out, used = normalize(image, clip='percentile')
    assert u.allclose(used, limits)
    finite = np.isfinite(image.value)
    assert np.mean(out[finite] == 0) == pytest.approx(0.9, abs=0.002)
    assert np.mean(out[finite] == np.float32(np.tanh(3.0))) == pytest.approx(0.05, abs=0.002)


def test_normalize_errors():
    jy = u.Jy / u.beam
    with pytest.raises(ValueError, match='increasing'):
        normalize([1.0] * jy, clip=[2, 1] * jy)
    with pytest.raises(ValueError, match='do not apply'):
        normalize([1.0] * u.Jy, clip=FIXED_CLIP)
    with pytest.raises(TypeError, match='Quantity'):
        normalize(np.ones(3), clip=FIXED_CLIP)
    with pytest.raises(ValueError, match='percentile'):
        normalize([1.0] * jy, clip='median')
    with pytest.raises(ValueError, match='stretch'):
        normalize([1.0] * jy, stretch='log')
    with pytest.raises(ValueError, match='no finite'):
        percentile_limits([np.nan] * jy)
