"""Cone queries of VizieR built by `astroquery.vizier`, with cache and provenance.

Requests go to ``https://<conf.vizier_server>/viz-bin/votable`` (astroquery's
own URL scheme) or, when ``lotss_tools.conf.conf.vizier_url`` is set, to
``<vizier_url>/votable``: a local mirror, a proxy or a test server such as
the one the test suite starts on 127.0.0.1. Rows are never limited
(``-out.max=unlimited``).

astroquery builds the query; the request itself is sent by lotss_tools so
that ``timeout`` bounds the whole exchange (a server that trickles its answer
is cut off at the deadline) and nothing goes through astroquery's pickle
cache. The answer must be the table that was asked for, complete: another
table, an error, an overflow notice or a truncated VOTable is a
`VizierError`.

Cache entries are used only when they verify: the file reads, its provenance
describes this very query, and its content matches the recorded SHA-256 and
row count. Anything else is ignored with a `~lotss_tools.exceptions.CacheWarning`
naming the file, and VizieR is asked again; a cache that cannot be written
is a warning too, never a lost result.
"""

import logging
import warnings
from io import BytesIO
from pathlib import Path

from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import votable
from astropy.table import vstack

from ..conf import conf
from ..exceptions import CacheWarning
from ..provenance import file_sha256
from ._astroquery import import_astroquery
from ._http import http_request, new_session
from .cache import (cache_path, load_catalog, make_provenance, table_checksum,
                    verification_problem, write_catalog)
from .columns import CATALOG_SPECS, CatalogSpec, _POSITION_ONLY, empty_catalog, normalise_catalog
from .exceptions import CatalogIntegrityError, VizierError
from .region import query_cone, select_region

__all__ = ['query_vizier', 'vizier_service', 'vizier_url', 'catalog_spec']

log = logging.getLogger(__name__)


def _vizier_class():
    """astroquery's VizierClass, imported on first use."""
    return import_astroquery('astroquery.vizier').VizierClass


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
    if conf.vizier_url:
        return f'{conf.vizier_url.rstrip("/")}/votable'
    return _vizier_class()(vizier_server=conf.vizier_server)._server_to_url('votable')


def vizier_service(*, columns=('*',), timeout=None):
    """An astroquery VizieR client configured from `lotss_tools.conf.conf`.

    `query_vizier` uses it to build its queries; it is public for scripts
    that want astroquery's other VizieR queries on the same server.

    Parameters
    ----------
    columns : sequence of str
        Columns to request (``'*'``: VizieR's default set).
    timeout : float, optional
        Seconds; default ``conf.timeout``.

    Returns
    -------
    client : `astroquery.vizier.VizierClass`
        With no row limit; its requests go to `vizier_url`.
    """
    VizierClass = _vizier_class()
    base_url = conf.vizier_url.rstrip('/') if conf.vizier_url else None

    class VizierAtURL(VizierClass):
        """A VizierClass whose requests go to ``conf.vizier_url`` (when set at creation)."""

        def _server_to_url(self, return_type='votable'):
            if base_url:
                return f'{base_url}/{return_type}'
            return super()._server_to_url(return_type)

    return VizierAtURL(columns=list(columns), row_limit=-1, vizier_server=conf.vizier_server,
                       timeout=conf.timeout if timeout is None else float(timeout))


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


def _infos(document):
    infos = list(document.infos)
    for resource in document.resources:
        infos += list(resource.infos)
        for table in resource.tables:
            infos += list(getattr(table, 'infos', []))
    return infos


def _errors_in(document):
    """Errors and overflow notices VizieR put in the INFO elements of its answer."""
    messages = []
    for info in _infos(document):
        name = (info.name or info.ID or '').lower()
        value = str(info.value or '')
        content = str(getattr(info, 'content', '') or '').strip()
        if name == 'error' or (name == 'query_status' and value.upper() == 'ERROR'):
            messages.append(content or value)
        elif name == 'query_status' and value.upper() == 'OVERFLOW':
            messages.append(f'the answer was truncated by the server ({content or value})')
        elif name == 'warning' and 'truncated' in value.lower():
            messages.append(f'the answer was truncated by the server ({value})')
    return messages


def _is_requested(name, vizier_id):
    """Whether a TABLE name is the table asked for (or one of its parts, for a catalogue id)."""
    return bool(name) and (name == vizier_id or name.startswith(vizier_id + '/'))


def _related(resource_name, vizier_id):
    """Whether a RESOURCE name is the catalogue of ``vizier_id`` (or inside it)."""
    return (vizier_id == resource_name or vizier_id.startswith(resource_name + '/')
            or resource_name.startswith(vizier_id + '/'))


