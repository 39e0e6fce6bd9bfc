"""Measures that tell whether a test sky looks like a real LoTSS image.

Each function measures one thing the documentation compares between a
simulated sky and a real LoTSS cutout, the same way on both:

* `source_mask`: the pixels of sources (and wide circles around bright
  ones), to leave the noise;
* `noise_autocorrelation`: the correlation of the noise between pixels a
  given lag apart along x, y and the two diagonals;
* `negative_tail_fraction`: the fraction of pixels below -n sigma, which
  is 3.2e-5 at 4 sigma for Gaussian noise;
* `rms_variation`: how much the noise level changes across an image;
* `integral_counts`: N(>S) per deg^2 of a catalogue or a truth.
"""

import numpy as np
from astropy import units as u
from astropy.stats import SigmaClip, sigma_clipped_stats
from astropy.table import QTable
from photutils.background import Background2D, MADStdBackgroundRMS, MedianBackground
from photutils.segmentation import detect_sources
from photutils.utils import circular_footprint
from scipy import ndimage

from ..mosaic import Mosaic
from ..stats import survey_area
from ..exceptions import InvalidParameterError

__all__ = ['source_mask', 'noise_autocorrelation', 'negative_tail_fraction', 'rms_variation',
           'integral_counts', 'DIRECTIONS']

#: Pixel steps ``(dy, dx)`` of the directions of `noise_autocorrelation`.
DIRECTIONS = {'x': (0, 1), 'y': (1, 0), 'diagonal': (1, 1), 'antidiagonal': (1, -1)}


def _image(image):
    """The pixel array (float64) of a Mosaic, NDData, Quantity or array."""
    data = image.data if isinstance(image, Mosaic) or hasattr(image, 'wcs') else image
    data = np.asarray(getattr(data, 'value', data), float)
    if data.ndim != 2:
        raise InvalidParameterError(f'expected a 2-D image, got an array of shape {data.shape}.')
    if not np.isfinite(data).any():
        raise InvalidParameterError('the image has no finite pixel.')
    return data


def _global_rms(data, mask=None):
    values = data[np.isfinite(data) & (True if mask is None else ~mask)]
    if values.size < 10:
        raise InvalidParameterError('too few unmasked finite pixels to measure the noise.')
    return sigma_clipped_stats(values, sigma=3.0, maxiters=10, stdfunc='mad_std')


def _mask_argument(mask, shape):
    if mask is None:
        return np.zeros(shape, bool)
    mask = np.asarray(mask, bool)
    if mask.shape != shape:
        raise InvalidParameterError(f'mask shape {mask.shape} differs from image shape {shape}.')
    return mask


def source_mask(image, *, nsigma=3.0, n_pixels=5, radius=4, bright_nsigma=50.0,
                bright_radius=100):
    """Pixels to leave out when measuring noise: sources, their edges, bright-source fields.

    Islands of at least ``n_pixels`` connected pixels above ``nsigma``
    times the global (sigma-clipped) rms are found with
    `photutils.segmentation.detect_sources` and grown by a disc of
    ``radius`` pixels; islands peaking above ``bright_nsigma`` times the
    rms mask a disc of ``bright_radius`` pixels around their peak (where
    calibration artifacts live). NaN pixels are masked too.

    Parameters
    ----------
    image : `~lotss_tools.Mosaic` or array-like
    nsigma : float
        Detection threshold in units of the rms.
    n_pixels : int
        Minimum island size.
    radius : int
        Dilation of the islands, pixels.
    bright_nsigma : float
        Peak (in units of the rms) above which an island is a bright source.
    bright_radius : int
        Radius of the disc masked around a bright source, pixels.

    Returns
    -------
    mask : `numpy.ndarray` of bool
        True where a pixel should be left out.

    Examples
    --------
    >>> from lotss_tools import Mosaic
    >>> from lotss_tools.datasets import get_path
    >>> from lotss_tools.validation import source_mask
    >>> mask = source_mask(Mosaic.read(get_path('lotss-cutout')))
    >>> bool(0.01 < mask.mean() < 0.2)
    True
    """
    data = _image(image)
    finite = np.isfinite(data)
    _, median, std = _global_rms(data)
    filled = np.where(finite, data - median, 0.0)
    segments = detect_sources(filled, nsigma * std, n_pixels=n_pixels)
    mask = ~finite
    if segments is None:
        return mask
    mask |= segments.make_source_mask(footprint=circular_footprint(radius) if radius else None)
    peaks = ndimage.maximum(filled, segments.data, segments.labels)
    bright = segments.labels[np.asarray(peaks) > bright_nsigma * std]
    if bright.size:
        centres = ndimage.maximum_position(filled, segments.data, bright)
        yy, xx = np.ogrid[:data.shape[0], :data.shape[1]]
        for cy, cx in centres:
            y0, y1 = max(cy - bright_radius, 0), cy + bright_radius + 1
            x0, x1 = max(cx - bright_radius, 0), cx + bright_radius + 1
            mask[y0:y1, x0:x1] |= ((yy[y0:y1] - cy) ** 2 + (xx[:, x0:x1] - cx) ** 2
                                   <= bright_radius ** 2)
    return mask


