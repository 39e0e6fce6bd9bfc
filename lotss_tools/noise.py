"""Noise of a mosaic: global rms, the research histogram thresholds, local maps.

Three levels of noise description are offered:

* `robust_rms`: one number, from iterative sigma clipping of the pixels;
* `research_thresholds`: the 2023 research rule that derives the dendrogram
  parameters ``min_value``, ``min_delta`` and ``min_npix`` from the pixel
  histogram of a whole mosaic (see the method notes in the documentation);
* `local_background`: background and rms maps that follow the noise across
  a mosaic, built on `photutils.background.Background2D` with box sizes
  expressed in beams.

`NoiseModel` holds what the extractor measured of one mosaic's noise (the
global rms and the maps), so that it can be inspected or passed again.
"""

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from astropy import units as u
from astropy.modeling import fitting, models
from astropy.stats import SigmaClip, mad_std, sigma_clipped_stats
from astropy.utils.exceptions import AstropyUserWarning
from numpy.lib.stride_tricks import sliding_window_view
from photutils.background import Background2D, MADStdBackgroundRMS, MedianBackground
from photutils.utils import ShepardIDWInterpolator
from scipy.ndimage import distance_transform_edt, spline_filter

from ._noise_kernels import (BACKGROUND, MAD_TO_STD, RMS, SNR, along_columns, box_statistics,
                             count_valid, evaluate_points, evaluate_rows, take_valid, zoom_taps)
from .exceptions import InvalidParameterError, NoiseModelMismatchError, ThresholdBelowNoiseWarning

__all__ = ['robust_rms', 'research_min_npix', 'research_thresholds',
           'HistogramThresholds', 'local_background', 'background_meshes',
           'NoiseModel', 'MIN_RELIABLE_THRESHOLD_SIGMAS', 'MAX_CLIP_ITERATIONS',
           'BRIGHT_THRESHOLD', 'BRIGHT_RADIUS']

#: Fraction of the pixel standard deviation above the median that bounds the
#: noise peak used for the Gaussian fit (research value).
NOISE_PEAK_FRACTION = 0.05
#: Relative excess of the positive side over the mirrored negative side that
#: marks the start of the source population (research value).
RELATIVE_EXCESS = 0.05
#: ``min_delta`` in units of the fitted noise sigma (research value).
MIN_DELTA_SIGMAS = 3.0
#: A derived ``min_value`` below this many robust-rms units follows the noise:
#: `research_thresholds` then warns (`~lotss_tools.exceptions.ThresholdBelowNoiseWarning`).
MIN_RELIABLE_THRESHOLD_SIGMAS = 1.0
#: Sigma-clipping iterations of the background boxes (`local_background`, `NoiseModel`).
MAX_CLIP_ITERATIONS = 10
#: Signal-to-noise above which a pixel is a very bright source for the maps'
#: adaptation (`NoiseModel.adapt_to_bright_sources`; PyBDSF's ``adaptive_thresh``).
BRIGHT_THRESHOLD = 150.0
#: Radius in beams around very bright sources where the small boxes are used
#: (`NoiseModel.adapt_to_bright_sources`).
BRIGHT_RADIUS = 60.0


def _subsample(values, max_pixels):
    """At most ``max_pixels`` of the values, taken at a regular stride.

    A regular stride is deterministic and, for strides larger than the beam,
    samples the noise as well as a random choice, at no cost.
    """
    if values.size <= max_pixels:
        return values
    return values[::int(np.ceil(values.size / max_pixels))]


def robust_rms(values, *, sigma=3.0, maxiters=10, max_pixels=4_000_000):
    """Standard deviation of the finite values after iterative sigma clipping.

    Parameters
    ----------
    values : array-like
        Pixel values (any shape; NaNs are ignored).
    sigma : float
        Clipping threshold.
    maxiters : int or None
        Maximum number of clipping iterations.
    max_pixels : int
        Larger inputs are subsampled at a regular stride to this many values
        (the statistical error of the rms is then below 0.1 %).

    Returns
    -------
    rms : float

    Raises
    ------
    ValueError
        If there is no finite value.
    """
    values = _subsample(np.asarray(values).ravel(), max_pixels)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError('cannot measure an rms: there is no finite pixel.')
    return float(sigma_clipped_stats(values, sigma=sigma, maxiters=maxiters,
                                     stdfunc='mad_std')[2])


def research_min_npix(beam, pixel_scale):
    """The research ``min_npix``: twice the geometric-mean beam FWHM in pixels.

    Parameters
    ----------
    beam : `radio_beam.Beam`
    pixel_scale : `~astropy.units.Quantity`
        Angle per pixel (arcsec/pix or an angle).

    Returns
    -------
    min_npix : int
        8 for LoTSS (6 arcsec beam, 1.5 arcsec pixels); at least 1 on
        coarse images (see `~lotss_tools.Mosaic.undersampled`).
    """
    if pixel_scale.unit.is_equivalent(u.arcsec / u.pix):
        pixel_scale = pixel_scale * u.pix
    pixel = pixel_scale.to(u.arcsec)
    fwhm = np.sqrt(beam.major * beam.minor).to(u.arcsec)
    return max(1, int(round(float(2 * fwhm / pixel))))


