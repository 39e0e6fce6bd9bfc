"""Provenance, checksums, and the on-disk cache of reference catalogues.

Every catalogue the package fetches carries ``meta['provenance']``: where it
came from (catalogue, server, query), when, with which software, how many
rows, and the SHA-256 of its content. The content hash is computed from the
column names, units and values in a canonical form (floats as little-endian
float64, text stripped of trailing blanks, masks included; the derived
``sky_centroid`` column is left out), so it survives a round trip through
ECSV, FITS or VOTable and a file can be checked offline years later.

Cached results are ECSV files in the folder `lotss_tools.conf.catalog_cache_dir`
(configurable with ``conf.cache_dir``), written atomically through
`lotss_tools.io`, one file per catalogue and query.
"""

import hashlib
import json
import warnings
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import votable
from astropy.table import QTable, Table
from astropy.time import Time

from ..conf import catalog_cache_dir
from ..io import atomic_path, votable_to_xml, write_table
from .exceptions import CatalogIntegrityError

__all__ = ['table_checksum', 'make_provenance', 'verify_catalog', 'verification_problem',
           'write_catalog', 'load_catalog', 'cache_path', 'software_versions']

#: Header keyword (FITS) or INFO name (VOTable) holding the provenance as JSON.
PROVENANCE_KEYWORD = 'LTPROV'


def _canonical_values(column):
    """Bytes of a column's values in a form independent of the file format."""
    values = getattr(column, 'value', column)
    mask = np.ma.getmaskarray(values) if np.ma.isMaskedArray(values) else None
    data = np.ma.getdata(values) if mask is not None else np.asarray(values)
    if data.dtype.kind in 'USO':
        text = [str(value).rstrip() for value in data.astype(str)]
        if mask is not None:
            text = ['' if masked else value for value, masked in zip(text, mask)]
        return 'text', '\x1f'.join(text).encode('utf-8')
    if data.dtype.kind == 'f':
        floats = data.astype('<f8')
        if mask is not None:
            floats = np.where(mask, np.nan, floats)
        return 'float', floats.tobytes()
    if data.dtype.kind in 'iub':
        ints = data.astype('<i8')
        if mask is not None:
            ints = np.where(mask, 0, ints)
            return 'int', ints.tobytes() + np.packbits(mask).tobytes()
        return 'int', ints.tobytes()
    raise TypeError(f'cannot checksum a column of dtype {data.dtype}')


def table_checksum(table):
    """SHA-256 (hex) of a table's content: column names, units and values.

    SkyCoord columns such as ``sky_centroid`` are skipped (they are derived
    from ``ra``/``dec``); Time columns count by their TAI Julian dates;
    metadata is not part of the content.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> a = QTable({'ra': [1.0, 2.0] * u.deg, 'name': ['x', 'y']})
    >>> b = QTable({'ra': [1.0, 2.0] * u.deg, 'name': ['x', 'y']}, meta={'note': 'other'})
    >>> table_checksum(a) == table_checksum(b)
    True
    >>> b['ra'][1] = 2.0000001 * u.deg
    >>> table_checksum(a) == table_checksum(b)
    False
    """
    digest = hashlib.sha256()
    digest.update(f'rows={len(table)}\n'.encode())
    for name in table.colnames:
        column = table[name]
        if isinstance(column, SkyCoord):
            continue
        if isinstance(column, Time):
            column = np.concatenate([column.tai.jd1, column.tai.jd2])
        unit = getattr(column, 'unit', None)
        unit = '' if unit is None else u.Unit(unit).to_string()
        kind, data = _canonical_values(column)
        digest.update(f'{name}|{unit}|{kind}|{len(data)}\n'.encode())
        digest.update(data)
    return digest.hexdigest()


def software_versions():
    """Versions of lotss_tools, astroquery and astropy, as a dict of strings.

    astroquery is not imported (only its installed version is read).
    """
    import astropy
    try:
        from .._version import version
    except ImportError:  # pragma: no cover - only without an installed package
        version = 'unknown'
    try:
        astroquery_version = metadata.version('astroquery')
    except metadata.PackageNotFoundError:  # pragma: no cover - astroquery is a dependency
        astroquery_version = 'not installed'
    return {'lotss_tools': version, 'astroquery': astroquery_version,
            'astropy': astropy.__version__}