def _first_line(err):
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _fetch(spec, center, radius, columns, timeout):
    """Send the query; return the normalised rows of ``spec``'s table (None if none)."""
    service = vizier_service(columns=columns or ('*',), timeout=timeout)
    url = service._server_to_url('votable')
    payload = service.query_region_async(center, radius=radius, catalog=spec.vizier_id,
                                         frame='icrs', get_query_payload=True)
    log.info('querying %s at %s: cone of %.1f arcsec around RA %.6f, Dec %.6f deg '
             '(deadline %g s)', spec.vizier_id, url, u.Quantity(radius, u.arcsec).value,
             center.icrs.ra.deg, center.icrs.dec.deg, service.TIMEOUT)
    with new_session() as session:
        answer = http_request(session, 'POST', url, data=payload, catalog=spec.vizier_id,
                              timeout=service.TIMEOUT)
    if answer.status >= 400:
        raise VizierError(spec.vizier_id, url, f'HTTP error {answer.status} {answer.reason}')
    content = answer.content
    if not content.lstrip()[:5] == b'<?xml':
        raise VizierError(spec.vizier_id, url, 'the answer is not a VOTable (it starts with '
                          f'{content[:60]!r})')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            document = votable.parse(BytesIO(content), verify='ignore')
    except Exception as err:  # astropy raises many kinds of parse errors
        raise VizierError(spec.vizier_id, url,
                          f'the VOTable answer cannot be parsed ({_first_line(err)})') from None
    errors = _errors_in(document)
    if errors:
        raise VizierError(spec.vizier_id, url,
                          'VizieR answered with an error: ' + '; '.join(errors))
    every = list(document.iter_tables())
    tables = [t for t in every if _is_requested(t.name, spec.vizier_id)]
    if every and not tables:
        names = ', '.join(sorted({str(t.name or t.ID) for t in every}))
        raise VizierError(spec.vizier_id, url, f'the answer holds table {names}, not the '
                          f'{spec.vizier_id} that was asked for')
    if not every:
        others = sorted({r.name for r in document.resources
                         if r.name and '/' in r.name and not _related(r.name, spec.vizier_id)})
        if others:
            raise VizierError(spec.vizier_id, url, f'the answer is about catalogue '
                              f'{", ".join(others)}, not {spec.vizier_id}')
    names = sorted({t.name for t in tables})
    if len(names) > 1:
        raise VizierError(spec.vizier_id, url, f'{spec.vizier_id} has several tables '
                          f'({", ".join(names)}); query one of them')
    tables = [t.to_table(use_names_over_ids=True) for t in tables if len(t.array) > 0]
    if not tables:
        return None
    rows = tables[0] if len(tables) == 1 else vstack(tables)
    try:
        return normalise_catalog(rows, spec)
    except ValueError as err:
        raise VizierError(spec.vizier_id, url, f'the answer cannot be read as {spec.name} '
                          f'({_first_line(err)})') from None


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


def _query_problem(provenance, spec, center, radius, columns):
    """Why a cache entry's provenance does not describe this query, or None."""
    expected = {'source': 'vizier', 'catalog': spec.vizier_id,
                'columns': list(columns) or ['*']}
    for key, value in expected.items():
        if provenance.get(key) != value:
            return f'its provenance records {key} {provenance.get(key)!r}, not {value!r}'
    try:
        ra = float(provenance['query_center_ra_deg'])
        dec = float(provenance['query_center_dec_deg'])
        recorded_radius = float(provenance['query_radius_arcsec'])
    except (KeyError, TypeError, ValueError):
        return 'its provenance does not record the query cone'
    recorded_center = SkyCoord(ra * u.deg, dec * u.deg, frame='icrs')
    if (center.separation(recorded_center) > 1 * u.mas
            or abs(recorded_radius - u.Quantity(radius, u.arcsec).value) > 1e-3):
        return 'its provenance records another query cone'
    return None


def _verified_cache_entry(path, spec, center, radius, columns, *, warn):
    """The cached catalogue at ``path`` if it verifies, else None (with a CacheWarning)."""
    try:
        cached = load_catalog(path, verify=False)
    except (OSError, CatalogIntegrityError) as err:
        problem = str(err).removeprefix(f'{path}: ').rstrip('.')
    else:
        problem = verification_problem(cached)
        if problem is None:
            problem = _query_problem(cached.meta['provenance'], spec, center, radius, columns)
        if problem is None:
            try:
                return normalise_catalog(cached, spec)
            except ValueError as err:
                problem = f'its columns are not those of {spec.name} ({_first_line(err)})'
        elif 'modified or corrupted' in problem:
            problem = f'the cached result fails its checksum: {problem}'
    if warn:
        warnings.warn(f'{path}: cache entry ignored, {problem}; querying VizieR again.',
                      CacheWarning)
    return None


def _write_cache(table, path):
    """Write a result to the cache; True if written, else False with a CacheWarning."""
    try:
        write_catalog(table, path, overwrite=True)
    except OSError as err:
        reason = err.strerror or _first_line(err)
        where = f' ({err.filename})' if err.filename and str(err.filename) != str(path) else ''
        warnings.warn(f'{path}: could not write the cache: {reason}{where}; the result is '
                      'returned but not cached.', CacheWarning)
        return False
    log.info('cached %d rows of %s in %s', len(table), table.meta['provenance']['catalog'], path)
    return True


