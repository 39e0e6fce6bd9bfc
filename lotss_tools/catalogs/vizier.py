"""Cone queries of VizieR through `astroquery.vizier`, with cache and provenance.

Requests go to ``https://<conf.vizier_server>/viz-bin/votable`` (astroquery's
own URL scheme) or, when ``lotss_tools.conf.conf.vizier_url`` is set, to
``<vizier_url>/votable``: a local mirror, a proxy or a test server such as
the one the test suite starts on 127.0.0.1. Rows are never limited
(``-out.max=unlimited``).
"""

import warnings
from io import BytesIO

import requests
from astropy.io import votable
from astropy.table import vstack
from astropy.utils.exceptions import AstropyUserWarning
from astroquery.vizier import VizierClass

from ..conf import conf
from .cache import cache_path, load_catalog, make_provenance, table_checksum, verify_catalog
from .cache import write_catalog
from .columns import CATALOG_SPECS, CatalogSpec, _POSITION_ONLY, empty_catalog, normalise_catalog
from .exceptions import VizierError
from .region import query_cone, select_region

__all__ = ['query_vizier', 'vizier_service', 'vizier_url', 'catalog_spec']


class _VizierAtURL(VizierClass):
    """`astroquery.vizier.VizierClass` whose requests go to a given base URL."""

    def __init__(self, base_url, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip('/')

    def _server_to_url(self, return_type='votable'):
        return f'{self.base_url}/{return_type}'


def vizier_url():
    """URL the VizieR queries go to, from `lotss_tools.conf.conf`.

    Examples
    --------
    >>> from lotss_tools.conf import conf
    >>> vizier_url()
    'https://vizier.cds.unistra.fr/viz-bin/votable'
    >>> with conf.set_temp('vizier_url', 'http://127.0.0.1:8000/viz-bin'):
    ...     vizier_url()
    'http://127.0.0.1:8000/viz-bin/votable'
    """
    return vizier_service()._server_to_url('votable')


def vizier_service(*, columns=('*',), timeout=None):
    """An astroquery VizieR client configured from `lotss_tools.conf.conf`.

    Parameters
    ----------
    columns : sequence of str
        Columns to request (``'*'``: VizieR's default set).
    timeout : float, optional
        Seconds; default ``conf.timeout``.

    Returns
    -------
    client : `astroquery.vizier.VizierClass`
        With no row limit.
    """
    kwargs = dict(columns=list(columns), row_limit=-1,
                  timeout=conf.timeout if timeout is None else float(timeout))
    if conf.vizier_url:
        return _VizierAtURL(conf.vizier_url, **kwargs)
    return VizierClass(vizier_server=conf.vizier_server, **kwargs)


def catalog_spec(catalog):
    """The `CatalogSpec` of a catalogue given as a spec, short name or VizieR id.

    An unknown VizieR id gets a spec that only adds ``ra``/``dec``/
    ``sky_centroid`` (from ``RAJ2000``/``DEJ2000`` and the like) and keeps
    every other column.
    """
    if isinstance(catalog, CatalogSpec):
        return catalog
    if not isinstance(catalog, str) or not catalog:
        raise TypeError(f'catalog must be a VizieR table id such as "II/328/allwise", '
                        f'not {catalog!r}.')
    if catalog in CATALOG_SPECS:
        return CATALOG_SPECS[catalog]
    for spec in CATALOG_SPECS.values():
        if spec.vizier_id == catalog:
            return spec
    return CatalogSpec(name=catalog.replace('/', '_'), vizier_id=catalog, title=catalog,
                       columns=_POSITION_ONLY, keep_other_columns=True)


def _errors_in(document):
    infos = list(document.infos)
    for resource in document.resources:
        infos += list(resource.infos)
    messages = []
    for info in infos:
        name = (info.name or info.ID or '').lower()
        value = str(info.value or '')
        content = str(getattr(info, 'content', '') or '').strip()
        if name == 'error' or (name == 'query_status' and value.upper() == 'ERROR'):
            messages.append(content or value)
    return messages


def _fetch(spec, center, radius, columns, timeout):
    """Send the query; return the rows of ``spec``'s table (or None when empty)."""
    service = vizier_service(columns=columns or ('*',), timeout=timeout)
    url = service._server_to_url('votable')
    try:
        response = service.query_region_async(center, radius=radius, catalog=spec.vizier_id,
                                              cache=False, frame='icrs')
    except requests.exceptions.Timeout:
        raise VizierError(spec.vizier_id, url, f'no answer within {service.TIMEOUT:g} s '
                          '(time-out; raise conf.timeout or pass timeout=)') from None
    except requests.exceptions.ConnectionError as err:
        raise VizierError(spec.vizier_id, url, f'the server is unreachable ({err})') from None
    except requests.exceptions.RequestException as err:
        raise VizierError(spec.vizier_id, url, f'the request failed ({err})') from None
    if response.status_code >= 400:
        raise VizierError(spec.vizier_id, url,
                          f'HTTP error {response.status_code} {response.reason}')
    content = response.content
    if not content.lstrip()[:5] == b'<?xml':
        raise VizierError(spec.vizier_id, url, 'the answer is not a VOTable (it starts with '
                          f'{content[:60]!r})')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            document = votable.parse(BytesIO(content), verify='ignore')
    except Exception as err:  # astropy raises many kinds of parse errors
        raise VizierError(spec.vizier_id, url,
                          f'the VOTable answer cannot be parsed ({err})') from None
    errors = _errors_in(document)
    if errors:
        raise VizierError(spec.vizier_id, url,
                          'VizieR answered with an error: ' + '; '.join(errors))
    tables = [t for t in document.iter_tables()
              if t.name == spec.vizier_id or (t.name or '').startswith(spec.vizier_id + '/')]
    names = sorted({t.name for t in tables})
    if len(names) > 1:
        raise ValueError(f'{spec.vizier_id} has several tables ({", ".join(names)}); '
                         'query one of them.')
    tables = [t.to_table(use_names_over_ids=True) for t in tables if len(t.array) > 0]
    if not tables:
        return None
    return tables[0] if len(tables) == 1 else vstack(tables)


def _selected(table, center, radius, mosaic, selection_note):
    """Cut a cone result to the requested region and update its provenance."""
    selected = select_region(table, center, radius, mosaic)
    provenance = dict(table.meta.get('provenance', {}))
    if selection_note:
        provenance['selection'] = selection_note
    if len(selected) != len(table) or selection_note:
        provenance['parent_n_rows'] = provenance.get('n_rows', len(table))
        provenance['parent_sha256'] = provenance.get('sha256', table_checksum(table))
        provenance['n_rows'] = len(selected)
        provenance['sha256'] = table_checksum(selected)
    selected.meta['provenance'] = provenance
    selected.meta.pop('path', None)
    return selected


def query_vizier(catalog, target, radius=None, *, columns=None, cache=True, refresh=False,
                 timeout=None, pinned=None):
    """Sources of a VizieR catalogue in a cone or a mosaic footprint.

    Parameters
    ----------
    catalog : str or `~lotss_tools.catalogs.CatalogSpec`
        VizieR table id (``'J/A+A/659/A1/catalog'``, ``'II/328/allwise'``,
        ``'VII/292/north'`` or any other) or a short name (``'lotss-dr2'``,
        ``'allwise'``, ``'desi-legacy-north'``).
    target : `~astropy.coordinates.SkyCoord` or `~lotss_tools.Mosaic`
        Cone centre (with ``radius``), or a mosaic: the circle around its
        footprint is queried and only rows on finite pixels are returned.
    radius : `~astropy.units.Quantity`, optional
        Cone radius (only with a SkyCoord target).
    columns : sequence of str, optional
        VizieR columns to request; default: the catalogue's own list
        (``CatalogSpec.query_columns``) or VizieR's default set.
    cache : bool
        Read the result from the cache when present, and write new results
        to it (``lotss_tools.conf.conf.cache_dir``).
    refresh : bool
        Query VizieR even if the cache has the result (and replace it).
    timeout : float, optional
        Seconds to wait for VizieR; default ``conf.timeout``.
    pinned : str or `os.PathLike`, optional
        A catalogue file (ECSV, FITS or VOTable; VizieR, release or package
        column names) to use instead of the network: its rows in the region
        are returned, and its checksum is verified when it has a provenance.

    Returns
    -------
    catalog : `~astropy.table.QTable`
        Package column names and units (see `~lotss_tools.catalogs.columns`),
        ``meta['provenance']`` with the catalogue, server, query, UTC time,
        versions, row count and SHA-256. No rows: an empty table with the
        same columns.

    Raises
    ------
    VizierError
        VizieR unreachable, too slow, answering an HTTP error, reporting an
        error, or not answering a VOTable; the message names the catalogue,
        the server, the cause and the cached result that could be used.
    CatalogIntegrityError
        A pinned file does not match its recorded checksum.
    """
    spec = catalog_spec(catalog)
    center, radius, mosaic = query_cone(target, radius)
    columns = tuple(columns) if columns is not None else tuple(spec.query_columns)
    note = f'rows on finite pixels of mosaic {mosaic.name or "(unnamed)"}' if mosaic else None

    if pinned is not None:
        source = load_catalog(pinned, verify=True)
        table = normalise_catalog(source, spec)
        table.meta = {'provenance': make_provenance(
            table, catalog=spec.vizier_id, source='pinned file', pinned_path=str(pinned),
            derived_from=source.meta.get('provenance'))}
        selection = 'rows of the pinned file in the query cone' + (f', {note}' if note else '')
        return _selected(table, center, radius, mosaic, selection)

    path = cache_path(spec.vizier_id, center, radius, columns)
    if cache and not refresh and path.is_file():
        cached = load_catalog(path, verify=False)
        if verify_catalog(cached, raise_error=False) is False:
            warnings.warn(f'{path}: cached result fails its checksum; querying VizieR again.',
                          AstropyUserWarning)
        else:
            cached = normalise_catalog(cached, spec)
            cached.meta['provenance']['cache_file'] = str(path)
            return _selected(cached, center, None, mosaic, note)

    server = vizier_url()
    try:
        rows = _fetch(spec, center, radius, columns, timeout)
    except VizierError as err:
        raise VizierError(err.catalog, err.server, err.cause,
                          cached=path if path.is_file() else None) from None
    table = empty_catalog(spec) if rows is None else normalise_catalog(rows, spec)
    table.meta = {'provenance': make_provenance(
        table, catalog=spec.vizier_id, source='vizier', server=server, center=center,
        radius=radius, columns=list(columns) or ['*'], row_limit='unlimited',
        title=spec.title)}
    if cache:
        write_catalog(table, path, overwrite=True)
        table.meta['provenance']['cache_file'] = str(path)
    return _selected(table, center, None, mosaic, note)