@dataclass(frozen=True)
class HistogramThresholds:
    """Result of `research_thresholds`.

    Attributes
    ----------
    min_value, min_delta : `~astropy.units.Quantity`
        Dendrogram thresholds in the image unit.
    min_npix : int or None
        Minimum structure size in pixels (None when no beam is known).
    mean, sigma : `~astropy.units.Quantity`
        Centre and width of the Gaussian fitted to the noise peak.
    rms : `~astropy.units.Quantity`
        Robust (sigma-clipped) rms of the pixels, to judge the thresholds by.
    fit_succeeded : bool
        False when the Gaussian fit failed and the fallback (the median for
        ``min_value``, the MAD-based sigma for ``min_delta``) was used.
    bin_centers, counts, mirrored_counts : `~numpy.ndarray`
        The histogram (in the image unit) and the negative side mirrored
        about ``mean``, for diagnostic plots.
    """

    min_value: u.Quantity
    min_delta: u.Quantity
    min_npix: object
    mean: u.Quantity
    sigma: u.Quantity
    rms: u.Quantity
    fit_succeeded: bool
    bin_centers: np.ndarray = field(repr=False)
    counts: np.ndarray = field(repr=False)
    mirrored_counts: np.ndarray = field(repr=False)

    @property
    def min_value_sigmas(self):
        """``min_value`` in units of the robust rms (`rms`)."""
        return float((self.min_value / self.rms).decompose())

    @property
    def reliable(self):
        """False when ``min_value`` lies below `MIN_RELIABLE_THRESHOLD_SIGMAS` x rms.

        The rule then found no clean excess of emission over the noise (small,
        confused or artifact-dominated images, or noise that is not
        Gaussian), and a dendrogram with this ``min_value`` follows the noise.
        """
        return self.min_value_sigmas >= MIN_RELIABLE_THRESHOLD_SIGMAS

    def plot(self, ax=None):
        """Diagnostic plot; see `lotss_tools.visualization.plot_threshold_diagnostic`."""
        from .visualization import plot_threshold_diagnostic
        return plot_threshold_diagnostic(self, ax=ax)


def _histogram(values, scale):
    """Histogram fine enough to resolve the noise peak, coarse enough to be smooth.

    The bin width is a twentieth of the noise scale, widened until the
    central bin expects at least 2000 pixels so that Poisson noise in the
    counts (about 2%) stays well below the 5% excess criterion.
    """
    width = scale / 20
    n_central = values.size * width / (np.sqrt(2 * np.pi) * scale)
    if n_central < 2000:
        width *= 2000 / max(n_central, 1)
    width = min(width, scale / 2)
    low, high = np.percentile(values, [0.1, 99.9])
    low = min(low, -8 * scale)
    high = max(high, 8 * scale)
    edges = np.arange(low, high + width, width)
    counts, edges = np.histogram(values, bins=edges)
    return 0.5 * (edges[:-1] + edges[1:]), counts


