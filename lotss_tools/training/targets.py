"""Target boxes from source ellipses, their table, and the YOLO-style layout.

A catalogue source is an ellipse on the sky: FWHM ``major_fwhm`` and
``minor_fwhm`` and a position angle ``pa`` east of north. Its box is the
axis-aligned bounding box, in pixels, of that ellipse (scaled by
``box_scale``) drawn around the source position. The ellipse is mapped to
pixels with the local WCS: the pixel displacements of small steps towards
north and east at the source give the directions (and lengths) of north and
east in the image, which is the inverse of what
`lotss_tools.extraction.measure.sky_position_angle` does.
"""

import numpy as np
from astropy import units as u

__all__ = ['ellipse_bounding_boxes', 'BOX_COLUMNS', 'YOLO_COLUMNS', 'yolo_targets']

#: name -> (unit or None, description) of the columns of a training-set box table.
BOX_COLUMNS = {
    'patch': (None, 'index of the patch (first axis of the patch array)'),
    'label': (None, "confidence label: 'both' (catalogue and reference agree), 'catalog_only', "
                    "'reference_only', or 'unverified' when no reference was given"),
    'catalog_index': (None, 'row of the source in the catalogue, -1 for reference-only boxes'),
    'reference_index': (None, 'row of the matched reference source, -1 if none'),
    'x': (None, 'source centre x in patch pixels (pixel centres at integers)'),
    'y': (None, 'source centre y in patch pixels (pixel centres at integers)'),
    'xmin': (None, 'left edge of the box in patch pixels, clipped to the valid region'),
    'ymin': (None, 'bottom edge of the box in patch pixels, clipped to the valid region'),
    'xmax': (None, 'right edge of the box in patch pixels, clipped to the valid region'),
    'ymax': (None, 'top edge of the box in patch pixels, clipped to the valid region'),
    'box_fraction': (None, 'fraction of the unclipped box area inside the patch valid region'),
    'clipped': (None, 'True if the box was cut by the edge of the valid region'),
    'ra': (u.deg, 'right ascension of the source (ICRS)'),
    'dec': (u.deg, 'declination of the source (ICRS)'),
    'total_flux': (u.mJy, 'integrated flux density of the source'),
    'major_fwhm': (u.arcsec, 'major-axis FWHM used for the box (convolved with the beam)'),
    'minor_fwhm': (u.arcsec, 'minor-axis FWHM used for the box (convolved with the beam)'),
    'pa': (u.deg, 'position angle of the major axis, east of north'),
}

#: The per-object layout of YOLO-style radio detectors, in this order.
YOLO_COLUMNS = ('xmin', 'ymin', 'xmax', 'ymax', 'total_flux', 'major_fwhm', 'minor_fwhm',
                'cos_pa', 'sin_pa_scaled')


def ellipse_bounding_boxes(coords, major_fwhm, minor_fwhm, pa, wcs, scale=1.0):
    """Pixel bounding boxes of source ellipses given on the sky.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
        Source positions (n).
    major_fwhm, minor_fwhm : `~astropy.units.Quantity`
        Full widths at half maximum (angles), one per source.
    pa : `~astropy.units.Quantity`
        Position angles of the major axes, east of north.
    wcs : `~astropy.wcs.WCS`
        The pixel grid of the boxes.
    scale : float
        The box bounds the ellipse whose full axes are ``scale`` times the
        FWHM (1: the half-maximum contour of a Gaussian source).

    Returns
    -------
    x, y : `~numpy.ndarray`
        Source positions in pixels (0-based, pixel centres at integers).
    boxes : `~numpy.ndarray`, shape (n, 4)
        ``(xmin, ymin, xmax, ymax)`` in pixels.

    Notes
    -----
    With ``J`` the local Jacobian (pixels per arcsec along east and north),
    the ellipse's semi-axis vectors in pixels are ``u = J (a sin PA, a cos
    PA)`` and ``v = J (b cos PA, -b sin PA)`` (``a``, ``b`` half of the
    scaled FWHMs), and its bounding box has half-width ``hypot(u_x, v_x)``
    and half-height ``hypot(u_y, v_y)``. This is exact for any linear
    pixel mapping, including rotated or skewed ones.

    Examples
    --------
    A source elongated north-south (PA 0) on a north-up grid of 1.5 arcsec
    pixels: its box is 4 pixels wide and 8 pixels tall.

    >>> import astropy.units as u
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, _ = simulate_mosaic((64, 64), seed=0)
    >>> x, y, boxes = ellipse_bounding_boxes(mosaic.center, [12] * u.arcsec,
    ...                                      [6] * u.arcsec, [0] * u.deg, mosaic.wcs)
    >>> (boxes[:, 2:] - boxes[:, :2]).round(3)
    array([[4., 8.]])
    """
    major = np.atleast_1d(u.Quantity(major_fwhm, u.arcsec).value)
    minor = np.atleast_1d(u.Quantity(minor_fwhm, u.arcsec).value)
    theta = np.atleast_1d(u.Quantity(pa, u.deg).to_value(u.rad))
    coords = coords.reshape((1,)) if coords.isscalar else coords
    x, y = (np.atleast_1d(np.asarray(v, float)) for v in wcs.world_to_pixel(coords))
    if len(coords) == 0:
        return x, y, np.zeros((0, 4))
    step = 1.0 * u.arcsec
    xn, yn = wcs.world_to_pixel(coords.directional_offset_by(0 * u.deg, step))
    xe, ye = wcs.world_to_pixel(coords.directional_offset_by(90 * u.deg, step))
    north = np.stack([xn - x, yn - y])      # pixels per arcsec towards north
    east = np.stack([xe - x, ye - y])       # pixels per arcsec towards east
    a, b = 0.5 * scale * major, 0.5 * scale * minor
    s, c = np.sin(theta), np.cos(theta)
    major_axis = a * (s * east + c * north)
    minor_axis = b * (c * east - s * north)
    half = np.hypot(major_axis, minor_axis)   # (half-width, half-height)
    boxes = np.column_stack([x - half[0], y - half[1], x + half[0], y + half[1]])
    return x, y, boxes


