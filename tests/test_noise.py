"""Tests of lotss_tools.noise: rms, research thresholds and local maps."""

import numpy as np
import pytest
from astropy import units as u
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS
from radio_beam import Beam
from scipy.ndimage import gaussian_filter

from lotss_tools import Mosaic
from lotss_tools.noise import local_background, research_min_npix, research_thresholds, robust_rms


def make_wcs(shape):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---SIN', 'DEC--SIN']
    wcs.wcs.crval = [150.0, 50.0]
    wcs.wcs.crpix = [(shape[1] + 1) / 2, (shape[0] + 1) / 2]
    wcs.wcs.cdelt = [-1.5 / 3600, 1.5 / 3600]
    wcs.wcs.cunit = ['deg', 'deg']
    return wcs


def noise_mosaic(shape=(600, 600), rms=1e-4, seed=0, sources=0, gradient=1.0):
    """Gaussian noise with a known rms, optionally with point-like sources and a gradient."""
    rng = np.random.default_rng(seed)
    data = rng.normal(0, rms, shape)
    if sources:
        blobs = np.zeros(shape)
        ys, xs = rng.integers(5, shape[0] - 5, sources), rng.integers(5, shape[1] - 5, sources)
        blobs[ys, xs] = rng.pareto(1.5, sources) * 5 * rms + rms
        data += gaussian_filter(blobs, 1.7) * 2 * np.pi * 1.7 ** 2
    data *= np.linspace(1.0, gradient, shape[1])[np.newaxis, :]
    return Mosaic(data.astype(np.float32), wcs=make_wcs(shape), unit='Jy/beam', beam=6 * u.arcsec)


def test_robust_rms_ignores_sources_and_nans():
    mosaic = noise_mosaic(sources=400)
    data = mosaic.data.copy()
    data[:10] = np.nan
    assert robust_rms(data) == pytest.approx(1e-4, rel=0.05)
    assert np.std(data[np.isfinite(data)]) > 1.2e-4  # the sources bias a plain std
    with pytest.raises(ValueError, match='no finite pixel'):
        robust_rms(np.full(10, np.nan))


def test_research_min_npix():
    assert research_min_npix(Beam(6 * u.arcsec), 1.5 * u.arcsec / u.pix) == 8
    assert research_min_npix(Beam(6 * u.arcsec), 1.5 * u.arcsec) == 8
    assert research_min_npix(Beam(major=9 * u.arcsec, minor=4 * u.arcsec), 1.5 * u.arcsec) == 8
    assert research_min_npix(Beam(20 * u.arcsec), 5 * u.arcsec) == 8
    assert research_min_npix(Beam(12 * u.arcsec), 1.5 * u.arcsec) == 16


def test_research_thresholds_sigma_is_the_noise_std():
    """The fitted Gaussian has the factor 2 in its exponent: sigma is the rms.

    The research code lacked it and over-estimated sigma by sqrt(2).
    """
    result = research_thresholds(noise_mosaic(rms=1e-4))
    assert result.fit_succeeded
    assert result.sigma.unit == u.Jy / u.beam
    assert result.sigma.to_value(u.Jy / u.beam) == pytest.approx(1e-4, rel=0.03)
    assert result.min_delta == 3 * result.sigma
    assert abs(result.mean.to_value(u.Jy / u.beam)) < 1e-5
    assert result.min_npix == 8


def test_research_min_value_marks_the_source_excess():
    """With sources the positive side rises above the mirrored negative side."""
    clean = research_thresholds(noise_mosaic(seed=1))
    with_sources = research_thresholds(noise_mosaic(seed=1, sources=3000))
    assert with_sources.fit_succeeded
    assert with_sources.min_value >= 0
    # On pure noise there is no real excess: min_value lies further out in the
    # tail (where Poisson noise alone crosses 5%) than with sources.
    assert with_sources.min_value < clean.min_value
    assert with_sources.min_value < 2 * with_sources.sigma
    excess_bins = with_sources.counts > 1.05 * with_sources.mirrored_counts
    first = np.argmax(with_sources.bin_centers >= with_sources.min_value.value)
    assert excess_bins[first]


