"""Optical and infrared surveys used to confirm radio candidates: AllWISE, DESI Legacy."""

from .columns import ALLWISE, DESI_LEGACY_NORTH
from .vizier import query_vizier

__all__ = ['get_allwise', 'get_desi_legacy']


def get_allwise(target, radius=None, *, cache=True, refresh=False, timeout=None, pinned=None):
    """AllWISE sources (VizieR ``II/328/allwise``) in a cone or a mosaic footprint.

    Parameters
    ----------
    target : `~astropy.coordinates.SkyCoord` or `~lotss_tools.Mosaic`
        A position (with ``radius``) or a mosaic (its footprint).
    radius : `~astropy.units.Quantity`, optional
    cache, refresh : bool
        Use and fill the on-disk cache; query again even if cached.
    timeout : float, optional
        Seconds allowed for the whole request (default
        ``lotss_tools.conf.conf.timeout``).
    pinned : str or `os.PathLike`, optional
        A catalogue file to use instead of the network (see
        `~lotss_tools.catalogs.query_vizier` for how it is verified and
        labelled).

    Returns
    -------
    catalog : `~astropy.table.QTable`
        ``source_name`` (the AllWISE designation), ``ra``, ``dec`` (deg),
        ``sky_centroid`` and every other column VizieR returned (its default
        set: magnitudes, flags), with ``meta['provenance']``.

    Raises
    ------
    lotss_tools.catalogs.VizierError

    Examples
    --------
    >>> import os, tempfile
    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> from astropy.table import Table
    >>> path = os.path.join(tempfile.mkdtemp(), 'allwise.ecsv')
    >>> Table({'AllWISE': ['J132000.00+450000.0'], 'RAJ2000': [200.0], 'DEJ2000': [45.0]},
    ...       units={'RAJ2000': 'deg', 'DEJ2000': 'deg'}).write(path)
    >>> wise = get_allwise(SkyCoord(200.0, 45.0, unit='deg'), 1 * u.arcmin, pinned=path)
    >>> str(wise['source_name'][0]), wise['ra'].unit
    ('J132000.00+450000.0', Unit("deg"))
    """
    return query_vizier(ALLWISE, target, radius, cache=cache, refresh=refresh,
                        timeout=timeout, pinned=pinned)


def get_desi_legacy(target, radius=None, *, cache=True, refresh=False, timeout=None,
                    pinned=None):
    """DESI Legacy Imaging Surveys DR8 north (VizieR ``VII/292/north``) in a cone or a mosaic.

    The table is the photometric-redshift catalogue of the Legacy Surveys DR8
    (Duncan 2022). It holds about 2e4 objects per square degree: query
    small regions, or confirm candidates with CDS XMatch
    (`~lotss_tools.catalogs.confirm` with ``'xmatch'``).

    Parameters
    ----------
    target : `~astropy.coordinates.SkyCoord` or `~lotss_tools.Mosaic`
        A position (with ``radius``) or a mosaic (its footprint).
    radius : `~astropy.units.Quantity`, optional
    cache, refresh : bool
        Use and fill the on-disk cache; query again even if cached.
    timeout : float, optional
        Seconds allowed for the whole request (default
        ``lotss_tools.conf.conf.timeout``).
    pinned : str or `os.PathLike`, optional
        A catalogue file to use instead of the network (see
        `~lotss_tools.catalogs.query_vizier` for how it is verified and
        labelled).

    Returns
    -------
    catalog : `~astropy.table.QTable`
        ``source_name``, ``ra``, ``dec`` (deg), ``sky_centroid`` and every
        other column VizieR returned, with ``meta['provenance']``.

    Raises
    ------
    lotss_tools.catalogs.VizierError

    Examples
    --------
    >>> import os, tempfile
    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> from astropy.table import Table
    >>> path = os.path.join(tempfile.mkdtemp(), 'desi.fits')
    >>> Table({'RAJ2000': [200.0, 200.5], 'DEJ2000': [45.0, 45.0], 'zphot': [0.4, 1.1]},
    ...       units={'RAJ2000': 'deg', 'DEJ2000': 'deg'}).write(path)
    >>> desi = get_desi_legacy(SkyCoord(200.0, 45.0, unit='deg'), 1 * u.arcmin, pinned=path)
    >>> len(desi), float(desi['zphot'][0])
    (1, 0.4)
    """
    return query_vizier(DESI_LEGACY_NORTH, target, radius, cache=cache, refresh=refresh,
                        timeout=timeout, pinned=pinned)
