"""Atomic file output shared by every writer of the package.

A file is written under a temporary name in its destination folder and
renamed into place only when complete, so an interrupted run never leaves a
truncated catalogue or image that a later run would take for finished.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ['atomic_path', 'write_table', 'votable_to_xml']

#: Fallback VOTable serialisation if astropy's Python TABLEDATA writer is
#: not available (see `votable_to_xml`).
VOTABLE_SERIALIZATION = 'binary2'


@contextmanager
def atomic_path(path, *, overwrite=False):
    """Context manager giving a temporary path that is renamed to ``path`` on success.

    Parameters
    ----------
    path : str or `os.PathLike`
        Final destination. Its folder is created if needed.
    overwrite : bool
        Replace an existing file.

    Yields
    ------
    tmp : `pathlib.Path`
        Where to write. Removed if the block raises.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f'{path}: already exists; pass overwrite=True to replace it.')
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    # mkstemp makes the file private (0600); give it the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def votable_to_xml(document, destination):
    """Write a `~astropy.io.votable.tree.VOTableFile` without astropy's C TABLEDATA writer.

    That writer can corrupt memory (astropy issue 20419, open in astropy 8.0),
    which crashes the process later at a random place. The table is written
    as TABLEDATA by astropy's Python writer instead, or, if a future astropy
    no longer offers it, in the BINARY2 serialisation.

    Parameters
    ----------
    document : `~astropy.io.votable.tree.VOTableFile`
    destination : str, `os.PathLike` or writable binary file
    """
    destination = destination if hasattr(destination, 'write') else str(destination)
    try:
        document.to_xml(destination, _debug_python_based_parser=True)
    except TypeError:  # the private switch is gone: avoid TABLEDATA altogether
        for table in document.iter_tables():
            table.format = VOTABLE_SERIALIZATION
        document.to_xml(destination)


def write_table(table, path, *, overwrite=False, format=None):
    """Write an astropy table atomically (ECSV by default, or by extension).

    Parameters
    ----------
    table : `~astropy.table.Table` or `~astropy.table.QTable`
    path : str or `os.PathLike`
    overwrite : bool
    format : str, optional
        Any astropy table writer; guessed from the extension
        (``.ecsv``, ``.fits``, ``.vot``/``.xml``) when not given.

    Returns
    -------
    path : `pathlib.Path`
    """
    path = Path(path)
    if format is None:
        suffix = path.suffix.lower()
        format = {'.fits': 'fits', '.fit': 'fits', '.vot': 'votable',
                  '.xml': 'votable', '.csv': 'ascii.csv'}.get(suffix, 'ascii.ecsv')
    with atomic_path(path, overwrite=overwrite) as tmp:
        if format == 'votable':
            from astropy.io.votable import from_table
            votable_to_xml(from_table(table), tmp)
        else:
            table.write(tmp, format=format, overwrite=True)
    return path
