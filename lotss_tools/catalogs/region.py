"""The sky region of a catalogue query: a cone, or the footprint of a mosaic."""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from ..footprint import Footprint
from ..mosaic import Mosaic
from ..schema import catalog_coordinates

__all__ = ['query_cone', 'mosaic_cone', 'select_region']


def mosaic_cone(mosaic):
    """Centre and radius of a circle containing every finite pixel of a mosaic.

    The circle is centred on the bounding box of the footprint (finite,
    unmasked pixels) and reaches its farthest corner plus one pixel.

    Returns
    -------
    center : `~astropy.coordinates.SkyCoord`
    radius : `~astropy.units.Quantity` (arcsec)
    """
    footprint = mosaic.footprint
    rows = np.flatnonzero(footprint.any(axis=1))
    cols = np.flatnonzero(footprint.any(axis=0))
    y0, y1 = rows[0] - 0.5, rows[-1] + 0.5
    x0, x1 = cols[0] - 0.5, cols[-1] + 0.5
    xc, yc = (x0 + x1) / 2, (y0 + y1) / 2
    center = mosaic.wcs.pixel_to_world(xc, yc)
    xs = np.array([x0, x1, x1, x0, xc, x1, xc, x0])
    ys = np.array([y0, y0, y1, y1, y0, yc, y1, yc])
    edges = mosaic.wcs.pixel_to_world(xs, ys)
    pixel = mosaic.pixel_scale * u.pix
    radius = center.separation(edges).max().to(u.arcsec) + 1.5 * pixel.to(u.arcsec)
    return SkyCoord(center.icrs.ra, center.icrs.dec, frame='icrs'), radius


def query_cone(target, radius=None):
    """Cone to query for a target: ``(center, radius, mosaic_or_None)``.

    Parameters
    ----------
    target : `~astropy.coordinates.SkyCoord` or `~lotss_tools.Mosaic`
        A scalar position (then ``radius`` is needed) or a mosaic (then the
        circle around its footprint is queried and ``radius`` must be None).
    radius : `~astropy.units.Quantity`, optional

    Raises
    ------
    TypeError, ValueError
        For any other kind of target or a missing, negative or non-angular radius.
    """
    if isinstance(target, Mosaic):
        if radius is not None:
            raise ValueError('radius must be None when the target is a Mosaic: the circle '
                             'around its footprint is queried and the answer cut to it.')
        center, radius = mosaic_cone(target)
        return center, radius, target
    if not isinstance(target, SkyCoord):
        raise TypeError(f'target must be a SkyCoord or a Mosaic, not {type(target).__name__}.')
    if not target.isscalar:
        raise ValueError(f'target must be one position, not {len(target)}; query a Mosaic '
                         'or a cone containing them.')
    if radius is None:
        raise ValueError('a radius is needed with a SkyCoord target (e.g. 10 * u.arcmin).')
    try:
        radius = u.Quantity(radius).to(u.arcsec)
    except u.UnitConversionError as err:
        raise ValueError(f'radius must be an angle, not {radius!r}.') from err
    if not np.isfinite(radius.value) or radius.value <= 0:
        raise ValueError(f'radius must be positive, not {radius}.')
    return SkyCoord(target.icrs.ra, target.icrs.dec, frame='icrs'), radius, None


def select_region(table, center, radius, mosaic=None):
    """Rows of a catalogue inside a cone and, if given, a mosaic's footprint.

    A row is inside the footprint when the pixel it falls on is finite and
    unmasked. ``radius=None`` skips the cone cut.

    Returns
    -------
    selected : `~astropy.table.Table`
        A copy with the selected rows (metadata kept).
    """
    if len(table) == 0:
        return table.copy()
    coords = catalog_coordinates(table)
    keep = np.ones(len(table), bool)
    if radius is not None:
        keep &= coords.separation(center) <= radius
    if mosaic is not None:
        keep &= Footprint.from_image(mosaic).contains(coords)
    return table[keep]