def noise_autocorrelation(image, lags=(1, 2, 4), *, mask=None, rms=None,
                          directions=tuple(DIRECTIONS)):
    """Autocorrelation of the noise at pixel lags along x, y and the diagonals.

    The correlation coefficient between the pixels and their neighbours
    ``lag`` steps away, over the pairs where neither pixel is masked or NaN:
    ``sum(a b) / (n var)`` with ``a``, ``b`` the pixel values minus the
    mean of the unmasked pixels, ``var`` their variance. A step along a
    diagonal is one pixel in x and one in y (a distance of sqrt(2) pixels);
    ``'diagonal'`` goes up-right (+x, +y), ``'antidiagonal'`` up-left.

    Parameters
    ----------
    image : `~lotss_tools.Mosaic` or array-like
    lags : sequence of int
        Lags in steps (positive).
    mask : array-like of bool, optional
        True for pixels to leave out, e.g. `source_mask`.
    rms : float or array-like, optional
        Noise level (scalar or map); the image is divided by it first, so
        that a varying noise level does not weight some regions more.
    directions : sequence of str
        Any of ``'x'``, ``'y'``, ``'diagonal'``, ``'antidiagonal'``.

    Returns
    -------
    table : `~astropy.table.QTable`
        One row per direction and lag: ``direction``, ``lag`` (steps),
        ``separation`` (pixels), ``autocorrelation``, ``n_pairs``.

    Raises
    ------
    ValueError
        For unknown directions, non-positive lags or too few pixels.

    Examples
    --------
    >>> from lotss_tools import Mosaic
    >>> from lotss_tools.datasets import get_path
    >>> from lotss_tools.validation import noise_autocorrelation, source_mask
    >>> cutout = Mosaic.read(get_path('lotss-cutout'))
    >>> acf = noise_autocorrelation(cutout, lags=[1, 2], mask=source_mask(cutout),
    ...                             directions=['x', 'y'])
    >>> acf['autocorrelation'].round(2).tolist()    # real LoTSS noise: longer along x
    [0.92, 0.72, 0.81, 0.46]
    """
    data = _image(image)
    if rms is not None:
        data = data / np.asarray(rms, float)
    bad = _mask_argument(mask, data.shape) | ~np.isfinite(data)
    lags = [int(k) for k in np.atleast_1d(lags)]
    if any(k <= 0 for k in lags):
        raise InvalidParameterError(f'lags must be positive integers, not {lags}.')
    unknown = [d for d in directions if d not in DIRECTIONS]
    if unknown:
        raise InvalidParameterError(
            f'unknown directions {unknown}; choose from {list(DIRECTIONS)}.')
    good = data[~bad]
    if good.size < 100:
        raise InvalidParameterError('too few unmasked pixels to measure an autocorrelation.')
    centred = np.where(bad, 0.0, data - good.mean())
    valid = (~bad).astype(float)
    variance = float(np.mean((good - good.mean()) ** 2))
    ny, nx = data.shape
    rows = []
    for name in directions:
        sy, sx = DIRECTIONS[name]
        for k in lags:
            dy, dx = sy * k, sx * k
            a = (slice(0, ny - dy), slice(max(0, -dx), nx - max(0, dx)))
            b = (slice(dy, ny), slice(max(0, dx), nx - max(0, -dx)))
            pairs = float(np.sum(valid[a] * valid[b]))
            value = float(np.sum(centred[a] * centred[b]) / (pairs * variance)) if pairs else np.nan
            rows.append((name, k, float(np.hypot(dy, dx)), value, int(pairs)))
    table = QTable(rows=rows, names=['direction', 'lag', 'separation', 'autocorrelation',
                                     'n_pairs'])
    table['separation'].unit = u.pix
    for name, text in (('direction', 'direction of the lag (x, y, diagonal, antidiagonal)'),
                       ('lag', 'lag in steps along the direction'),
                       ('separation', 'distance between the two pixels'),
                       ('autocorrelation', 'correlation coefficient of the pixel pairs'),
                       ('n_pairs', 'number of unmasked pixel pairs')):
        table[name].info.description = text
    return table


