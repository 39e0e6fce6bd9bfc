"""Tests of NoiseModel's compiled path: the same meshes and maps as photutils, less work.

`lotss_tools.noise.NoiseModel` computes `local_background`'s box statistics
with compiled kernels and evaluates its maps from the meshes where needed;
these tests hold it to photutils' own numbers on simulated, interferometric,
masked and real images.
"""

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from astropy.stats import SigmaClip, mad_std

from lotss_tools import Mosaic
from lotss_tools._noise_kernels import (MAD_TO_STD, _clipped_statistics, _kth_deviation,
                                        _radix_sort_f32)
from lotss_tools.datasets import get_path
from lotss_tools.exceptions import InvalidParameterError
from lotss_tools.noise import (NoiseModel, _subsample, _valid_sample, background_meshes,
                               local_background, robust_rms)
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.validation import simulate_interferometer_sky


def with_mask(mosaic, seed=0):
    """The mosaic with a masked rectangle and scattered masked pixels."""
    mask = np.zeros(mosaic.shape, bool)
    mask[40:90, 150:260] = True
    mask[np.random.default_rng(seed).random(mosaic.shape) < 0.02] = True
    return Mosaic(mosaic.data, wcs=mosaic.wcs, unit=mosaic.unit, beam=mosaic.beam, mask=mask)


def make_sky(name):
    """Images the compiled path must reproduce photutils on: (mosaic, box_size)."""
    if name == 'real float64':
        return Mosaic.read(get_path('lotss-cutout')), 10
    if name == 'interferometer':
        return simulate_interferometer_sky((256, 256), seed=2)[0], 15
    simulated = simulate_mosaic((300, 430), seed=8)[0]     # holes, blank edges, partial boxes
    return (simulated, 25) if name == 'simulated' else (with_mask(simulated), 12)


@pytest.fixture(scope='module', params=['simulated', 'interferometer', 'masked', 'real float64'])
def sky(request):
    return (request.param, *make_sky(request.param))


def test_box_statistics_equal_astropy_clipping_and_photutils_estimators():
    """Sorted-run clipping gives astropy's SigmaClip, numpy's nanmedian and astropy's
    mad_std exactly: outliers, ties (rounded values), odd and even counts, both dtypes."""
    rng = np.random.default_rng(0)
    for trial in range(600):
        n = int(rng.integers(1, 300))
        dtype = np.float32 if trial % 2 else np.float64
        x = rng.normal(size=n)
        x[rng.random(n) < 0.05] *= 40
        if trial % 3 == 0:
            x = np.round(x, 1)
        x = x.astype(dtype)
        clipped = SigmaClip(sigma=3, maxiters=10)(x, masked=False, copy=True)
        values = np.sort(x)
        if dtype == np.float32:                      # the kernel's radix sort
            values = x.copy()
            _radix_sort_f32(values, n, np.empty(n, np.uint32), np.empty(n, np.uint32),
                            np.empty((3, 2048), np.int64))
            np.testing.assert_array_equal(values, np.sort(x))
        centre, scale, kept = _clipped_statistics(values, n, 3.0, 10,
                                                  np.array([0.5, MAD_TO_STD], dtype),
                                                  np.empty(n + 1), np.empty(n + 1))
        assert kept == np.count_nonzero(~np.isnan(clipped))
        assert dtype(centre) == np.nanmedian(clipped)
        assert dtype(scale) == mad_std(clipped, ignore_nan=True)


