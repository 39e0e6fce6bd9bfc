"""The per-mosaic work of a survey: plain functions that Dask ships to its workers.

`process_mosaic` reads one mosaic, extracts, cleans and (optionally)
cross-matches it, writes its catalogue, rejected rows and footprint
atomically, and returns a small record (a dict) for the manifest. It never
raises: a mosaic that cannot be processed gives a record with
``status='failed'`` and the reason, so the rest of the survey goes on.
Large mosaics can be extracted in tiles by `extract_tile` (one task per
tile) and finished by `process_mosaic` with the tiles' catalogues.

Every function here is picklable and only takes picklable arguments, so
the same code runs in this process, on a `~dask.distributed.LocalCluster` or
on a cluster of many machines. Each output file is named after the mosaic
and written whole or not at all: a task that runs twice (a retry after a
worker died, or a resumed survey) writes the same files again.
"""

import copy
import os
import socket
import sys
import threading
import time
import tracemalloc
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import QTable, vstack
from astropy.wcs import WCS

from ..exceptions import InvalidMosaicError
from ..io import write_table
from ..mosaic import Mosaic
from .footprints import write_footprint

__all__ = ['process_mosaic', 'extract_tile', 'read_window', 'mosaic_files', 'LOTSS_DR2']

#: Value of ``reference`` that queries LoTSS DR2 on VizieR for each mosaic.
LOTSS_DR2 = 'lotss-dr2'

_trace_lock = threading.Lock()
_trace_users = 0
_trace_started = False


@contextmanager
def _traced_memory():
    """Yield a function giving the peak traced memory (bytes) since entering.

    tracemalloc is process-wide: with several tasks at once in one worker,
    the peak includes their allocations too (an upper bound). Tracing that
    was already on (started by the user) is left on.
    """
    global _trace_users, _trace_started
    with _trace_lock:
        if _trace_users == 0:
            _trace_started = not tracemalloc.is_tracing()
            if _trace_started:
                tracemalloc.start()
            tracemalloc.reset_peak()
        _trace_users += 1
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        with _trace_lock:
            _trace_users -= 1
            if _trace_users == 0 and _trace_started:
                tracemalloc.stop()


def _worker_name():
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return f'{socket.gethostname()}:{os.getpid()}'


def _max_rss_mib():
    try:
        import resource
    except ImportError:     # Windows
        return float('nan')
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 ** 2 if sys.platform == 'darwin' else rss / 1024   # bytes / kB


def _error_text(exc):
    text = str(exc).strip().splitlines()
    return f'{type(exc).__name__}: {text[0] if text else "(no message)"}'


def mosaic_files(name):
    """Output files of a mosaic, relative to the survey's output folder.

    Returns
    -------
    files : dict
        ``catalog``, ``rejected`` (ECSV) and ``footprint`` (FITS), under
        ``mosaics/``.

    Examples
    --------
    >>> from lotss_tools.survey import mosaic_files
    >>> mosaic_files('P7Hetdex11')['catalog']
    'mosaics/P7Hetdex11.catalog.ecsv'
    """
    return {'catalog': f'mosaics/{name}.catalog.ecsv',
            'rejected': f'mosaics/{name}.rejected.ecsv',
            'footprint': f'mosaics/{name}.footprint.fits'}