def research_thresholds(image, *, noise_peak_fraction=NOISE_PEAK_FRACTION,
                        relative_excess=RELATIVE_EXCESS, min_delta_sigmas=MIN_DELTA_SIGMAS,
                        max_pixels=4_000_000):
    """Dendrogram thresholds from the pixel histogram (the 2023 research rule).

    1. A Gaussian is fitted to the histogram of pixel values below
       ``median + noise_peak_fraction * std`` (the noise peak). Unlike the
       research code, the Gaussian has the factor 2 in its exponent, so the
       fitted sigma is the noise standard deviation.
    2. ``min_delta = min_delta_sigmas * sigma``.
    3. The histogram is mirrored about the fitted mean; ``min_value`` is the
       first non-negative pixel value at which the positive side exceeds the
       mirrored negative side by more than ``relative_excess`` (relative
       difference ``(right - left) / left``): the value at which real
       emission starts to dominate the noise.
    4. ``min_npix`` is `research_min_npix` of the beam (when known).

    If the fit fails, ``min_value`` falls back to the median and sigma to
    the MAD-based standard deviation, ``fit_succeeded`` is False and a
    warning is issued.

    The rule is unreliable where the positive excess of real emission does
    not rise cleanly out of a Gaussian noise peak: small images (a few
    hundred pixels square hold too few sources), fields dominated by
    artifacts, and noise whose wings are not Gaussian. It can then return a
    ``min_value`` below the noise (0.34 sigma on the shipped 200 x 200 real
    cutout of P218+55), and a dendrogram with it follows the noise. When
    ``min_value`` is below `MIN_RELIABLE_THRESHOLD_SIGMAS` times the robust
    rms, a `~lotss_tools.exceptions.ThresholdBelowNoiseWarning` says so and
    ``reliable`` is False; prefer the default local signal-to-noise
    thresholds of `~lotss_tools.DendroExtractor` then.

    Parameters
    ----------
    image : `~lotss_tools.Mosaic` or array-like
        The image (NaNs and masked pixels are ignored).
    noise_peak_fraction, relative_excess, min_delta_sigmas : float
        The constants of the rule (research values by default).
    max_pixels : int
        Larger images are subsampled at a regular stride to this many pixels
        (this does not change the histogram's shape, only its noise).

    Returns
    -------
    result : `HistogramThresholds`

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.noise import research_thresholds
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=3)
    >>> thresholds = research_thresholds(mosaic)
    >>> thresholds.min_npix
    8
    >>> bool(0 < thresholds.min_value.to_value('mJy/beam') < 0.5)
    True
    """
    unit, min_npix = u.dimensionless_unscaled, None
    if hasattr(image, 'footprint') and hasattr(image, 'beam'):
        values = _valid_sample(image.data, image.mask, max_pixels)[0]
        unit = image.unit
        min_npix = research_min_npix(image.beam, image.pixel_scale)
    else:
        values = np.asarray(image, dtype=float)
        values = values[np.isfinite(values)]
    if values.size < 100:
        raise ValueError(f'cannot derive thresholds from {values.size} valid pixels (need at least 100).')
    values = _subsample(values, max_pixels).astype(float)

    median = float(np.median(values))
    scale = float(mad_std(values))
    if not scale > 0:
        raise ValueError('cannot derive thresholds: the image has no pixel-to-pixel variation.')
    centers, counts = _histogram(values, scale)

    peak_limit = median + noise_peak_fraction * np.std(values)
    fit_succeeded = True
    sel = centers < peak_limit
    try:
        init = models.Gaussian1D(amplitude=counts[sel].max(), mean=median, stddev=scale)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', AstropyUserWarning)
            fitted = fitting.TRFLSQFitter()(init, centers[sel], counts[sel])
        mean, sigma = float(fitted.mean.value), abs(float(fitted.stddev.value))
        if not (np.isfinite(mean) and np.isfinite(sigma) and 0 < sigma < 10 * scale):
            raise RuntimeError('the fitted Gaussian is not plausible')
    except Exception as exc:  # any fit failure leads to the documented fallback
        warnings.warn(f'Gaussian fit of the noise peak failed ({exc}); using the median '
                      'and the MAD standard deviation instead.', AstropyUserWarning)
        fit_succeeded, mean, sigma = False, median, scale

    rms = float(sigma_clipped_stats(values, sigma=3.0, maxiters=10, stdfunc='mad_std')[2])
    mirrored = np.interp(2 * mean - centers, centers, counts, left=0, right=0)
    min_value = median
    if fit_succeeded:
        with np.errstate(divide='ignore', invalid='ignore'):
            excess = (counts - mirrored) / mirrored
        candidates = np.nonzero((centers >= max(0.0, mean)) & (mirrored > 0)
                                & (excess > relative_excess))[0]
        if candidates.size:
            min_value = float(centers[candidates[0]])
        else:
            warnings.warn('no positive excess over the mirrored noise peak was found; '
                          'min_value falls back to the median.', AstropyUserWarning)
    result = HistogramThresholds(
        min_value=min_value * unit, min_delta=min_delta_sigmas * sigma * unit,
        min_npix=min_npix, mean=mean * unit, sigma=sigma * unit, rms=rms * unit,
        fit_succeeded=fit_succeeded, bin_centers=centers, counts=counts,
        mirrored_counts=mirrored)
    if not result.reliable:
        warnings.warn(f'the research histogram rule gives min_value {min_value:.3g} {unit}, '
                      f'{result.min_value_sigmas:.2f} times the robust rms {rms:.3g} {unit}: '
                      'below the noise, so a dendrogram with it follows the noise. Give '
                      'min_value explicitly or use the local signal-to-noise thresholds.',
                      ThresholdBelowNoiseWarning)
    return result


def _box_pixels(mosaic, box_size):
    """Side of the background boxes in pixels (`local_background`)."""
    if isinstance(box_size, u.Quantity):
        box_angle = box_size.to(u.arcsec)
    else:
        box_angle = box_size * mosaic.beam.major.to(u.arcsec)
    box_pixels = int(round((box_angle / (mosaic.pixel_scale * u.pix)).decompose().value))
    if box_pixels < 4:
        raise ValueError(f'box_size of {box_pixels} pixels is too small for a noise estimate.')
    return min(box_pixels, *mosaic.shape)


def local_background(mosaic, box_size=25, filter_size=3, *, exclude_percentile=50.0,
                     sigma=3.0):
    """Background and rms maps of a mosaic, following the noise across it.

    A thin layer over `photutils.background.Background2D`: the image is cut
    into boxes whose size is given in beams, each box gets a sigma-clipped
    median (background) and MAD standard deviation (rms), the box values are
    median-filtered and interpolated back to full resolution. Blank (NaN)
    regions are a ``coverage_mask`` and get NaN in the maps.

    `NoiseModel` computes the same maps (equal to float32 rounding) much
    faster and without full-size temporaries; this function returns
    photutils' own object, for its other features.

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
    box_size : float or `~astropy.units.Quantity`
        Box size, in beam major-axis FWHMs when a number (25 beams is 100
        pixels, 2.5 arcmin, for LoTSS), or as an angle.
    filter_size : int
        Size of the median filter, in boxes.
    exclude_percentile : float
        Boxes with a larger percentage of masked pixels are interpolated
        over rather than measured.
    sigma : float
        Sigma-clipping threshold inside each box.

    Returns
    -------
    background : `photutils.background.Background2D`
        ``background`` and ``background_rms`` hold the maps (in the image
        unit's values, without unit). photutils computes them anew at every
        read: read each once.
    """
    box_pixels = _box_pixels(mosaic, box_size)
    coverage = ~mosaic.footprint
    return Background2D(mosaic.data, box_pixels, coverage_mask=coverage, fill_value=np.nan,
                        filter_size=filter_size, exclude_percentile=exclude_percentile,
                        sigma_clip=SigmaClip(sigma=sigma, maxiters=MAX_CLIP_ITERATIONS),
                        bkg_estimator=MedianBackground(), bkg_rms_estimator=MADStdBackgroundRMS())


