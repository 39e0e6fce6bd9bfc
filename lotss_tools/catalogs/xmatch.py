"""Counterparts of many positions in a VizieR table through CDS XMatch.

For large uploads (thousands to millions of positions) CDS XMatch
(`astroquery.xmatch`) is much faster than cone queries: the positions are
uploaded once and matched on the server against the whole VizieR table. The
service URL is ``lotss_tools.conf.conf.xmatch_url`` (default astroquery's).

astroquery builds the request; lotss_tools sends it (and the request for the
list of XMatch tables that astroquery checks the table name against) under
one wall-clock deadline, ``timeout``. Nothing is read from or written to
astroquery's cache of pickled answers: unpickling a file from a cache folder
would run any code planted there.
"""

import logging
import time
import warnings
from io import BytesIO

import numpy as np
from astropy import units as u
from astropy.io import votable
from astropy.table import Table

from ..conf import conf
from ._astroquery import import_astroquery
from ._http import http_request, new_session
from .cache import make_provenance
from .columns import normalise_catalog
from .exceptions import VizierError
from .vizier import catalog_spec

__all__ = ['xmatch_counterparts', 'xmatch_service']

log = logging.getLogger(__name__)

#: XMatch accepts no larger distance.
MAX_XMATCH_DISTANCE = 180 * u.arcsec


def xmatch_service(timeout=None):
    """An astroquery XMatch client for ``conf.xmatch_url`` that never uses a pickle cache.

    Its list of available tables (which astroquery consults before every
    query) is downloaded without astroquery's cache, once per client, under
    the client's ``TIMEOUT``; `xmatch_counterparts` also sends the query
    itself without that cache.

    Parameters
    ----------
    timeout : float, optional
        Seconds; default ``conf.timeout``.

    Returns
    -------
    client : `astroquery.xmatch.XMatchClass`
    """
    xmatch = import_astroquery('astroquery.xmatch')
    url_helpers = import_astroquery('astroquery.utils.url_helpers')

    class UncachedXMatch(xmatch.XMatchClass):
        """XMatchClass whose table list is fetched without astroquery's pickle cache."""

        def __init__(self):
            super().__init__()
            self._tables = None
            self.deadline = None   # time.monotonic() by which every request must be done
            self.catalog = None    # the VizieR table the caller wants, for error messages

        def get_available_tables(self, *, cache=False):
            if self._tables is None:
                url = url_helpers.urljoin_keep_path(self.URL, 'tables')
                catalog = self.catalog or 'the list of XMatch tables'
                with new_session() as session:
                    answer = http_request(
                        session, 'GET', url, catalog=catalog,
                        timeout=self.TIMEOUT, deadline=self.deadline, service='XMatch',
                        params={'action': 'getVizieRTableNames', 'RESPONSEFORMAT': 'txt'})
                if answer.status >= 400:
                    raise VizierError(catalog, url, 'the list of XMatch tables failed with '
                                      f'HTTP error {answer.status} {answer.reason}')
                self._tables = answer.content.decode('utf-8', 'replace').splitlines()
            return list(self._tables)

    service = UncachedXMatch()
    service.URL = conf.xmatch_url or xmatch.conf.url
    service.TIMEOUT = conf.timeout if timeout is None else float(timeout)
    return service


def _xmatch_error(content):
    """The QUERY_STATUS text of an XMatch error answer, or its first bytes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            document = votable.parse(BytesIO(content), verify='ignore')
        info = document.get_info_by_id('QUERY_STATUS')
        return str(info.content or info.value).strip()
    except Exception:  # not a VOTable, or one without QUERY_STATUS
        return repr(content[:80])


def _post_query(service, spec, upload, radius):
    """Send the XMatch query; return the answer as a Table."""
    catalog = spec.vizier_id
    try:
        payload, files = service.query_async(
            cat1=upload, cat2=f'vizier:{catalog}', max_distance=radius, colRA1='lt_input_ra',
            colDec1='lt_input_dec', cache=False, get_query_payload=True)
    except ValueError as err:  # astroquery's check of the table name
        raise VizierError(catalog, service.URL, f'XMatch refused the query ({err})') from None
    log.info('uploading %d positions to XMatch at %s against %s (radius %g arcsec, '
             'deadline %g s)', len(upload), service.URL, catalog, radius.to_value(u.arcsec),
             service.TIMEOUT)
    with new_session() as session:
        answer = http_request(session, 'POST', service.URL, data=payload, catalog=catalog,
                              timeout=service.TIMEOUT, deadline=service.deadline,
                              service='XMatch', **files)
    if answer.status >= 400:
        raise VizierError(catalog, service.URL, f'XMatch failed with HTTP error '
                          f'{answer.status} {answer.reason}: {_xmatch_error(answer.content)}')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            table = Table.read(BytesIO(answer.content), format='votable',
                               use_names_over_ids=True)
    except Exception as err:  # astropy raises many kinds of parse errors
        text = str(err).strip()
        raise VizierError(catalog, service.URL, 'the XMatch answer is not a readable VOTable '
                          f'({text.splitlines()[0] if text else type(err).__name__})') from None
    missing = [name for name in ('angDist', 'lt_input_index') if name not in table.colnames]
    if missing:
        raise VizierError(catalog, service.URL, f'the XMatch answer has no {", ".join(missing)} '
                          'column')
    return table


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
        Seconds allowed for the whole exchange with XMatch (table list,
        upload and answer, by the wall clock); default ``conf.timeout``.

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
        The XMatch service is unreachable, slower than ``timeout``, refuses
        the query or answers something that is not a complete match table.
    ValueError
        If ``radius`` exceeds 180 arcsec.
    """
    spec = catalog_spec(catalog)
    radius = u.Quantity(radius, u.arcsec)
    if radius > MAX_XMATCH_DISTANCE:
        raise ValueError(f'CDS XMatch accepts radii up to 180 arcsec, not {radius}.')
    service = xmatch_service(timeout)
    service.deadline = time.monotonic() + service.TIMEOUT
    service.catalog = spec.vizier_id
    icrs = positions.icrs
    upload = Table({'lt_input_index': np.arange(len(positions)),
                    'lt_input_ra': icrs.ra.deg, 'lt_input_dec': icrs.dec.deg})
    if len(positions) == 0:
        answer = Table({'angDist': np.zeros(0), 'lt_input_index': np.zeros(0, int),
                        'ra': np.zeros(0), 'dec': np.zeros(0)})
    else:
        answer = _post_query(service, spec, upload, radius)
    for name in ('lt_input_ra', 'lt_input_dec'):
        if name in answer.colnames:
            answer.remove_column(name)
    index = np.asarray(answer['lt_input_index'], int)
    separation = np.asarray(answer['angDist'], float) * u.arcsec
    answer.remove_columns(['lt_input_index', 'angDist'])
    if len(answer) == 0:
        answer = Table({'ra': np.zeros(0), 'dec': np.zeros(0)})
    try:
        table = normalise_catalog(answer, spec, sort=False)
    except ValueError as err:
        raise VizierError(spec.vizier_id, service.URL, f'the XMatch answer cannot be read as '
                          f'{spec.name} ({err})') from None
    table.add_column(index, name='input_index', index=0)
    table.add_column(separation, name='separation', index=1)
    if len(table) > 1:
        table = table[np.lexsort((separation.value, index))]
    table.meta['provenance'] = make_provenance(
        table, catalog=spec.vizier_id, source='xmatch', server=service.URL,
        radius=radius, n_uploaded=len(positions))
    return table