def make_provenance(table, *, catalog, source, server=None, center=None, radius=None,
                    columns=None, selection=None, derived_from=None, **extra):
    """The provenance record of a catalogue, with its row count and checksum.

    Parameters
    ----------
    table : `~astropy.table.Table`
        The catalogue as returned to the user.
    catalog : str or None
        VizieR identifier of the catalogue; None when it is not known (a
        user-supplied file without a verifiable provenance): no ``catalog``
        item is recorded then.
    source : str
        ``'vizier'``, ``'xmatch'``, ``'user-supplied file'``...
    server : str, optional
        URL that was queried.
    center : `~astropy.coordinates.SkyCoord`, optional
    radius : `~astropy.units.Quantity`, optional
        Query cone.
    columns : list of str, optional
        Columns requested.
    selection : str, optional
        What was done to the answer (e.g. rows kept inside a mosaic footprint).
    derived_from : dict, optional
        Provenance of the input this table was made from (a pinned file).
    **extra
        Other items to record.

    Returns
    -------
    provenance : dict
        Plain values only (str, float, int, list, dict), so that it can be
        written to ECSV, FITS and VOTable.
    """
    record = {} if catalog is None else {'catalog': catalog}
    record['source'] = source
    if server is not None:
        record['server'] = server
    if center is not None:
        icrs = center.icrs
        record['query_center_ra_deg'] = float(icrs.ra.deg)
        record['query_center_dec_deg'] = float(icrs.dec.deg)
    if radius is not None:
        record['query_radius_arcsec'] = float(u.Quantity(radius, u.arcsec).value)
    if columns is not None:
        record['columns'] = list(columns)
    if selection is not None:
        record['selection'] = selection
    record.update(extra)
    record['retrieved_utc'] = datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    record.update({f'{name}_version': value for name, value in software_versions().items()})
    if derived_from is not None:
        record['derived_from'] = derived_from
    record['n_rows'] = len(table)
    record['sha256'] = table_checksum(table)
    return record


def verification_problem(table):
    """Why a catalogue does not verify against its provenance, or None if it does.

    Parameters
    ----------
    table : `~astropy.table.Table`
        With ``meta['provenance']``.

    Returns
    -------
    problem : str or None
        One sentence: no provenance, a provenance that is not a record,
        lacks ``sha256`` or ``n_rows``, or whose checksum or row count
        differs from the content; None when the content matches.
    """
    provenance = table.meta.get('provenance')
    if provenance is None:
        return 'it has no provenance record'
    if not isinstance(provenance, dict):
        return f'its provenance is not a record but a {type(provenance).__name__}'
    missing = [key for key in ('sha256', 'n_rows') if key not in provenance]
    if missing:
        return (f'its provenance has no {" or ".join(missing)}, so the content cannot be '
                'verified')
    actual = table_checksum(table)
    if actual == provenance['sha256'] and len(table) == provenance['n_rows']:
        return None
    return (f'its content SHA-256 {actual[:16]}... ({len(table)} rows) differs from the '
            f'{str(provenance["sha256"])[:16]}... ({provenance["n_rows"]} rows) recorded when '
            f'{provenance.get("catalog", "it")} was retrieved on '
            f'{provenance.get("retrieved_utc")}: the file was modified or corrupted')


def verify_catalog(table, *, raise_error=True):
    """Check a catalogue against the row count and SHA-256 of its provenance.

    Parameters
    ----------
    table : `~astropy.table.Table`
    raise_error : bool
        Raise on a mismatch instead of returning False.

    Returns
    -------
    ok : bool or None
        True if it matches, False if not (with ``raise_error=False``), None
        if the table has no provenance at all (nothing is claimed, nothing
        can be checked). A provenance without ``sha256`` or ``n_rows`` does
        not verify.

    Raises
    ------
    CatalogIntegrityError
        On a mismatch, when ``raise_error`` is True; the message names the
        file (``meta['path']``) when the table was read from one.
    """
    if table.meta.get('provenance') is None:
        return None
    problem = verification_problem(table)
    if problem is None:
        return True
    if raise_error:
        where = table.meta.get('path', 'the table')
        raise CatalogIntegrityError(f'{where}: {problem}. Re-query it with refresh=True or '
                                    'restore the original file.')
    return False


def _format_of(path, format):
    if format is not None:
        return format
    name = Path(path).name.lower()
    for suffixes, guess in (((('.fits', '.fit', '.fits.gz', '.fit.gz')), 'fits'),
                            (('.vot', '.xml', '.votable'), 'votable')):
        if name.endswith(suffixes):
            return guess
    return 'ascii.ecsv'


def write_catalog(table, path, *, overwrite=False, format=None):
    """Write a catalogue with its provenance, atomically (ECSV, FITS or VOTable).

    ECSV keeps the metadata as YAML; FITS stores the provenance as JSON in
    the ``LTPROV`` header keyword and VOTable in an ``INFO`` element of that
    name. ``sky_centroid`` is not written (`load_catalog` rebuilds it from
    ``ra``/``dec``).

    Returns
    -------
    path : `pathlib.Path`
    """
    path = Path(path)
    format = _format_of(path, format)
    plain = table.copy(copy_data=False)
    for name in [n for n in plain.colnames if isinstance(plain[n], SkyCoord)]:
        plain.remove_column(name)
    plain.meta = dict(plain.meta)
    plain.meta.pop('path', None)
    if format == 'ascii.ecsv':
        return write_table(plain, path, overwrite=overwrite, format=format)
    provenance = plain.meta.pop('provenance', None)
    plain.meta = {key: value for key, value in plain.meta.items()
                  if isinstance(value, (str, int, float, bool))}
    if format == 'fits':
        if provenance is not None:
            plain.meta[PROVENANCE_KEYWORD] = json.dumps(provenance, sort_keys=True)
        return write_table(plain, path, overwrite=overwrite, format='fits')
    if format == 'votable':
        document = votable.from_table(Table(plain))
        if provenance is not None:
            document.resources[0].infos.append(votable.tree.Info(
                name=PROVENANCE_KEYWORD, value=json.dumps(provenance, sort_keys=True)))
        with atomic_path(path, overwrite=overwrite) as tmp:
            votable_to_xml(document, tmp)
        return path
    return write_table(plain, path, overwrite=overwrite, format=format)