def test_kth_deviation_is_the_sorted_absolute_deviation():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        n = int(rng.integers(1, 50))
        values = np.sort(np.round(rng.normal(size=n), int(rng.integers(0, 3)))).astype(np.float32)
        lo = int(rng.integers(0, n))
        hi = int(rng.integers(lo + 1, n + 1))
        centre = np.float32(rng.choice([values[lo], values[(lo + hi) // 2], rng.normal()]))
        k = int(rng.integers(0, hi - lo))
        assert _kth_deviation(values, lo, hi, centre, k) == np.sort(np.abs(values[lo:hi]
                                                                           - centre))[k]


def test_meshes_and_maps_equal_photutils(sky):
    name, mosaic, box_size = sky
    reference = local_background(mosaic, box_size=box_size)
    noise = NoiseModel.from_mosaic(mosaic, box_size=box_size)
    np.testing.assert_array_equal(noise.background_mesh, reference.background_mesh)
    np.testing.assert_array_equal(noise.rms_mesh, reference.background_rms_mesh)
    for ours, theirs in ((noise.background, reference.background),
                         (noise.rms, reference.background_rms)):
        assert ours.dtype == theirs.dtype == mosaic.data.dtype
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        good = ~np.isnan(theirs)
        # Summation order differs from scipy's zoom: equal after float32
        # rounding, within 1e-15 in float64.
        tolerance = 1e-6 if ours.dtype == np.float32 else 1e-14
        scale = np.nanmax(np.abs(theirs))
        assert np.max(np.abs(ours[good] - theirs[good])) <= tolerance * scale
        if ours.dtype == np.float32:
            assert np.mean(ours[good] == theirs[good]) > 0.999


def test_windows_and_pixels_see_the_full_maps(sky):
    """A pixel gets the same value whatever window it is evaluated in (tiles, bands)."""
    from lotss_tools._noise_kernels import BACKGROUND, RMS
    _, mosaic, box_size = sky
    noise = NoiseModel.from_mosaic(mosaic, box_size=box_size)
    window = (slice(17, 151), slice(33, 190))
    np.testing.assert_array_equal(noise._evaluate(mosaic, window, RMS), noise.rms[window])
    np.testing.assert_array_equal(noise._evaluate(mosaic, window, BACKGROUND, n_jobs=3),
                                  noise.background[window])
    rng = np.random.default_rng(3)
    ys, xs = rng.integers(0, mosaic.shape[0], 500), rng.integers(0, mosaic.shape[1], 500)
    valid = mosaic.footprint[ys, xs]
    np.testing.assert_array_equal(noise.rms_at(ys, xs)[valid], noise.rms[ys, xs][valid])
    np.testing.assert_array_equal(noise.background_at(ys, xs)[valid],
                                  noise.background[ys, xs][valid])


def test_global_rms_is_measured_on_demand_and_unchanged(sky):
    _, mosaic, box_size = sky
    noise = NoiseModel.from_mosaic(mosaic, box_size=box_size)
    assert 'global_rms' not in noise.__dict__             # not measured until asked for
    previous = robust_rms(mosaic.data[mosaic.footprint]) * mosaic.unit   # the former way
    assert noise.global_rms == mosaic.global_rms() == previous
    assert noise.n_valid == np.count_nonzero(mosaic.footprint)


def test_valid_sample_is_robust_rms_subsample():
    mosaic = with_mask(simulate_mosaic((300, 430), seed=8)[0])
    valid = mosaic.data[mosaic.footprint]
    for max_pixels in (1000, 7777, 10 ** 7):
        expected = _subsample(valid, max_pixels)
        for n_jobs in (1, 3):
            sample, n_valid = _valid_sample(mosaic.data, mosaic.mask, max_pixels, n_jobs=n_jobs)
            assert n_valid == valid.size
            np.testing.assert_array_equal(sample, expected)


def test_threads_do_not_change_the_meshes():
    mosaic = simulate_mosaic((300, 430), seed=8)[0]
    one = background_meshes(mosaic.data, 40, mask=mosaic.mask)
    three = background_meshes(mosaic.data, 40, mask=mosaic.mask, n_jobs=3)
    for a, b in zip(one, three):
        np.testing.assert_array_equal(a, b)


def test_sparse_coverage_is_a_clear_error():
    mosaic = simulate_mosaic((200, 200), seed=1, holes=False, blank_edges=False)[0]
    data = mosaic.data.copy()
    data[::2, :] = np.nan                 # every box keeps at most half its pixels
    sparse = Mosaic(data, wcs=mosaic.wcs, unit=mosaic.unit, beam=mosaic.beam)
    with pytest.raises(InvalidParameterError, match='coverage is too sparse'):
        NoiseModel.from_mosaic(sparse)


def test_model_without_maps_refuses_map_questions():
    mosaic = simulate_mosaic((128, 128), seed=1)[0]
    noise = NoiseModel.from_mosaic(mosaic, maps=False)
    assert not noise.has_maps and noise.rms_mesh is None
    assert noise.global_rms.unit == u.Jy / u.beam
    with pytest.raises(Exception, match='no maps'):
        noise.rms_at([1], [1])


def test_read_swaps_bytes_in_place_without_touching_given_hdus(tmp_path):
    mosaic = simulate_mosaic((64, 80), seed=2)[0]
    path = mosaic.write(tmp_path / 'm.fits')
    read = Mosaic.read(path)
    assert read.data.dtype.isnative and read.data.dtype == np.float32
    np.testing.assert_array_equal(read.data, fits.getdata(path))
    with fits.open(path) as hdulist:
        before = hdulist[0].data.copy()
        from_hdu = Mosaic.read(hdulist[0])
        assert not np.shares_memory(from_hdu.data, hdulist[0].data)
        assert hdulist[0].data.dtype.byteorder == '>'       # the caller's HDU is untouched
        np.testing.assert_array_equal(hdulist[0].data, before)


# ------------------------------------------------------- adaptation to bright sources
def bright_source_sky(seed=5):
    """768 x 768 noise (rms 1e-4) with a 1000-sigma source at the centre, whose
    artifacts (rms 3e-4) fill a radius of 160 pixels (4 arcmin) around it."""
    base = simulate_mosaic((768, 768), seed=seed, holes=False, blank_edges=False)[0]
    rng = np.random.default_rng(seed)
    data = rng.normal(0, 1e-4, base.shape).astype(np.float32)
    yy, xx = np.mgrid[:768, :768]
    distance = np.hypot(yy - 384, xx - 384)
    artifacts = distance < 160
    data[artifacts] += rng.normal(0, 3e-4, artifacts.sum()).astype(np.float32)
    data += (0.1 * np.exp(-distance ** 2 / (2 * 1.7 ** 2))).astype(np.float32)
    return Mosaic(data, wcs=base.wcs, unit=base.unit, beam=base.beam), distance


def test_bright_box_off_is_the_ordinary_model():
    mosaic, _ = bright_source_sky()
    ordinary = NoiseModel.from_mosaic(mosaic)
    off = NoiseModel.from_mosaic(mosaic, bright_box_size=None, bright_threshold=10)
    assert np.array_equal(off.rms_mesh, ordinary.rms_mesh)
    assert np.array_equal(off.background_mesh, ordinary.background_mesh)
    assert off.box_pixels == ordinary.box_pixels and off.n_bright_pixels == 0


def test_bright_box_lowers_the_rms_beside_a_bright_source_only():
    mosaic, distance = bright_source_sky()
    ordinary = NoiseModel.from_mosaic(mosaic)
    adapted = NoiseModel.from_mosaic(mosaic, bright_box_size=10, bright_radius=50)
    assert adapted.n_bright_pixels > 0 and adapted.box_pixels == 40
    before, after = ordinary.rms, adapted.rms
    # The ordinary 100-pixel boxes smear the artifacts: too low inside them,
    # raised beyond their edge; the 40-pixel boxes follow them more closely.
    inside, beside, far = distance < 120, (distance > 170) & (distance < 200), distance > 360
    assert np.median(before[inside]) < 2.3e-4 < 2.8e-4 < np.median(after[inside])
    assert np.median(before[beside]) > 1.08e-4
    assert abs(np.median(after[beside]) / 1e-4 - 1) < 0.03
    # Far from the source the map is the ordinary one, re-sampled.
    assert np.allclose(after[far], before[far], rtol=0.01)
    # Away from bright sources nothing changes at all.
    quiet = Mosaic(mosaic.data * (distance > 5), wcs=mosaic.wcs, unit=mosaic.unit,
                   beam=mosaic.beam)
    unchanged = NoiseModel.from_mosaic(quiet, bright_box_size=10)
    assert unchanged.n_bright_pixels == 0
    assert np.array_equal(unchanged.rms_mesh, NoiseModel.from_mosaic(quiet).rms_mesh)


@pytest.mark.parametrize('options, message', [
    (dict(bright_box_size=25), 'must be smaller than box_size'),
    (dict(bright_box_size=10, bright_threshold=0), 'bright_threshold must be a positive'),
    (dict(bright_box_size=10, bright_radius=-1), 'bright_radius must be a positive'),
    (dict(bright_box_size=0.5), 'bright_box_size 0.5'),
])
def test_bright_box_bad_settings(options, message):
    with pytest.raises(InvalidParameterError, match=message):
        NoiseModel.from_mosaic(bright_source_sky()[0], **options)


def test_extractor_passes_the_bright_box_settings():
    from lotss_tools import DendroExtractor
    mosaic, _ = bright_source_sky()
    extractor = DendroExtractor(bright_box_size=10, bright_radius=50)
    noise = extractor.noise_model(mosaic)
    assert noise.n_bright_pixels > 0 and noise.box_pixels == 40
    assert noise.bright_radius == 50 and extractor.get_params()['bright_box_size'] == 10
    assert DendroExtractor().noise_model(mosaic).box_pixels == 100
    with pytest.raises(InvalidParameterError, match='bright_threshold and bright_radius'):
        DendroExtractor(bright_box_size=10, bright_threshold=-1)
