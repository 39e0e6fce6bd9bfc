"""Vectorised measurement of labelled structures: positions, fluxes, shapes.

All sums are `numpy.bincount` over the labelled pixels, so measuring tens of
thousands of structures costs a few passes over their pixels.
"""

import numpy as np
from astropy import units as u

__all__ = ['measure_structures', 'sky_position_angle']

#: FWHM of a Gaussian in units of its standard deviation.
SIGMA_TO_FWHM = 2.0 * np.sqrt(2.0 * np.log(2.0))
#: Largest boundary/peak ratio for which the Gaussian truncation correction is applied.
_MAX_TRUNCATION = 0.8


def _truncation_factors(boundary_fraction):
    """Flux and variance corrections for a 2-D Gaussian cut at ``f`` x peak.

    A Gaussian summed over the region where it exceeds ``f`` times its peak
    holds ``1 - f`` of its flux, and its second moment along each axis is
    ``sigma**2 * (1 - f ln(1/f) / (1 - f))``.
    """
    f = np.clip(boundary_fraction, 1e-6, _MAX_TRUNCATION)
    flux = 1.0 / (1.0 - f)
    variance = 1.0 / (1.0 - f * np.log(1.0 / f) / (1.0 - f))
    return flux, variance


def sky_position_angle(wcs, x, y, pixel_angle):
    """Turn angles measured from the pixel +x axis into position angles east of north.

    Parameters
    ----------
    wcs : `~astropy.wcs.WCS`
    x, y : array-like
        Pixel positions.
    pixel_angle : array-like
        Angle (radians) of the axis from +x, counter-clockwise.

    Returns
    -------
    pa : `~astropy.units.Quantity`
        In degrees, in [0, 180).
    """
    x, y = np.atleast_1d(x).astype(float), np.atleast_1d(y).astype(float)
    sky = wcs.pixel_to_world(x, y)
    step = 1.0 * u.arcsec
    north = sky.directional_offset_by(0 * u.deg, step)
    east = sky.directional_offset_by(90 * u.deg, step)
    xn, yn = wcs.world_to_pixel(north)
    xe, ye = wcs.world_to_pixel(east)
    vn = np.stack([xn - x, yn - y])
    ve = np.stack([xe - x, ye - y])
    vn /= np.hypot(*vn)
    ve /= np.hypot(*ve)
    axis = np.stack([np.cos(pixel_angle), np.sin(pixel_angle)])
    pa = np.degrees(np.arctan2((axis * ve).sum(0), (axis * vn).sum(0))) % 180.0
    return pa * u.deg


def measure_structures(values, labels, *, gaussian_correction=True):
    """Moments of every labelled structure of an image.

    Parameters
    ----------
    values : `~numpy.ndarray`
        Background-subtracted image (any unit; results are in that unit).
    labels : `~numpy.ndarray` of int
        0 for background, ``1..n`` for the structures.
    gaussian_correction : bool
        Correct the flux and second moments for the part of a Gaussian
        source below the structure's lowest pixel (see Notes).

    Returns
    -------
    result : dict of `~numpy.ndarray`
        ``label``, ``npix``, ``sum``, ``flux`` (sum, corrected), ``x``,
        ``y`` (flux-weighted centroid), ``peak``, ``peak_x``, ``peak_y``,
        ``vmin``, ``sigma_major``, ``sigma_minor`` (pixels, corrected),
        ``theta`` (radians from +x), one entry per label present.

    Notes
    -----
    A dendrogram structure holds only the pixels above its boundary level, so
    its raw pixel sum and second moments underestimate the flux and size of a
    Gaussian source (by 25 % and 36 % for a boundary at a quarter of the
    peak). With ``gaussian_correction`` the sum is divided by ``1 - f`` and
    the variances by ``1 - f ln(1/f) / (1 - f)``, where ``f`` is the
    structure's lowest value over its peak (capped at 0.8), which is exact for
    Gaussian sources.
    """
    ny, nx = labels.shape
    flat_labels = labels.ravel()
    pixels = np.flatnonzero(flat_labels > 0)
    present = np.unique(flat_labels[pixels])
    # Compact label indices 0..m-1 for the labels present.
    compact = np.searchsorted(present, flat_labels[pixels])
    v = values.ravel()[pixels].astype(float)
    py, px = np.divmod(pixels, nx)
    m = present.size
    npix = np.bincount(compact, minlength=m)
    w = np.clip(v, 0, None)
    s0 = np.bincount(compact, w, m)
    s0 = np.where(s0 > 0, s0, np.nan)
    xc = np.bincount(compact, w * px, m) / s0
    yc = np.bincount(compact, w * py, m) / s0
    cxx = np.bincount(compact, w * px * px, m) / s0 - xc ** 2
    cyy = np.bincount(compact, w * py * py, m) / s0 - yc ** 2
    cxy = np.bincount(compact, w * px * py, m) / s0 - xc * yc
    half_trace = 0.5 * (cxx + cyy)
    root = np.sqrt(np.maximum((0.5 * (cxx - cyy)) ** 2 + cxy ** 2, 0))
    var_major = np.maximum(half_trace + root, 0)
    var_minor = np.maximum(half_trace - root, 0)
    theta = 0.5 * np.arctan2(2 * cxy, cxx - cyy)

    order = np.lexsort((v, compact))
    ends = np.cumsum(npix) - 1
    starts = ends - npix + 1
    peak_at = order[ends]
    peak = v[peak_at]
    vmin = v[order[starts]]
    total = np.bincount(compact, v, m)
    if gaussian_correction:
        flux_factor, var_factor = _truncation_factors(np.where(peak > 0, vmin / peak, 1.0))
        flux = total * flux_factor
        var_major, var_minor = var_major * var_factor, var_minor * var_factor
    else:
        flux = total
    return {'label': present, 'npix': npix, 'sum': total, 'flux': flux, 'x': xc, 'y': yc,
            'peak': peak, 'peak_x': px[peak_at], 'peak_y': py[peak_at], 'vmin': vmin,
            'sigma_major': np.sqrt(var_major), 'sigma_minor': np.sqrt(var_minor), 'theta': theta}