def _local_rms_map(data, mask, box_size):
    try:
        return Background2D(data, box_size, mask=mask | ~np.isfinite(data),
                            sigma_clip=SigmaClip(sigma=3.0), bkg_estimator=MedianBackground(),
                            bkg_rms_estimator=MADStdBackgroundRMS(), exclude_percentile=50.0)
    except ValueError as exc:
        raise InvalidParameterError(
            f'cannot map the rms in boxes of {box_size} pixels: too few unmasked pixels '
            f'({exc}).') from exc


def negative_tail_fraction(image, nsigma=4.0, *, mask=None, rms=None, box_size=None):
    """Fraction of the unmasked pixels below ``-nsigma`` times the noise.

    For Gaussian noise this is ``scipy.stats.norm.cdf(-nsigma)`` (3.2e-5 at
    4 sigma); a larger value means a heavier negative tail: artifacts, or a
    noise level that varies more than the sigma used.

    Parameters
    ----------
    image : `~lotss_tools.Mosaic` or array-like
    nsigma : float
        Threshold, in units of the noise.
    mask : array-like of bool, optional
        Pixels to leave out (e.g. `source_mask`).
    rms : float or array-like, optional
        The noise (scalar or map). Default: a local rms map from
        `photutils.background.Background2D` with boxes of ``box_size``
        pixels when ``box_size`` is given, otherwise the global
        sigma-clipped rms of the unmasked pixels.
    box_size : int, optional
        Box size of the local rms map.

    Returns
    -------
    fraction : float

    Examples
    --------
    >>> from lotss_tools import Mosaic
    >>> from lotss_tools.datasets import get_path
    >>> from lotss_tools.validation import negative_tail_fraction, source_mask
    >>> cutout = Mosaic.read(get_path('lotss-cutout'))
    >>> float(negative_tail_fraction(cutout, mask=source_mask(cutout))) < 1e-4
    True
    """
    data = _image(image)
    bad = _mask_argument(mask, data.shape) | ~np.isfinite(data)
    if rms is None and box_size is not None:
        background = _local_rms_map(data, bad, box_size)
        level, sigma = background.background, background.background_rms
    else:
        _, level, sigma = _global_rms(data, bad)
        sigma = sigma if rms is None else np.asarray(rms, float)
    if nsigma <= 0:
        raise InvalidParameterError(f'nsigma must be positive, not {nsigma}.')
    z = (data - level) / sigma
    z = np.broadcast_to(z, data.shape)[~bad]
    return float(np.mean(z < -nsigma)) if z.size else np.nan