def test_research_thresholds_on_arrays_and_bad_input():
    rng = np.random.default_rng(5)
    result = research_thresholds(rng.normal(0, 2.0, (300, 300)))
    assert result.sigma.unit == u.dimensionless_unscaled
    assert result.sigma.value == pytest.approx(2.0, rel=0.03)
    assert result.min_npix is None
    with pytest.raises(ValueError, match='valid pixels'):
        research_thresholds(np.full((5, 5), 1.0))
    with pytest.raises(ValueError, match='no pixel-to-pixel variation'):
        research_thresholds(np.ones((50, 50)))


def test_research_thresholds_fallback_is_reported(monkeypatch):
    """When the Gaussian fit fails, the median and MAD sigma are used, with a warning."""
    from astropy.stats import mad_std

    from lotss_tools import noise

    class FailingFitter:
        def __call__(self, *args, **kwargs):
            raise RuntimeError('no convergence')

    monkeypatch.setattr(noise.fitting, 'TRFLSQFitter', FailingFitter)
    values = np.random.default_rng(3).normal(1.0, 0.5, 20000)
    with pytest.warns(AstropyUserWarning, match='fit of the noise peak failed.*no convergence'):
        result = research_thresholds(values)
    assert not result.fit_succeeded
    assert result.min_value.value == pytest.approx(np.median(values))
    assert result.sigma.value == pytest.approx(mad_std(values))


def test_research_thresholds_diagnostic_plot(tmp_path):
    result = research_thresholds(noise_mosaic(sources=2000))
    ax = result.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith('min_value') for label in labels)
    assert any('Gaussian fit' in label for label in labels)
    ax.figure.savefig(tmp_path / 'histogram.png')
    assert (tmp_path / 'histogram.png').stat().st_size > 5000


def test_local_background_follows_a_gradient():
    mosaic = noise_mosaic(shape=(400, 800), gradient=2.0, seed=2)
    bkg = local_background(mosaic, box_size=12)  # 12 beams = 48 pixels
    rms = bkg.background_rms
    assert rms.shape == mosaic.shape
    left, right = np.median(rms[:, :100]), np.median(rms[:, -100:])
    assert left == pytest.approx(1.05e-4, rel=0.1)
    assert right == pytest.approx(1.95e-4, rel=0.1)
    assert np.median(bkg.background) == pytest.approx(0, abs=2e-5)


def test_local_background_blank_regions_are_nan():
    mosaic = noise_mosaic(shape=(400, 400))
    data = mosaic.data.copy()
    data[:, :150] = np.nan
    holed = Mosaic(data, wcs=mosaic.wcs, unit=mosaic.unit, beam=mosaic.beam)
    rms = holed.rms_map(box_size=10 * u.arcmin / 10)
    assert rms.unit == u.Jy / u.beam
    assert np.all(np.isnan(rms[:, :150]))
    assert np.nanmedian(rms).value == pytest.approx(1e-4, rel=0.1)
    with pytest.raises(ValueError, match='too small'):
        holed.background(box_size=0.5)


def test_research_threshold_below_the_noise_warns():
    """On the real 200 x 200 P218+55 cutout the rule lands at ~0.34 sigma."""
    from lotss_tools.datasets import get_path
    from lotss_tools.exceptions import ThresholdBelowNoiseWarning
    real = Mosaic.read(get_path('lotss-cutout'))
    with pytest.warns(ThresholdBelowNoiseWarning, match='below the noise'):
        thresholds = research_thresholds(real)
    assert not thresholds.reliable
    assert thresholds.min_value_sigmas < 1
    assert thresholds.rms.to_value(u.uJy / u.beam) == pytest.approx(75, rel=0.1)


def test_research_threshold_above_the_noise_is_quiet():
    from lotss_tools.exceptions import ThresholdBelowNoiseWarning
    from lotss_tools.simulate import simulate_mosaic
    mosaic, _ = simulate_mosaic((1024, 1024), seed=5)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error', ThresholdBelowNoiseWarning)
        thresholds = research_thresholds(mosaic)
    assert thresholds.reliable and thresholds.min_value_sigmas >= 1


def test_research_min_npix_is_at_least_one_pixel():
    assert research_min_npix(Beam(6 * u.arcsec), 61 * u.arcsec) == 1
