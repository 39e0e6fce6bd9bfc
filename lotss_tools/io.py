"""File output and table I/O shared by every reader and writer of the package.

Writes are atomic: a file is written under a temporary name in its
destination folder and renamed into place only when complete, so an
interrupted run never leaves a truncated catalogue or image that a later run
would take for finished. Commands with several outputs check every target
first (`check_outputs`) and write them all to temporaries before moving any
into place (`atomic_paths`). Temporaries left by a killed process are
removed by the next write into the same folder.

Tables are written and read in ECSV (everything kept), FITS and VOTable
(BINARY2 serialisation). FITS and VOTable cannot hold every metadata value or
a `~astropy.coordinates.SkyCoord` column, so `write_table` stores the whole
``meta`` as JSON (FITS keyword / VOTable ``INFO`` named `META_KEYWORD`),
writes sky-coordinate columns as ICRS right ascension and declination, and
`read_table` restores both: every table the package writes reads back the
same in every format.
"""

import json
import os
import socket
import tempfile
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from .exceptions import LotssToolsError

__all__ = ['atomic_path', 'atomic_paths', 'check_outputs', 'OutputExistsError', 'write_table',
           'read_table', 'table_format', 'votable_to_xml', 'TABLE_FORMATS', 'META_KEYWORD']

#: File-name endings and the astropy table format of each.
TABLE_FORMATS = {'.ecsv': 'ascii.ecsv', '.fits': 'fits', '.fit': 'fits', '.fits.gz': 'fits',
                 '.vot': 'votable', '.votable': 'votable', '.xml': 'votable', '.csv': 'ascii.csv'}
#: Name of the FITS keyword and VOTable INFO element holding a table's ``meta`` as JSON.
META_KEYWORD = 'LTMETA'
#: Meta key listing the sky-coordinate columns written as RA/Dec pairs.
_SKY_COLUMNS_KEY = 'lotss_tools_sky_columns'
_HOST = socket.gethostname().split('.')[0].replace('.', '_') or 'host'


class OutputExistsError(LotssToolsError, FileExistsError):
    """An output file exists and replacing it was not allowed.

    Attributes
    ----------
    path : `pathlib.Path`
    """

    def __init__(self, path):
        self.path = Path(path)
        super().__init__(f'{self.path}: already exists; pass overwrite=True to replace it.')

    def __str__(self):
        return self.args[0]


def _temporary_prefix(path):
    return f'.{path.name}.'


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale_temporaries(path):
    """Delete temporaries of ``path`` left by dead processes of this host.

    Temporaries are named ``.<name>.<host>.<pid>.<random>.tmp``; those of a
    process that is still running (or of another host, on a shared file
    system) are left alone.
    """
    prefix = f'{_temporary_prefix(path)}{_HOST}.'
    try:
        candidates = [p for p in path.parent.iterdir() if p.name.startswith(prefix)
                      and '.tmp' in p.name]
    except OSError:
        return
    for candidate in candidates:
        pid = candidate.name[len(prefix):].split('.', 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            try:
                candidate.unlink()
            except OSError:
                pass


def _writable_folder(folder):
    """The nearest existing parent of ``folder`` is a folder we may write into."""
    probe = Path(folder)
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK), probe