def rms_variation(image, box_size=128, *, mask=None):
    """How much the noise level varies across an image.

    The rms is measured in boxes of ``box_size`` pixels
    (`photutils.background.Background2D`, sigma-clipped median absolute
    deviation), after leaving out masked pixels.

    Parameters
    ----------
    image : `~lotss_tools.Mosaic` or array-like
    box_size : int
        Box size in pixels (128 pixels = 3.2 arcmin at 1.5 arcsec).
    mask : array-like of bool, optional
        Pixels to leave out (e.g. `source_mask`).

    Returns
    -------
    table : `~astropy.table.QTable`
        One row: ``median_rms``, ``min_rms``, ``max_rms`` (in the image's
        unit for a Mosaic, else plain), ``ratio`` (``max_rms / min_rms``)
        and ``n_boxes``.

    Examples
    --------
    >>> from lotss_tools.validation import rms_variation, simulate_interferometer_sky
    >>> mosaic, truth = simulate_interferometer_sky((512, 512), seed=2, rms_variation=1.5)
    >>> 1.0 < float(rms_variation(mosaic)['ratio'][0]) < 1.6
    True
    """
    data = _image(image)
    bad = _mask_argument(mask, data.shape) | ~np.isfinite(data)
    mesh = np.asarray(_local_rms_map(data, bad, box_size).background_rms_mesh, float)
    mesh = mesh[np.isfinite(mesh) & (mesh > 0)]
    if mesh.size == 0:
        raise InvalidParameterError('no box has enough unmasked pixels to measure the rms.')
    unit = image.unit if isinstance(image, Mosaic) else 1
    table = QTable([[np.median(mesh)] * unit, [mesh.min()] * unit, [mesh.max()] * unit,
                    [mesh.max() / mesh.min()], [mesh.size]],
                   names=['median_rms', 'min_rms', 'max_rms', 'ratio', 'n_boxes'])
    for name, text in (('median_rms', 'median of the box rms'),
                       ('min_rms', 'lowest box rms'), ('max_rms', 'highest box rms'),
                       ('ratio', 'max_rms / min_rms'), ('n_boxes', 'number of boxes used')):
        table[name].info.description = text
    return table


def integral_counts(catalog, area, fluxes=(1, 10, 100) * u.mJy, *,
                              flux_column='total_flux', group_column=None):
    """Number of sources per deg^2 brighter than given fluxes, N(>S), in a catalogue.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        A catalogue or a truth table with a flux column.
    area : `~astropy.units.Quantity` or `~lotss_tools.Mosaic`
        The area it covers (anything `~lotss_tools.stats.survey_area` takes).
    fluxes : `~astropy.units.Quantity`
        Flux limits.
    flux_column : str
        Column of flux densities (plain numbers: mJy).
    group_column : str, optional
        Column of source ids shared by the components of a source (the
        ``group`` column of a truth from `simulate_interferometer_sky`):
        components are summed into sources before counting.

    Returns
    -------
    table : `~astropy.table.QTable`
        One row per flux: ``flux`` (mJy), ``n_sources``, ``density``
        (deg**-2) and its Poisson error ``density_error``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.validation import integral_counts
    >>> table = QTable({'total_flux': [0.5, 2.0, 20.0, 200.0] * u.mJy})
    >>> integral_counts(table, 0.5 * u.deg ** 2)['density'].value.tolist()
    [6.0, 4.0, 2.0]
    """
    if flux_column not in catalog.colnames:
        raise InvalidParameterError(f'the catalogue has no {flux_column!r} column.')
    flux = u.Quantity(catalog[flux_column], u.mJy).value
    if group_column is not None:
        if group_column not in catalog.colnames:
            raise InvalidParameterError(f'the catalogue has no {group_column!r} column.')
        _, inverse = np.unique(np.asarray(catalog[group_column]), return_inverse=True)
        flux = np.bincount(inverse, np.nan_to_num(flux))
    area_deg2 = survey_area(area).to_value(u.deg ** 2)
    if area_deg2 <= 0:
        raise InvalidParameterError('the area must be positive.')
    limits = np.atleast_1d(u.Quantity(fluxes, u.mJy).value)
    n = np.array([np.count_nonzero(flux > s) for s in limits])
    table = QTable([limits * u.mJy, n, n / area_deg2 / u.deg ** 2,
                    np.sqrt(n) / area_deg2 / u.deg ** 2],
                   names=['flux', 'n_sources', 'density', 'density_error'])
    for name, text in (('flux', 'flux density limit'), ('n_sources', 'sources brighter'),
                       ('density', 'sources brighter per unit area, N(>S)'),
                       ('density_error', 'Poisson error of density')):
        table[name].info.description = text
    return table
