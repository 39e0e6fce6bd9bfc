"""The sky area a catalogue covers, which turns numbers of sources into densities."""

import numpy as np
from astropy import units as u
from astropy.table import Table
from astropy.wcs.utils import proj_plane_pixel_area

from ..mosaic import Mosaic

__all__ = ['cone_area', 'survey_area']


def cone_area(radius):
    """Solid angle of a cone (a spherical cap) of a given radius.

    Parameters
    ----------
    radius : `~astropy.units.Quantity`
        Angular radius, between 0 and 180 deg.

    Returns
    -------
    area : `~astropy.units.Quantity`
        ``2 pi (1 - cos radius)`` in deg**2.

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.stats import cone_area
    >>> cone_area(0.5 * u.deg).round(4)
    <Quantity 0.7854 deg2>
    """
    try:
        radius = u.Quantity(radius).to(u.rad)
    except u.UnitsError as err:
        raise u.UnitsError(f'cone_area needs an angle, not {radius!r}.') from err
    if np.any(radius < 0) or np.any(radius > np.pi * u.rad):
        raise ValueError(f'cone_area: the radius must be between 0 and 180 deg, not {radius}.')
    return (2 * np.pi * (1 - np.cos(radius.value)) * u.sr).to(u.deg ** 2)


def survey_area(region):
    """The sky area covered by a mosaic, a cone query or a given solid angle.

    Parameters
    ----------
    region : `~astropy.units.Quantity`, `~lotss_tools.Mosaic` or `~astropy.table.Table`
        A solid angle (returned in deg**2); a mosaic (the area of its valid
        pixels: ``footprint.sum()`` times the pixel area at the reference
        pixel); or a catalogue whose ``meta['provenance']`` records the cone
        it was queried in (``query_radius_arcsec``, as written by
        `~lotss_tools.catalogs.get_lotss_dr2` for VizieR queries) and that
        was not cut to a mosaic footprint.

    Returns
    -------
    area : `~astropy.units.Quantity`
        In deg**2.

    Raises
    ------
    ValueError
        If the area cannot be told: an angle instead of a solid angle, or a
        catalogue whose provenance records no query cone.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.stats import survey_area
    >>> mosaic, truth = simulate_mosaic((400, 400), seed=1, holes=False, blank_edges=False)
    >>> survey_area(mosaic).round(4)   # 400 x 400 pixels of 1.5 arcsec
    <Quantity 0.0278 deg2>
    """
    if isinstance(region, u.Quantity):
        if region.unit.is_equivalent(u.sr):
            if np.any(region < 0):
                raise ValueError(f'survey_area: a negative area ({region}).')
            return region.to(u.deg ** 2)
        if region.unit.is_equivalent(u.deg):
            raise ValueError(f'survey_area: {region} is an angle, not an area; for a cone of '
                             f'that radius use lotss_tools.stats.cone_area(radius).')
        raise ValueError(f'survey_area: {region} is not a solid angle (deg**2 or sr).')
    if isinstance(region, Mosaic):
        pixel = proj_plane_pixel_area(region.wcs) * u.deg ** 2
        return (int(np.count_nonzero(region.footprint)) * pixel).to(u.deg ** 2)
    if isinstance(region, Table):
        provenance = region.meta.get('provenance', {}) or {}
        radius = provenance.get('query_radius_arcsec')
        selection = str(provenance.get('selection', ''))
        if radius is not None and 'mosaic' not in selection:
            return cone_area(float(radius) * u.arcsec)
        why = ('it was cut to a mosaic footprint (pass the Mosaic)' if 'mosaic' in selection
               else 'its provenance records no query cone')
        raise ValueError(f'survey_area: cannot tell the area this catalogue covers: {why}. '
                         f'Pass area= as a solid angle, cone_area(radius) or the Mosaic.')
    raise TypeError(f'survey_area: expected a solid angle, a Mosaic or a catalogue, '
                    f'not {type(region).__name__}.')