def check_outputs(outputs, *, inputs=(), overwrite=False):
    """Check output paths before any work is done.

    Parameters
    ----------
    outputs : iterable of str or `os.PathLike`
        Files a command will write (None entries are ignored).
    inputs : iterable of str or `os.PathLike`
        Files it reads, which must never be overwritten.
    overwrite : bool
        Whether existing outputs may be replaced.

    Returns
    -------
    paths : list of `pathlib.Path`

    Raises
    ------
    ValueError
        If a path is given twice as an output, or is also an input.
    IsADirectoryError
        If an output is a folder.
    PermissionError
        If an output's folder cannot be written.
    OutputExistsError
        If an output exists and ``overwrite`` is False.

    Examples
    --------
    >>> from lotss_tools.io import check_outputs
    >>> check_outputs(['cat.ecsv', 'cat.ecsv'])
    Traceback (most recent call last):
    ...
    ValueError: cat.ecsv is given twice as an output.
    """
    paths = [Path(p) for p in outputs if p is not None]
    seen = {}
    input_paths = {Path(p).resolve(): Path(p) for p in inputs if p is not None}
    for path in paths:
        key = path.resolve()
        if key in seen:
            raise ValueError(f'{path} is given twice as an output.')
        seen[key] = path
        if key in input_paths or any(p.exists() and path.exists() and os.path.samefile(p, path)
                                     for p in input_paths.values()):
            raise ValueError(f'{path} is both an input and an output; write the result to '
                             'another file.')
        if path.is_dir():
            raise IsADirectoryError(f'{path}: is a folder, not a file.')
        writable, folder = _writable_folder(path.parent)
        if not folder.is_dir():
            raise NotADirectoryError(f'{path}: cannot be written, {folder} is a file, '
                                     'not a folder (Not a directory).')
        if not writable:
            raise PermissionError(f'{path}: cannot write into {folder} (Permission denied).')
        if path.exists() and not overwrite:
            raise OutputExistsError(path)
    return paths