def yolo_targets(boxes, n_patches, max_objects=None):
    """Targets in the per-object layout of YOLO-style radio source detectors.

    Each object is ``xmin, ymin, xmax, ymax`` (patch pixels, pixel centres
    at integers so a patch spans -0.5 to ``patch_size - 0.5``), total flux
    (mJy), major and minor FWHM (arcsec), ``cos(PA)`` and ``(sin(PA) + 1) /
    2`` (PA east of north), the order of `YOLO_COLUMNS`.

    Parameters
    ----------
    boxes : `~astropy.table.QTable`
        A box table (`BOX_COLUMNS`), e.g. ``TrainingSet.boxes``.
    n_patches : int
        Number of patches.
    max_objects : int, optional
        Rows per patch; default the largest number of boxes in a patch.
        Patches with more boxes keep the first ``max_objects``.

    Returns
    -------
    targets : `~numpy.ndarray` of float32, shape (n_patches, max_objects, 9)
        Unused rows are 0.
    counts : `~numpy.ndarray` of int, shape (n_patches,)
        Number of objects written for each patch.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> boxes = QTable({'patch': [1], 'xmin': [10.0], 'ymin': [20.0], 'xmax': [14.0],
    ...                 'ymax': [26.0], 'total_flux': [3.0] * u.mJy,
    ...                 'major_fwhm': [9.0] * u.arcsec, 'minor_fwhm': [6.0] * u.arcsec,
    ...                 'pa': [90.0] * u.deg})
    >>> targets, counts = yolo_targets(boxes, n_patches=2)
    >>> counts.tolist(), targets[1, 0].round(3).tolist()
    ([0, 1], [10.0, 20.0, 14.0, 26.0, 3.0, 9.0, 6.0, 0.0, 1.0])
    """
    patch = np.asarray(boxes['patch'], int)
    if patch.size and (patch.min() < 0 or patch.max() >= n_patches):
        raise ValueError(f'box patch indices run to {patch.max()}, beyond n_patches={n_patches}.')
    counts_all = np.bincount(patch, minlength=n_patches)
    if max_objects is None:
        max_objects = int(counts_all.max()) if n_patches else 0
    theta = u.Quantity(boxes['pa'], u.deg).to_value(u.rad)
    rows = np.column_stack([
        np.asarray(boxes['xmin'], float), np.asarray(boxes['ymin'], float),
        np.asarray(boxes['xmax'], float), np.asarray(boxes['ymax'], float),
        u.Quantity(boxes['total_flux'], u.mJy).value,
        u.Quantity(boxes['major_fwhm'], u.arcsec).value,
        u.Quantity(boxes['minor_fwhm'], u.arcsec).value,
        np.cos(theta), (np.sin(theta) + 1.0) / 2.0]) if len(patch) else np.zeros((0, 9))
    targets = np.zeros((n_patches, max_objects, len(YOLO_COLUMNS)), np.float32)
    order = np.argsort(patch, kind='stable')
    rank = np.arange(patch.size) - np.searchsorted(patch[order], patch[order])
    ok = rank < max_objects
    targets[patch[order][ok], rank[ok]] = rows[order][ok]
    return targets, np.minimum(counts_all, max_objects)