def _pinned_catalog(pinned, spec):
    """A user-supplied catalogue file, normalised, with a provenance saying what it is.

    No query cone is recorded (``query_radius_arcsec``): how much of the cone
    the file covers is not known, so nothing downstream may take its area
    from it.
    """
    path = Path(pinned)
    source = load_catalog(path, verify=False)
    original = source.meta.get('provenance')
    if original is not None:
        problem = verification_problem(source)
        if problem is not None:
            raise CatalogIntegrityError(
                f'pinned catalogue {path} fails verification: {problem}. Restore the original '
                'file, or pin a copy without a provenance record to use it unverified.')
    try:
        table = normalise_catalog(source, spec)
    except ValueError as err:
        raise CatalogIntegrityError(f'pinned catalogue {path} cannot be read as {spec.name}: '
                                    f'{_first_line(err)}') from None
    if original is not None:
        what = ', '.join(str(original[key]) for key in ('catalog', 'source') if key in original)
        title = f'user-supplied file {path.name} (its own provenance verifies: {what})'
    else:
        title = f'user-supplied file {path.name} (no provenance record: not verified)'
    table.meta = {'provenance': make_provenance(
        table, catalog=None if original is None else original.get('catalog'),
        source='user-supplied file', title=title, pinned_path=str(path.resolve()), file_sha256=file_sha256(path),
        columns_read_as=spec.vizier_id, provenance_verified=original is not None,
        derived_from=original)}
    log.info('using %s', title)
    return table


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
        Read the result from the cache when a verified entry is there, and
        write new results to it (``lotss_tools.conf.conf.cache_dir``).
    refresh : bool
        Query VizieR even if the cache has the result (and replace it).
    timeout : float, optional
        Seconds allowed for the whole request (connecting, waiting and
        downloading the answer, by the wall clock); default ``conf.timeout``.
    pinned : str or `os.PathLike`, optional
        A catalogue file (ECSV, FITS or VOTable; VizieR, release or package
        column names) to use instead of the network: its rows in the region
        are returned. A file that carries a provenance record must match its
        checksum; the result's provenance says that the file was supplied by
        the user (path, file SHA-256) and includes the file's own provenance
        only when it verified.

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
        VizieR unreachable, too slow (``timeout`` passed), answering an HTTP
        error, reporting an error or a truncation, answering another table,
        or not answering a complete VOTable; the message names the
        catalogue, the server, the cause and a verified cached result of the
        same query, if there is one.
    CatalogIntegrityError
        A pinned file cannot be read or does not match its recorded checksum.

    Warns
    -----
    lotss_tools.exceptions.CacheWarning
        A cache entry was ignored (unreadable, no checksum or provenance,
        another query, checksum mismatch) and VizieR was asked again, or the
        result could not be written to the cache; the message names the file.
    """
    spec = catalog_spec(catalog)
    center, radius, mosaic = query_cone(target, radius)
    columns = tuple(columns) if columns is not None else tuple(spec.query_columns)
    note = f'rows on finite pixels of mosaic {mosaic.name or "(unnamed)"}' if mosaic else None

    if pinned is not None:
        table = _pinned_catalog(pinned, spec)
        selection = (f'rows of the pinned file within {radius.to_value(u.arcsec):.1f} arcsec of '
                     f'RA {center.ra.deg:.6f}, Dec {center.dec.deg:.6f} deg'
                     + (f', {note}' if note else ''))
        return _selected(table, center, radius, mosaic, selection)

    path = cache_path(spec.vizier_id, center, radius, columns)
    if cache and not refresh and path.exists():
        cached = _verified_cache_entry(path, spec, center, radius, columns, warn=True)
        if cached is not None:
            log.info('using the cached result %s', path)
            cached.meta['provenance']['cache_file'] = str(path)
            return _selected(cached, center, None, mosaic, note)

    server = vizier_url()
    try:
        rows = _fetch(spec, center, radius, columns, timeout)
    except VizierError as err:
        usable = cache and path.exists() and _verified_cache_entry(
            path, spec, center, radius, columns, warn=False) is not None
        raise VizierError(err.catalog, err.server, err.cause,
                          cached=path if usable else None) from None
    table = empty_catalog(spec) if rows is None else rows
    table.meta = {'provenance': make_provenance(
        table, catalog=spec.vizier_id, source='vizier', server=server, center=center,
        radius=radius, columns=list(columns) or ['*'], row_limit='unlimited',
        title=spec.title)}
    if cache and _write_cache(table, path):
        table.meta['provenance']['cache_file'] = str(path)
    return _selected(table, center, None, mosaic, note)