def load_catalog(path, *, verify=True, format=None):
    """Read a catalogue file written by lotss_tools, or any pinned catalogue file.

    Parameters
    ----------
    path : str or `os.PathLike`
        ECSV, FITS or VOTable file.
    verify : bool
        When the file carries a provenance record, check the content against
        its SHA-256 and row count and raise `CatalogIntegrityError` if they
        differ or are missing. A file without any provenance is read as it is.
    format : str, optional
        astropy table format; guessed from the extension.

    Returns
    -------
    table : `~astropy.table.QTable`
        With ``meta['provenance']`` (when the file has one) and
        ``meta['path']``; ``sky_centroid`` is rebuilt from ``ra``/``dec`` if
        the format could not store it. Columns are not renamed: use
        `~lotss_tools.catalogs.normalise_catalog` (or pass the path as
        ``pinned=`` to a ``get_*`` function) for files with VizieR or
        release column names.

    Raises
    ------
    FileNotFoundError
    OSError
        The file cannot be opened (permissions, a folder...).
    CatalogIntegrityError
        The file is empty, truncated or not a table in the expected format,
        its provenance is unreadable, or (with ``verify``) its content does
        not match the provenance. The message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such catalogue file.')
    format = _format_of(path, format)
    try:
        table, provenance = _read_table(path, format)
    except OSError as err:
        if err.errno is not None:  # permission denied, a folder...: not about the content
            raise
        raise _unreadable(path, format, err) from err
    except Exception as err:  # astropy raises many kinds for unreadable files
        raise _unreadable(path, format, err) from err
    if provenance is not None:
        table.meta['provenance'] = provenance
    if 'sky_centroid' not in table.colnames and 'ra' in table.colnames and 'dec' in table.colnames:
        try:
            centroid = SkyCoord(u.Quantity(table['ra'], u.deg), u.Quantity(table['dec'], u.deg))
        except (TypeError, ValueError, u.UnitsError) as err:  # not angles, text, |dec| > 90
            raise CatalogIntegrityError(f'{path}: its ra/dec columns are not sky positions '
                                        f'({err}).') from err
        table.add_column(centroid, index=table.colnames.index('dec') + 1, name='sky_centroid')
    table.meta['path'] = str(path)
    if verify:
        verify_catalog(table)
    return table


def _read_table(path, format):
    """(table, provenance or None) of a catalogue file."""
    provenance = None
    if format == 'votable':
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', votable.exceptions.VOWarning)
            document = votable.parse(str(path), verify='ignore')
        for info in list(document.infos) + [i for r in document.resources for i in r.infos]:
            if info.name == PROVENANCE_KEYWORD:
                provenance = _provenance_from_json(info.value)
        table = QTable(document.get_first_table().to_table(use_names_over_ids=True))
    else:
        table = QTable.read(path, format=format)
    if PROVENANCE_KEYWORD in table.meta:
        provenance = _provenance_from_json(table.meta.pop(PROVENANCE_KEYWORD))
    elif 'provenance' in table.meta:
        provenance = table.meta.pop('provenance')
    return table, provenance


def _provenance_from_json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError) as err:
        raise ValueError(f'its {PROVENANCE_KEYWORD} provenance is not valid JSON ({err})') from None


def _unreadable(path, format, err):
    text = str(err).strip()
    cause = text.splitlines()[0] if text else type(err).__name__
    if len(cause) > 160:
        cause = cause[:157] + '...'
    name = {'ascii.ecsv': 'ECSV', 'fits': 'FITS', 'votable': 'VOTable'}.get(format, format)
    return CatalogIntegrityError(f'{path}: not a readable {name} catalogue ({cause}).')


def cache_path(catalog, center, radius, columns=()):
    """Cache file of a cone query (it may not exist yet).

    The name holds the cone (readable) and a hash of the full query, so
    different column sets or radii never share a file.
    """
    icrs = center.icrs
    ra, dec = round(float(icrs.ra.deg), 7), round(float(icrs.dec.deg), 7)
    radius = round(float(u.Quantity(radius, u.arcsec).value), 4)
    key = json.dumps({'catalog': catalog, 'ra': ra, 'dec': dec, 'radius_arcsec': radius,
                      'columns': list(columns)}, sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    folder = catalog_cache_dir() / catalog.replace('/', '_').replace('+', 'p')
    return folder / f'ra{ra:.5f}_dec{dec:+.5f}_r{radius:.1f}arcsec_{digest}.ecsv'