def read_window(path, window, *, name=None):
    """Read a rectangle of a FITS mosaic without loading the rest of the image.

    Parameters
    ----------
    path : str or `os.PathLike`
    window : tuple of two slices
        ``(rows, columns)`` of the image, as in ``data[rows, columns]``.
    name : str, optional
        Name of the returned mosaic.

    Returns
    -------
    mosaic : `~lotss_tools.Mosaic`
        The rectangle with its own WCS; ``meta['CUTX0']``/``meta['CUTY0']``
        give the pixel of the whole mosaic at its origin.

    Raises
    ------
    InvalidMosaicError, MissingBeamError, FileNotFoundError
        As `~lotss_tools.Mosaic.read`.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.survey import read_window
    >>> mosaic, truth = simulate_mosaic((300, 400), seed=1)
    >>> path = mosaic.write(tempfile.mkdtemp() + '/field.fits')
    >>> part = read_window(path, (slice(100, 200), slice(50, 250)))
    >>> part.shape, part.meta['CUTX0'], part.meta['CUTY0']
    ((100, 200), 50, 100)
    >>> np.array_equal(part.data, mosaic.data[100:200, 50:250], equal_nan=True)
    True
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such mosaic file.')
    ys, xs = window
    try:
        with fits.open(path, memmap=True) as hdus:
            hdu = next((h for h in hdus if h.is_image and h.header.get('NAXIS', 0) >= 2), None)
            if hdu is None:
                raise InvalidMosaicError(f'{path}: contains no image data.')
            header = hdu.header.copy()
            extra = (0,) * (int(header['NAXIS']) - 2)
            data = np.array(hdu.section[extra + (ys, xs)])
            wcs = WCS(header).celestial[ys, xs]
    except (InvalidMosaicError, FileNotFoundError):
        raise
    except (OSError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise InvalidMosaicError(f'{path}: not a readable FITS image ({exc}).') from exc
    header['CUTX0'] = (xs.start, 'x of this origin in the parent mosaic (0-based)')
    header['CUTY0'] = (ys.start, 'y of this origin in the parent mosaic (0-based)')
    try:
        return Mosaic(data, wcs=wcs, meta=header, name=name or path.name.split('.')[0])
    except InvalidMosaicError as exc:
        raise type(exc)(f'{path} [{ys.start}:{ys.stop}, {xs.start}:{xs.stop}]: {exc}') from exc


def extract_tile(path, name, window, core, number, extractor):
    """Extract the sources of one tile of a mosaic (a task of a tiled mosaic).

    Parameters
    ----------
    path : str or `os.PathLike`
        The mosaic file.
    name : str
        Name of the mosaic.
    window : tuple of two slices
        The tile, overlap included.
    core : tuple of two slices
        The part of the mosaic the tile owns: only sources whose centroid
        lies in it are returned, so each source comes from one tile.
    number : int
        Tile number (written to the ``tile`` column).
    extractor : object
        With ``extract(mosaic) -> QTable`` (a `~lotss_tools.DendroExtractor`).

    Returns
    -------
    result : dict
        ``catalog`` (QTable, pixel positions in the whole mosaic, or None
        on failure), ``error`` (str), ``time`` (s), ``peak_memory`` (bytes).

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools import DendroExtractor
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.survey import extract_tile
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=2)
    >>> path = mosaic.write(tempfile.mkdtemp() + '/field.fits')
    >>> window, core = (slice(0, 300), slice(212, 512)), (slice(0, 268), slice(244, 512))
    >>> tile = extract_tile(path, 'field', window, core, 1, DendroExtractor())
    >>> tile['error'], bool((tile['catalog']['x'] >= 243.5).all())
    ('', True)
    """
    start = time.perf_counter()
    with _traced_memory() as peak:
        try:
            mosaic = read_window(path, window, name=name)
            catalog = copy.deepcopy(extractor).extract(mosaic)
            x, y = catalog['x'] + window[1].start, catalog['y'] + window[0].start
            (cy, cx) = core
            own = ((y >= cy.start - 0.5) & (y < cy.stop - 0.5)
                   & (x >= cx.start - 0.5) & (x < cx.stop - 0.5))
            catalog['x'], catalog['y'] = x, y
            catalog['tile'] = np.full(len(catalog), number)
            result = {'catalog': catalog[own], 'error': ''}
        except Exception as exc:    # reported in the manifest, not raised
            result = {'catalog': None, 'error': _error_text(exc)}
        result.update(time=time.perf_counter() - start, peak_memory=peak())
    return result


def _join_tiles(tiles):
    """One catalogue from the catalogues of a mosaic's tiles, ordered and numbered."""
    catalogs = [t['catalog'] for t in tiles]
    table = vstack(catalogs, metadata_conflicts='silent') if len(catalogs) > 1 else catalogs[0]
    table = QTable(table[np.argsort(-table['peak_flux'].value, kind='stable')])
    table['id'] = np.arange(1, len(table) + 1)
    table.meta = dict(catalogs[0].meta, n_tiles=len(tiles))
    return table


def _reference_in(reference, mosaic):
    """The reference sources on the valid pixels of a mosaic."""
    if isinstance(reference, str):
        if reference != LOTSS_DR2:
            raise ValueError(f"reference must be a table, a catalogue file or {LOTSS_DR2!r}, "
                             f"not {reference!r}.")
        from ..catalogs import get_lotss_dr2
        return get_lotss_dr2(mosaic)
    from ..catalogs.region import mosaic_cone, select_region
    center, radius = mosaic_cone(mosaic)
    return select_region(reference, center, radius, mosaic)