def _new_temporary(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    suffix = '.tmp.gz' if path.name.endswith('.gz') else '.tmp'
    fd, tmp = tempfile.mkstemp(prefix=f'{_temporary_prefix(path)}{_HOST}.{os.getpid()}.',
                               suffix=suffix, dir=path.parent)
    os.close(fd)
    # mkstemp makes the file private (0600); give it the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return Path(tmp)


@contextmanager
def atomic_paths(paths, *, overwrite=False, inputs=()):
    """Temporary paths for several outputs, renamed into place together on success.

    Every target is checked first (`check_outputs`); nothing is renamed
    unless the whole block succeeds, so a command never leaves the first of
    its outputs written and the second missing.

    Parameters
    ----------
    paths : sequence of str or `os.PathLike`
        Final destinations (their folders are created if needed).
    overwrite : bool
        Replace existing files.
    inputs : sequence of str or `os.PathLike`
        Files that must not be among the outputs.

    Yields
    ------
    tmps : list of `pathlib.Path`
        Where to write, in the order of ``paths``. Removed if the block raises.
    """
    paths = check_outputs(paths, inputs=inputs, overwrite=overwrite)
    tmps = []
    try:
        for path in paths:
            tmps.append(_new_temporary(path))
        yield tmps
        for tmp, path in zip(tmps, paths):
            os.replace(tmp, path)
    finally:
        for tmp in tmps:
            if tmp.exists():
                tmp.unlink()


@contextmanager
def atomic_path(path, *, overwrite=False, inputs=()):
    """Context manager giving a temporary path that is renamed to ``path`` on success.

    Parameters
    ----------
    path : str or `os.PathLike`
        Final destination. Its folder is created if needed.
    overwrite : bool
        Replace an existing file.
    inputs : sequence of str or `os.PathLike`
        Files that must not be overwritten (``ValueError`` if ``path`` is one).

    Yields
    ------
    tmp : `pathlib.Path`
        Where to write. Removed if the block raises.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    with atomic_paths([path], overwrite=overwrite, inputs=inputs) as (tmp,):
        yield tmp


def table_format(path, format=None):
    """The astropy table format of a file, from its extension.

    Parameters
    ----------
    path : str or `os.PathLike`
    format : str, optional
        Returned as is when given.

    Returns
    -------
    format : str
        ``'ascii.ecsv'``, ``'fits'``, ``'votable'`` or ``'ascii.csv'``.

    Raises
    ------
    ValueError
        If the extension is not one of `TABLE_FORMATS`.

    Examples
    --------
    >>> from lotss_tools.io import table_format
    >>> table_format('sources.vot'), table_format('sources.fits.gz')
    ('votable', 'fits')
    """
    if format is not None:
        return format
    name = Path(path).name.lower()
    for ending in sorted(TABLE_FORMATS, key=len, reverse=True):
        if name.endswith(ending):
            return TABLE_FORMATS[ending]
    known = ', '.join(TABLE_FORMATS)
    raise ValueError(f'{path}: cannot tell the table format from the file name; use one of '
                     f'the extensions {known}.')


def votable_to_xml(document, destination):
    """Write a `~astropy.io.votable.tree.VOTableFile` in the BINARY2 serialisation.

    astropy's C TABLEDATA writer can corrupt memory (astropy issue 20419),
    which crashes the process later at a random place; BINARY2 avoids it,
    keeps masked numbers and is read by every VOTable reader. Masked strings
    are written empty, the VOTable convention for a missing string.

    Parameters
    ----------
    document : `~astropy.io.votable.tree.VOTableFile`
    destination : str, `os.PathLike` or writable binary file
    """
    destination = destination if hasattr(destination, 'write') else str(destination)
    for table in document.iter_tables():
        table.format = 'binary2'
        array = table.array
        if not np.ma.isMaskedArray(array):
            continue
        for name in array.dtype.names:
            # Strings have no null value in VOTable: a masked string is written
            # empty (astropy would otherwise write the hidden value).
            if array.dtype[name].kind in 'USO' and array.mask[name].any():
                column = array.data[name]
                column[array.mask[name]] = ''
    document.to_xml(destination)


def _json_default(value):
    """JSON for the few non-JSON values catalogue metadata can hold."""
    if isinstance(value, np.generic):
        return value.item()
    from astropy import units as u
    if isinstance(value, u.Quantity):     # before ndarray: a Quantity has no tolist()
        return value.to_string()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _plain_columns(table):
    """A copy without `~astropy.coordinates.SkyCoord` columns (as RA/Dec) and its meta."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord
    plain = table.copy(copy_data=False)
    meta = dict(plain.meta)
    sky_columns = {}
    for name in [n for n in plain.colnames if isinstance(plain[n], SkyCoord)]:
        icrs = plain[name].icrs
        index = plain.colnames.index(name)
        plain.remove_column(name)
        if name == 'sky_centroid' and {'ra', 'dec'} <= set(plain.colnames):
            sky_columns[name] = ['ra', 'dec']
            continue
        ra, dec = f'{name}_ra', f'{name}_dec'
        plain.add_column(u.Quantity(icrs.ra.to(u.deg)), name=ra, index=index)
        plain.add_column(u.Quantity(icrs.dec.to(u.deg)), name=dec, index=index + 1)
        sky_columns[name] = [ra, dec]
    if sky_columns:
        meta[_SKY_COLUMNS_KEY] = sky_columns
    return plain, meta


def write_table(table, path, *, overwrite=False, format=None, inputs=()):
    """Write an astropy table atomically, in a format chosen by the extension.

    Parameters
    ----------
    table : `~astropy.table.Table` or `~astropy.table.QTable`
    path : str or `os.PathLike`
    overwrite : bool
    format : str, optional
        An astropy table writer; by default from the extension (`TABLE_FORMATS`:
        ``.ecsv``, ``.fits``/``.fit``/``.fits.gz``, ``.vot``/``.votable``/``.xml``,
        ``.csv``). Any other extension is refused.
    inputs : sequence of str or `os.PathLike`
        Files that must not be overwritten.

    Returns
    -------
    path : `pathlib.Path`

    Notes
    -----
    ECSV keeps everything. FITS and VOTable get the whole ``meta`` as JSON
    (`META_KEYWORD`; scalar entries are also plain FITS keywords for other
    readers) and `~astropy.coordinates.SkyCoord` columns as ICRS RA/Dec
    columns in degrees (``sky_centroid`` is dropped when ``ra``/``dec``
    exist). CSV keeps only the columns. `read_table` restores what FITS and
    VOTable could not hold.

    Examples
    --------
    >>> import tempfile
    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> from astropy.table import QTable
    >>> from lotss_tools.io import read_table, write_table
    >>> table = QTable({'ra': [10.0] * u.deg, 'dec': [20.0] * u.deg})
    >>> table['sky_centroid'] = SkyCoord(table['ra'], table['dec'])
    >>> table.meta['tile_size'] = None
    >>> path = write_table(table, tempfile.mkdtemp() + '/sources.vot')
    >>> back = read_table(path)
    >>> back.colnames, back.meta['tile_size']
    (['ra', 'dec', 'sky_centroid'], None)
    """
    path = Path(path)
    format = table_format(path, format)
    if format not in ('fits', 'votable'):
        with atomic_path(path, overwrite=overwrite, inputs=inputs) as tmp:
            table.write(tmp, format=format, overwrite=True)
        return path
    from astropy.io.fits.verify import VerifyWarning
    plain, meta = _plain_columns(table)
    meta_json = json.dumps(meta, default=_json_default, ensure_ascii=True, sort_keys=True)
    with atomic_path(path, overwrite=overwrite, inputs=inputs) as tmp:
        if format == 'fits':
            plain.meta = {key: value for key, value in meta.items()
                          if isinstance(value, (str, int, float, bool, np.generic))
                          and key != _SKY_COLUMNS_KEY}
            plain.meta[META_KEYWORD] = meta_json
            with warnings.catch_warnings():     # long keys become HIERARCH cards, as intended
                warnings.filterwarnings('ignore', 'Keyword name .* HIERARCH', VerifyWarning)
                plain.write(tmp, format='fits', overwrite=True)
        else:
            from astropy.io import votable
            from astropy.table import Table
            plain.meta = {}
            document = votable.from_table(Table(plain))
            document.resources[0].infos.append(votable.tree.Info(name=META_KEYWORD,
                                                                 value=meta_json))
            votable_to_xml(document, tmp)
    return path


def _restore(table, meta):
    """Put back the meta and SkyCoord columns that `write_table` flattened."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord
    sky_columns = meta.pop(_SKY_COLUMNS_KEY, {})
    table.meta = meta
    for name, (ra, dec) in sky_columns.items():
        if ra not in table.colnames or dec not in table.colnames:
            continue
        coords = SkyCoord(u.Quantity(table[ra], u.deg), u.Quantity(table[dec], u.deg),
                          frame='icrs')
        if name != 'sky_centroid' or ra != 'ra':
            index = table.colnames.index(ra)
            table.remove_columns([ra, dec])
        else:
            index = table.colnames.index(dec) + 1
        table.add_column(coords, name=name, index=index)
    return table


def read_table(path, *, format=None):
    """Read a table written by `write_table` (or any ECSV/FITS/VOTable/CSV table).

    Parameters
    ----------
    path : str or `os.PathLike`
    format : str, optional
        By default from the extension (`table_format`).

    Returns
    -------
    table : `~astropy.table.QTable`
        With the ``meta`` and sky-coordinate columns `write_table` stored;
        FITS ``Undefined`` header values become None.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file cannot be read as a table (the message names it).
    """
    from astropy.io import fits
    from astropy.table import QTable
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such file.' if not path.is_dir()
                                else f'{path}: is a folder, not a table file.')
    format = table_format(path, format)
    try:
        if format == 'votable':
            from astropy.io import votable
            document = votable.parse(str(path), verify='ignore')
            infos = list(document.infos) + [i for r in document.resources for i in r.infos]
            meta = next((json.loads(i.value) for i in infos if i.name == META_KEYWORD), None)
            table = QTable(document.get_first_table().to_table(use_names_over_ids=True))
        else:
            table = QTable.read(path, format=format)
            meta = table.meta.pop(META_KEYWORD, None)
            meta = json.loads(meta) if meta is not None else None
    except (OSError, ValueError, TypeError, KeyError, IndexError) as exc:
        text = str(exc).strip().splitlines()
        raise ValueError(f'{path}: cannot read a table from it '
                         f'({text[0] if text else type(exc).__name__}).') from exc
    if meta is None:
        meta = {key: (None if isinstance(value, fits.card.Undefined) else value)
                for key, value in table.meta.items()}
    return _restore(table, meta)
