"""Counterparts of many positions in a VizieR table through CDS XMatch.

For large uploads (thousands to millions of positions) CDS XMatch
(`astroquery.xmatch`) is much faster than cone queries: the positions are
uploaded once and matched on the server against the whole VizieR table. The
service URL is ``lotss_tools.conf.conf.xmatch_url`` (default astroquery's).
"""

import numpy as np
import requests
from astropy import units as u
from astropy.table import Table
from astroquery.exceptions import InvalidQueryError
from astroquery.xmatch import XMatchClass
from astroquery.xmatch import conf as xmatch_conf

from ..conf import catalog_cache_dir, conf
from .cache import make_provenance
from .columns import normalise_catalog
from .exceptions import VizierError
from .vizier import catalog_spec

__all__ = ['xmatch_counterparts', 'xmatch_service']

#: XMatch accepts no larger distance.
MAX_XMATCH_DISTANCE = 180 * u.arcsec


def xmatch_service(timeout=None):
    """An astroquery XMatch client sending requests to ``conf.xmatch_url``.

    astroquery caches the list of XMatch tables it downloads; that cache is
    kept in the package's catalogue cache folder.
    """
    service = XMatchClass()
    service.URL = conf.xmatch_url or xmatch_conf.url
    service.TIMEOUT = conf.timeout if timeout is None else float(timeout)
    service.cache_location = catalog_cache_dir() / 'astroquery-xmatch'
    return service


def xmatch_counterparts(positions, catalog, radius, *, timeout=None):
    """Every source of a VizieR table within ``radius`` of each position (CDS XMatch).

    Parameters
    ----------
    positions : `~astropy.coordinates.SkyCoord`
        Positions to upload (an array).
    catalog : str or `~lotss_tools.catalogs.CatalogSpec`
        VizieR table (``'II/328/allwise'``, ``'VII/292/north'``, a short name...).
    radius : `~astropy.units.Quantity`
        Largest separation (XMatch allows up to 180 arcsec).
    timeout : float, optional
        Seconds; default ``conf.timeout``.

    Returns
    -------
    counterparts : `~astropy.table.QTable`
        One row per (position, counterpart) pair: ``input_index`` (row of
        ``positions``), ``separation`` (arcsec) and the counterpart's
        normalised columns (``ra``, ``dec``, ``sky_centroid``,
        ``source_name``, ...), with ``meta['provenance']``.

    Raises
    ------
    VizierError
        The XMatch service is unreachable, slow or refuses the query.
    ValueError
        If ``radius`` exceeds 180 arcsec.
    """
    spec = catalog_spec(catalog)
    radius = u.Quantity(radius, u.arcsec)
    if radius > MAX_XMATCH_DISTANCE:
        raise ValueError(f'CDS XMatch accepts radii up to 180 arcsec, not {radius}.')
    service = xmatch_service(timeout)
    icrs = positions.icrs
    upload = Table({'lt_input_index': np.arange(len(positions)),
                    'lt_input_ra': icrs.ra.deg, 'lt_input_dec': icrs.dec.deg})
    if len(positions) == 0:
        answer = Table({'angDist': np.zeros(0), 'lt_input_index': np.zeros(0, int),
                        'ra': np.zeros(0), 'dec': np.zeros(0)})
    else:
        try:
            answer = service.query(cat1=upload, cat2=f'vizier:{spec.vizier_id}',
                                   max_distance=radius, colRA1='lt_input_ra',
                                   colDec1='lt_input_dec', cache=False)
        except requests.exceptions.Timeout:
            raise VizierError(spec.vizier_id, service.URL,
                              f'XMatch gave no answer within {service.TIMEOUT:g} s') from None
        except requests.exceptions.ConnectionError as err:
            raise VizierError(spec.vizier_id, service.URL,
                              f'the XMatch server is unreachable ({err})') from None
        except (requests.exceptions.RequestException, InvalidQueryError, ValueError) as err:
            raise VizierError(spec.vizier_id, service.URL, f'XMatch failed ({err})') from None
    for name in ('lt_input_ra', 'lt_input_dec'):
        if name in answer.colnames:
            answer.remove_column(name)
    index = np.asarray(answer['lt_input_index'], int)
    separation = np.asarray(answer['angDist'], float) * u.arcsec
    answer.remove_columns(['lt_input_index', 'angDist'])
    if len(answer) == 0:
        answer = Table({'ra': np.zeros(0), 'dec': np.zeros(0)})
    table = normalise_catalog(answer, spec, sort=False)
    table.add_column(index, name='input_index', index=0)
    table.add_column(separation, name='separation', index=1)
    if len(table) > 1:
        table = table[np.lexsort((separation.value, index))]
    table.meta['provenance'] = make_provenance(
        table, catalog=spec.vizier_id, source='xmatch', server=service.URL,
        radius=radius, n_uploaded=len(positions))
    return table