def _workers(n_jobs):
    return (os.cpu_count() or 1) if n_jobs == -1 else max(1, int(n_jobs))


def _in_threads(function, chunks, n_jobs):
    """``function(*chunk)`` for every chunk, on ``n_jobs`` threads (the kernels release the GIL)."""
    workers = min(_workers(n_jobs), len(chunks))
    if workers <= 1:
        return [function(*chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda chunk: function(*chunk), chunks))


def _row_chunks(n_rows, n_jobs, per_worker=4):
    """Consecutive ``(start, stop)`` row ranges: a few per thread, for load balance."""
    n_chunks = min(n_rows, 1 if _workers(n_jobs) == 1 else per_worker * _workers(n_jobs))
    edges = np.linspace(0, n_rows, max(n_chunks, 1) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _kernel_inputs(data, mask):
    """Data in a type the kernels compile for, and the mask (or a placeholder)."""
    if data.dtype not in (np.float32, np.float64):
        data = data.astype(np.float32 if data.dtype.itemsize <= 4 else np.float64)
    if mask is None:
        return data, np.zeros((1, 1), bool), False
    return data, np.asarray(mask, bool), True


def _valid_sample(data, mask=None, max_pixels=4_000_000, *, n_jobs=1):
    """The valid pixels of an image at a regular stride, and their number, without a copy.

    The same values, in the same order, as `robust_rms`'s subsample of
    ``data[finite & ~mask]``: every ``ceil(n_valid / max_pixels)``-th valid
    pixel in C order; counted and taken in bands of rows on ``n_jobs``
    threads.

    Returns
    -------
    values : `~numpy.ndarray`
        1-D, at most ``max_pixels`` values, in the data type.
    n_valid : int
        Number of valid (finite, unmasked) pixels.
    """
    data, mask, has_mask = _kernel_inputs(np.asarray(data), mask)
    chunks = _row_chunks(data.shape[0], n_jobs)
    counts = _in_threads(lambda y0, y1: count_valid(data, mask, has_mask, y0, y1), chunks,
                         n_jobs)
    n_valid = int(sum(counts))
    stride = max(1, int(np.ceil(n_valid / max_pixels)))
    out = np.empty(-(-n_valid // stride), data.dtype)
    seen = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    starts = -(-seen // stride)           # sample index of each chunk's first taken pixel
    _in_threads(lambda y0, y1, before, first: take_valid(data, mask, has_mask, y0, y1,
                                                         before, stride, out, first),
                [(y0, y1, int(b), int(f)) for (y0, y1), b, f in zip(chunks, seen, starts)],
                n_jobs)
    return out, n_valid


def _median_filter_mesh(mesh, size):
    """photutils' median filter of a mesh: ``generic_filter(mesh, nanmedian, size,
    mode='constant', cval=nan)``, vectorised (the same float64 medians)."""
    if size == 1:
        return mesh
    padded = np.pad(mesh.astype(np.float64), size // 2, constant_values=np.nan)
    windows = sliding_window_view(padded, (size, size)).reshape(*mesh.shape, size * size)
    return np.nanmedian(windows, axis=-1).astype(mesh.dtype)


def _fill_mesh(mesh):
    """photutils' filling of excluded boxes: inverse-distance weighting of the
    10 nearest measured boxes (`photutils.utils.ShepardIDWInterpolator`)."""
    blank = np.isnan(mesh)
    if not blank.any():
        return mesh
    interpolate = ShepardIDWInterpolator(np.column_stack(np.nonzero(~blank)), mesh[~blank])
    filled = mesh.copy()
    filled[blank] = interpolate(np.column_stack(np.nonzero(blank)), n_neighbors=10, power=1.0,
                                eps=0.0, regularization=0.0)
    return filled


def background_meshes(data, box_pixels, *, mask=None, filter_size=3, exclude_percentile=50.0,
                      sigma=3.0, n_jobs=1):
    """Low-resolution background and rms meshes, as `local_background` makes them.

    The same numbers as photutils' ``Background2D(...).background_mesh`` and
    ``background_rms_mesh`` with the settings of `local_background`
    (sigma-clipped median and MAD standard deviation per box, boxes with too
    few valid pixels filled by inverse-distance weighting, median filter),
    computed by compiled kernels that copy no more than a box at a time, on
    ``n_jobs`` threads (see `lotss_tools._noise_kernels`).

    Parameters
    ----------
    data : `~numpy.ndarray`, 2-D
    box_pixels : int
        Side of the boxes in pixels.
    mask : `~numpy.ndarray` of bool, optional
        True for pixels without data (as well as the non-finite ones).
    filter_size, exclude_percentile, sigma
        As in `local_background`.
    n_jobs : int
        Threads (-1: one per core).

    Returns
    -------
    background, rms : `~numpy.ndarray`
        Meshes of shape ``ceil(shape / box_pixels)``, in the data type
        (float32 or float64).

    Raises
    ------
    InvalidParameterError
        If no box keeps enough valid pixels.

    Examples
    --------
    >>> import numpy as np
    >>> from lotss_tools.noise import background_meshes, local_background
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((300, 300), seed=1)
    >>> background, rms = background_meshes(mosaic.data, 100)
    >>> rms.shape
    (3, 3)
    >>> bool(np.array_equal(rms, local_background(mosaic).background_rms_mesh))
    True
    """
    data, mask, has_mask = _kernel_inputs(np.asarray(data), mask)
    ny, nx = data.shape
    n_rows, n_cols = -(-ny // box_pixels), -(-nx // box_pixels)
    background = np.empty((n_rows, n_cols), data.dtype)
    rms = np.empty((n_rows, n_cols), data.dtype)
    n_good = np.empty((n_rows, n_cols), np.int64)
    constants = np.array([0.5, MAD_TO_STD], data.dtype)
    good_threshold = (1 - exclude_percentile / 100.0) * box_pixels * box_pixels

    def rows(first, last):
        box_statistics(data, mask, has_mask, box_pixels, box_pixels, first, last, float(sigma),
                       MAX_CLIP_ITERATIONS, good_threshold, constants, data.dtype == np.float32,
                       background, rms, n_good)
    _in_threads(rows, _row_chunks(n_rows, n_jobs), n_jobs)
    if np.all(np.isnan(background)):
        raise InvalidParameterError(
            f'no background box of {box_pixels} x {box_pixels} pixels keeps more than '
            f'{good_threshold:.0f} valid pixels (exclude_percentile {exclude_percentile:g}): '
            'the coverage is too sparse for local maps at this box size.')
    return (_median_filter_mesh(_fill_mesh(background), filter_size),
            _median_filter_mesh(_fill_mesh(rms), filter_size))


class _MeshMaps:
    """Full-resolution maps of a background/rms mesh pair, evaluated where needed.

    The cubic zoom photutils applies to its meshes, as spline coefficients
    and at most four weights per row and column (`_noise_kernels.zoom_taps`).
    """

    def __init__(self, background_mesh, rms_mesh, box_pixels, shape):
        self.row_index, self.row_weight = zoom_taps(background_mesh.shape[0], box_pixels, shape[0])
        self.col_index, self.col_weight = zoom_taps(background_mesh.shape[1], box_pixels, shape[1])
        self.coefficients = tuple(spline_filter(mesh, order=3, output=np.float64, mode='reflect')
                                  for mesh in (background_mesh, rms_mesh))
        # Interpolated along x once for all columns (n_mesh_rows x nx, small);
        # every window takes its columns from these.
        self.along = tuple(along_columns(c, self.col_index, self.col_weight, 0, shape[1])
                           for c in self.coefficients)
        self.dtype = background_mesh.dtype
        self.limits = np.array([np.min(background_mesh), np.max(background_mesh),
                                np.min(rms_mesh), np.max(rms_mesh)], self.dtype)

    def evaluate(self, data, mask, window, what, n_jobs=1):
        """`_noise_kernels.evaluate_rows` over a window, in row bands on ``n_jobs`` threads."""
        (y0, y1, _), (x0, x1, _) = (s.indices(n) for s, n in zip(window, data.shape))
        data, mask, has_mask = _kernel_inputs(data, mask)
        out = np.empty((y1 - y0, x1 - x0), data.dtype)
        along = [np.ascontiguousarray(a[:, x0:x1]) for a in self.along]

        def rows(first, last):
            evaluate_rows(data, mask, has_mask, y0 + first, y0 + last, x0, x1, self.row_index,
                          self.row_weight, along[0], along[1], self.limits.astype(float),
                          data.dtype == np.float32, what, out[first:last])
        _in_threads(rows, _row_chunks(y1 - y0, n_jobs), n_jobs)
        return out

    def at(self, ys, xs, which):
        """Map ``which`` (0: background, 1: rms) at integer pixels ``(ys, xs)``."""
        ys = np.ascontiguousarray(ys, np.int64).ravel()
        xs = np.ascontiguousarray(xs, np.int64).ravel()
        out = np.empty(ys.size, self.dtype)
        evaluate_points(ys, xs, self.row_index, self.row_weight, self.col_index,
                        self.col_weight, self.coefficients[which],
                        float(self.limits[2 * which]), float(self.limits[2 * which + 1]), out)
        return out


@dataclass(frozen=True, eq=False)
class NoiseModel:
    """The noise of one mosaic, as `~lotss_tools.DendroExtractor` uses it.

    Made by `NoiseModel.from_mosaic` (or `~lotss_tools.DendroExtractor.noise_model`),
    returned in every `~lotss_tools.extraction.Extraction`, and accepted by
    ``DendroExtractor.extract(mosaic, noise=...)`` to skip measuring the
    same mosaic's noise twice. It belongs to one mosaic: using it with an
    image of another shape is refused (`check`).

    The model keeps the low-resolution meshes of `local_background`, not
    full-resolution maps: the extractor evaluates the maps tile by tile, and
    the rms at source peaks pixel by pixel (`rms_at`). The full maps
    (`background`, `rms`) are computed on first access and then kept.

    Attributes
    ----------
    shape : tuple of int
        Shape ``(ny, nx)`` of the mosaic the model was measured on.
    unit : `~astropy.units.Unit`
        Brightness unit of the mosaic (Jy/beam).
    background_mesh, rms_mesh : `~numpy.ndarray` or None
        photutils' ``background_mesh`` and ``background_rms_mesh`` of
        `local_background` (one value per box, after filling and median
        filtering), in the image unit's values; None when made without maps
        (``maps=False``).
    box_pixels : int or None
        Side of the boxes of the meshes in pixels (those of
        ``bright_box_size`` when the maps were adapted to bright sources).
    box_size : float or `~astropy.units.Quantity` or None
        Background box size (beams, or an angle) of the maps.
    mosaic : str
        Name of the mosaic it was measured on.
    n_valid : int
        Number of valid (finite, unmasked) pixels of the mosaic.
    bright_box_size, bright_threshold, bright_radius : float or None
        The settings of the maps' adaptation to bright sources (see
        `from_mosaic`); None when not asked for.
    n_bright_pixels : int
        Pixels brighter than ``bright_threshold`` times the ordinary rms
        (0: the maps are the ordinary ones).

    Examples
    --------
    >>> from lotss_tools.noise import NoiseModel
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((256, 256), seed=1)
    >>> noise = NoiseModel.from_mosaic(mosaic)
    >>> noise.shape, noise.rms.shape, noise.rms_mesh.shape
    ((256, 256), (256, 256), (3, 3))
    >>> bool(60 < noise.global_rms.to_value('uJy/beam') < 110)
    True
    """

    shape: tuple
    unit: u.UnitBase
    background_mesh: object = field(default=None, repr=False)
    rms_mesh: object = field(default=None, repr=False)
    box_pixels: object = None
    box_size: object = None
    mosaic: str = ''
    n_valid: int = 0
    bright_box_size: object = None
    bright_threshold: object = None
    bright_radius: object = None
    n_bright_pixels: int = 0
    _footprint: object = field(default=None, repr=False)     # packed bits
    _rms_sample: object = field(default=None, repr=False)

    @classmethod
    def from_mosaic(cls, mosaic, *, box_size=25, maps=True, bright_box_size=None,
                    bright_threshold=BRIGHT_THRESHOLD, bright_radius=BRIGHT_RADIUS, n_jobs=1):
        """Measure the noise of a mosaic.

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic`
        box_size : float or `~astropy.units.Quantity`
            Background box size, in beams or as an angle (`local_background`).
        maps : bool
            Also measure the background and rms meshes (needed by the local
            signal-to-noise thresholds); False keeps the global rms only.
        bright_box_size : float or `~astropy.units.Quantity`, optional
            Adapt the maps to very bright sources, as PyBDSF's
            ``adaptive_rms_box``: around pixels brighter than
            ``bright_threshold`` times the ordinary rms, the background and
            rms come from a second mesh of boxes of this size (beams, or an
            angle; smaller than ``box_size``), which follows the calibration
            artifacts around the source more closely than the ordinary boxes
            (these raise the rms over several of them). None (default): the
            ordinary maps, unchanged. See `adapt_to_bright_sources`.
        bright_threshold : float
            Signal-to-noise (of the ordinary maps) of the bright pixels
            (PyBDSF's ``adaptive_thresh``, 150).
        bright_radius : float
            Radius in beams around the bright pixels' boxes where the small
            boxes are used; their weight then falls linearly to zero at 1.5
            times this radius.
        n_jobs : int
            Threads for the box statistics (-1: one per core); the model
            does not depend on it.

        Returns
        -------
        noise : `NoiseModel`

        Raises
        ------
        InvalidParameterError
            If ``bright_box_size`` is not smaller than ``box_size``, or
            ``bright_threshold`` or ``bright_radius`` is not positive.
        """
        data, mask = mosaic.data, mosaic.mask
        sample, n_valid = _valid_sample(data, mask, n_jobs=n_jobs)
        footprint = meshes = box_pixels = None
        if maps:
            box_pixels = _box_pixels(mosaic, box_size)
            meshes = background_meshes(data, box_pixels, mask=mask, n_jobs=n_jobs)
            footprint = np.packbits(mosaic.footprint)
        model = cls(shape=tuple(mosaic.shape), unit=mosaic.unit,
                    background_mesh=None if meshes is None else meshes[0],
                    rms_mesh=None if meshes is None else meshes[1], box_pixels=box_pixels,
                    box_size=box_size if maps else None, mosaic=str(mosaic.name or ''),
                    n_valid=n_valid, _footprint=footprint, _rms_sample=sample)
        if maps and bright_box_size is not None:
            model = model.adapt_to_bright_sources(mosaic, bright_box_size,
                                                  threshold=bright_threshold,
                                                  radius=bright_radius, n_jobs=n_jobs)
        return model

    def adapt_to_bright_sources(self, mosaic, bright_box_size, *, threshold=None, radius=None,
                                n_jobs=1):
        """This model with smaller background boxes around very bright sources.

        The calibration artifacts around a very bright source raise the rms
        of the ordinary boxes over several of them (arcminutes), and fainter
        sources there stand at a few times this rms only. As PyBDSF's
        ``adaptive_rms_box``, the background and rms near such sources are
        taken from a second mesh of smaller boxes:

        1. bright pixels: signal-to-noise above ``threshold`` in this
           model's maps (found without full maps: only pixels above the
           lowest possible threshold are evaluated);
        2. the meshes of boxes of ``bright_box_size`` (`background_meshes`);
        3. on the small boxes' grid, weight 1 within ``radius`` beams of a
           box holding a bright pixel, falling linearly to 0 at 1.5
           ``radius`` (PyBDSF also tapers, over 15 small-box steps);
        4. the new meshes: weight x small-box mesh + (1 - weight) x this
           model's maps at the small boxes' centres. They are evaluated as
           the ordinary ones (cubic zoom, window by window), so the cost of
           an extraction changes little.

        Away from bright sources the maps equal this model's to within the
        re-sampling of a smooth map (a fraction of a per cent).

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic`
            The mosaic this model was measured on.
        bright_box_size : float or `~astropy.units.Quantity`
            Small box size, beams or an angle.
        threshold, radius : float, optional
            Signal-to-noise of the bright pixels and radius in beams
            (`BRIGHT_THRESHOLD`, `BRIGHT_RADIUS` by default).
        n_jobs : int
            Threads.

        Returns
        -------
        noise : `NoiseModel`
            A new model (this one when no pixel is that bright).

        Raises
        ------
        InvalidParameterError
            If the small box is not smaller than the ordinary one, or
            ``threshold`` or ``radius`` is not positive.

        Examples
        --------
        >>> from lotss_tools.noise import NoiseModel
        >>> from lotss_tools.simulate import simulate_mosaic
        >>> mosaic, truth = simulate_mosaic((512, 512), seed=1)
        >>> noise = NoiseModel.from_mosaic(mosaic, bright_box_size=15)
        >>> noise.bright_box_size, noise.bright_threshold
        (15, 150.0)
        """
        threshold = BRIGHT_THRESHOLD if threshold is None else threshold
        radius = BRIGHT_RADIUS if radius is None else radius
        if not (np.isscalar(threshold) and threshold > 0):
            raise InvalidParameterError(f'bright_threshold must be a positive number, not '
                                        f'{threshold!r}.')
        if not (np.isscalar(radius) and radius > 0):
            raise InvalidParameterError(f'bright_radius must be a positive number of beams, not '
                                        f'{radius!r}.')
        self.check(mosaic, maps=True)
        try:
            small = _box_pixels(mosaic, bright_box_size)
        except (ValueError, u.UnitsError, TypeError) as exc:
            raise InvalidParameterError(f'bright_box_size {bright_box_size!r}: {exc}') from exc
        if small >= self.box_pixels:
            raise InvalidParameterError(
                f'bright_box_size ({small} pixels) must be smaller than box_size '
                f'({self.box_pixels} pixels).')
        settings = dict(bright_box_size=bright_box_size, bright_threshold=float(threshold),
                        bright_radius=float(radius))
        ys, xs = self._bright_pixels(mosaic, float(threshold))
        if ys.size == 0:
            return replace(self, **settings)
        data, mask = mosaic.data, mosaic.mask
        background_s, rms_s = background_meshes(data, small, mask=mask, n_jobs=n_jobs)
        n_rows, n_cols = rms_s.shape
        ny, nx = self.shape
        centre_y = np.minimum(np.arange(n_rows) * small + (small - 1) / 2, ny - 1).round()
        centre_x = np.minimum(np.arange(n_cols) * small + (small - 1) / 2, nx - 1).round()
        grid_y, grid_x = np.meshgrid(centre_y.astype(int), centre_x.astype(int), indexing='ij')
        background_l = self.background_at(grid_y, grid_x).reshape(n_rows, n_cols)
        rms_l = self.rms_at(grid_y, grid_x).reshape(n_rows, n_cols)
        bright_cells = np.zeros((n_rows, n_cols), bool)
        bright_cells[ys // small, xs // small] = True
        radius_pixels = radius * float(mosaic.beam_fwhm_pixels[0])
        distance = distance_transform_edt(~bright_cells) * small
        weight = np.clip((1.5 * radius_pixels - distance) / (0.5 * radius_pixels), 0.0, 1.0)
        dtype = self.rms_mesh.dtype
        background = (weight * background_s + (1 - weight) * background_l).astype(dtype)
        rms = (weight * rms_s + (1 - weight) * rms_l).astype(dtype)
        return replace(self, background_mesh=background, rms_mesh=rms, box_pixels=small,
                       n_bright_pixels=int(ys.size), **settings)

    def _bright_pixels(self, mosaic, threshold, band=512):
        """Pixels of signal-to-noise above ``threshold`` in this model's maps.

        The maps lie within their meshes' range, so only pixels above
        ``min(background) + threshold x min(rms)`` can qualify: these few
        are found in bands of rows and evaluated one by one.
        """
        limits = self._maps.limits.astype(float)
        lowest = limits[0] + threshold * limits[2]
        data, mask = mosaic.data, mosaic.mask
        found_y, found_x = [], []
        for y0 in range(0, self.shape[0], band):
            rows = data[y0:y0 + band]
            with np.errstate(invalid='ignore'):
                yy, xx = np.nonzero(rows > lowest)
            if mask is not None and yy.size:
                keep = ~np.asarray(mask[y0:y0 + band])[yy, xx]
                yy, xx = yy[keep], xx[keep]
            found_y.append(yy + y0)
            found_x.append(xx)
        ys, xs = np.concatenate(found_y), np.concatenate(found_x)
        if ys.size:
            snr = ((data[ys, xs] - self.background_at(ys, xs)) / self.rms_at(ys, xs))
            keep = snr > threshold
            ys, xs = ys[keep], xs[keep]
        return ys, xs

    @cached_property
    def global_rms(self):
        """Sigma-clipped rms of all valid pixels (`robust_rms`), in the image unit.

        The same number as `~lotss_tools.Mosaic.global_rms`, computed on first
        access (the local-threshold extraction does not need it).
        """
        return robust_rms(self._rms_sample) * self.unit

    @property
    def has_maps(self):
        """True when the model holds background and rms meshes."""
        return self.rms_mesh is not None

    @cached_property
    def _maps(self):
        if not self.has_maps:
            raise NoiseModelMismatchError('this noise model has no maps: make it with '
                                          'maps=True.')
        return _MeshMaps(self.background_mesh, self.rms_mesh, self.box_pixels, self.shape)

    def _full_map(self, what):
        valid = np.unpackbits(self._footprint, count=int(np.prod(self.shape))).reshape(self.shape)
        placeholder = np.zeros(self.shape, self.background_mesh.dtype)   # finite everywhere
        out = self._maps.evaluate(placeholder, ~valid.view(bool), (slice(None), slice(None)),
                                  what)
        return out

    @cached_property
    def background(self):
        """Background map (values in the image unit; NaN on blank pixels), made on first access."""
        return self._full_map(BACKGROUND)

    @cached_property
    def rms(self):
        """Rms map (values in the image unit; NaN on blank pixels), made on first access."""
        return self._full_map(RMS)

    def rms_at(self, y, x):
        """The rms map at integer pixels ``(y, x)``, without making the map.

        Parameters
        ----------
        y, x : array-like of int

        Returns
        -------
        rms : `~numpy.ndarray`
            Values in the image unit, in the map's data type.

        Examples
        --------
        >>> from lotss_tools.noise import NoiseModel
        >>> from lotss_tools.simulate import simulate_mosaic
        >>> mosaic, truth = simulate_mosaic((256, 256), seed=1)
        >>> noise = NoiseModel.from_mosaic(mosaic)
        >>> bool(noise.rms_at([100], [120])[0] == noise.rms[100, 120])
        True
        """
        return self._maps.at(y, x, 1)

    def background_at(self, y, x):
        """The background map at integer pixels ``(y, x)``; see `rms_at`."""
        return self._maps.at(y, x, 0)

    def _evaluate(self, mosaic, window, what, n_jobs=1):
        """Background, rms, flux (``data - background``) or signal-to-noise over a window."""
        return self._maps.evaluate(mosaic.data, mosaic.mask, window, what, n_jobs)

    def signal_to_noise(self, mosaic, window=(slice(None), slice(None)), *, n_jobs=1):
        """``(data - background) / rms`` of the mosaic over a window, without full maps.

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic`
            The mosaic this model was measured on (or its negation).
        window : tuple of two slices
            ``(rows, columns)``; the whole image by default.
        n_jobs : int
            Threads.

        Returns
        -------
        snr : `~numpy.ndarray`
            NaN on blank and masked pixels.

        Examples
        --------
        >>> from lotss_tools.noise import NoiseModel
        >>> from lotss_tools.simulate import simulate_mosaic
        >>> mosaic, truth = simulate_mosaic((256, 256), seed=1)
        >>> noise = NoiseModel.from_mosaic(mosaic)
        >>> noise.signal_to_noise(mosaic, (slice(10, 20), slice(0, 256))).shape
        (10, 256)
        """
        return self._evaluate(mosaic, window, SNR, n_jobs)

    def check(self, mosaic, *, maps=False):
        """Refuse a model that does not belong to ``mosaic`` (or lacks needed maps).

        Raises
        ------
        NoiseModelMismatchError
            If the mosaic's shape or unit differs from the model's, or
            ``maps`` is True and the model has none.
        """
        if tuple(mosaic.shape) != tuple(self.shape):
            raise NoiseModelMismatchError(
                f'the noise model was measured on a {self.shape[1]} x {self.shape[0]} image '
                f'({self.mosaic or "unnamed"}), not on this {mosaic.shape[1]} x {mosaic.shape[0]} '
                f'mosaic ({mosaic.name or "unnamed"}); make one with '
                f'NoiseModel.from_mosaic(mosaic).')
        if u.Unit(mosaic.unit) != u.Unit(self.unit):
            raise NoiseModelMismatchError(f'the noise model is in {self.unit}, the mosaic in '
                                          f'{mosaic.unit}.')
        if maps and not self.has_maps:
            raise NoiseModelMismatchError('local thresholds need background and rms maps: make '
                                          'the noise model with maps=True.')
        return self