def process_mosaic(path, name, output_dir, *, extractor, cleaner, matcher=None, reference=None,
                   parameters_hash='', tiles=None):
    """Process one mosaic: extract, clean, cross-match, write; return its manifest record.

    Parameters
    ----------
    path : str or `os.PathLike`
        The mosaic (FITS).
    name : str
        Its name in the survey (files are named after it).
    output_dir : str or `os.PathLike`
        The survey's output folder; files go to ``mosaics/`` in it
        (`mosaic_files`), replacing earlier ones.
    extractor : object
        With ``extract(mosaic) -> QTable``; copied before use.
    cleaner : object
        With ``clean(catalog) -> (kept, rejected)``.
    matcher : `~lotss_tools.CrossMatcher`, optional
        Used when there is a reference.
    reference : `~astropy.table.Table`, str or None
        A catalogue (only its rows on the mosaic's valid pixels are used),
        ``'lotss-dr2'`` (queried on VizieR for this mosaic, cached) or None.
    parameters_hash : str
        Written into the record.
    tiles : list of dict, optional
        Results of `extract_tile` for every tile of the mosaic; the
        extraction is then not run again.

    Returns
    -------
    record : dict
        The keys of `~lotss_tools.survey.MANIFEST_COLUMNS`; never raises
        for a bad mosaic (``status='failed'`` and ``error`` instead).

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools import CatalogCleaner, DendroExtractor
    >>> from lotss_tools.survey import process_mosaic
    >>> folder = tempfile.mkdtemp()
    >>> record = process_mosaic(f'{folder}/missing.fits', 'missing', folder,
    ...                         extractor=DendroExtractor(), cleaner=CatalogCleaner())
    >>> record['status'], record['error']  # doctest: +ELLIPSIS
    ('failed', 'FileNotFoundError: .../missing.fits: no such mosaic file.')
    """
    start = time.perf_counter()
    output_dir = Path(output_dir)
    files = mosaic_files(name)
    record = {'mosaic': name, 'path': str(path), 'parameters_hash': parameters_hash,
              'n_tiles': len(tiles) if tiles else 1, 'worker': _worker_name()}
    tile_time = sum(t['time'] for t in tiles) if tiles else 0.0
    tile_peak = max((t['peak_memory'] for t in tiles), default=0) if tiles else 0
    with _traced_memory() as peak:
        try:
            failed = [t['error'] for t in tiles or () if t['error']]
            if failed:
                raise _TileError(failed[0])
            mosaic = Mosaic.read(path, name=name)
            catalog = _join_tiles(tiles) if tiles else copy.deepcopy(extractor).extract(mosaic)
            catalog = QTable(catalog, copy=False)
            catalog['mosaic'] = np.full(len(catalog), name, dtype=f'U{max(len(name), 1)}')
            catalog['mosaic'].info.description = 'name of the mosaic the source was found in'
            kept, rejected = cleaner.clean(catalog)
            record.update(n_detected=len(catalog), n_kept=len(kept), n_rejected=len(rejected))
            if reference is not None:
                field = _reference_in(reference, mosaic)
                match = (matcher if matcher is not None else _default_matcher()).match(kept, field)
                record.update(n_reference=len(field), n_matched=int(match.n_matched),
                              recall=float(match.recall), precision=float(match.precision),
                              f1=float(match.f1))
            write_footprint(mosaic, output_dir / files['footprint'])
            write_table(rejected, output_dir / files['rejected'], overwrite=True)
            write_table(kept, output_dir / files['catalog'], overwrite=True)
            record.update(status='done', error='', **files)
        except Exception as exc:    # a bad mosaic must not stop the survey
            error = str(exc) if isinstance(exc, _TileError) else _error_text(exc)
            record.update(status='failed', error=error)
        record['peak_memory'] = max(peak(), tile_peak) / 1024 ** 2
    record.update(time=time.perf_counter() - start + tile_time, worker_max_rss=_max_rss_mib(),
                  finished=datetime.now(timezone.utc).isoformat(timespec='seconds'))
    return record


class _TileError(Exception):
    """A tile of the mosaic failed; the message is the tile's error."""

    def __str__(self):
        return str(self.args[0])


def _default_matcher():
    from ..crossmatch import CrossMatcher
    return CrossMatcher()
