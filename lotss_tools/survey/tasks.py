"""The per-mosaic work of a survey: plain functions that Dask ships to its workers.

`process_mosaic` reads one mosaic, runs the `~lotss_tools.Pipeline` on it
(extract, clean and, with a reference, cross-match), writes its catalogue,
rejected rows and footprint atomically, and returns a small record (a dict)
for the manifest. It never raises: a mosaic that cannot be processed gives a
record with ``status='failed'`` and the reason, so the rest of the survey
goes on. A large mosaic is tiled by the extractor itself
(``DendroExtractor(tile_size=...)``, whose threads work on the tiles), the
one tiling path of the package.

Every function here is picklable and only takes picklable arguments, so
the same code runs in this process, on a `~dask.distributed.LocalCluster` or
on a cluster of many machines. Each output file is named after the mosaic
and written whole or not at all: a task that runs twice (a retry after a
worker died, or a resumed survey) writes the same files again.
"""

import os
import socket
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..io import write_table
from ..mosaic import Mosaic
from .fingerprint import file_fingerprint
from .footprints import write_footprint

__all__ = ['process_mosaic', 'mosaic_files', 'LOTSS_DR2_REFERENCE']

#: Value of ``reference`` that queries LoTSS DR2 on VizieR for each mosaic.
LOTSS_DR2_REFERENCE = 'lotss-dr2'


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


def _reference_in(reference, mosaic):
    """The reference sources in the cone around a mosaic (the matcher counts its footprint)."""
    if isinstance(reference, str):
        if reference != LOTSS_DR2_REFERENCE:
            raise ValueError(f"reference must be a table, a catalogue file or "
                             f"{LOTSS_DR2_REFERENCE!r}, not {reference!r}.")
        from ..catalogs import get_lotss_dr2
        return get_lotss_dr2(mosaic)
    from ..catalogs.region import mosaic_cone, select_region
    center, radius = mosaic_cone(mosaic)
    return select_region(reference, center, radius)


def _with_mosaic_column(table, name):
    """The table with a ``mosaic`` column naming the mosaic of each row."""
    table['mosaic'] = np.full(len(table), name, dtype=f'U{max(len(name), 1)}')
    table['mosaic'].info.description = 'name of the mosaic the source was found in'
    return table


def process_mosaic(path, name, output_dir, *, pipeline=None, reference=None,
                   parameters_hash=''):
    """Process one mosaic: run the pipeline, write its files; return its manifest record.

    Parameters
    ----------
    path : str or `os.PathLike`
        The mosaic (FITS).
    name : str
        Its name in the survey (files are named after it).
    output_dir : str or `os.PathLike`
        The survey's output folder; files go to ``mosaics/`` in it
        (`mosaic_files`), replacing earlier ones.
    pipeline : `~lotss_tools.Pipeline`, optional
        The extractor, cleaner and matcher to run; default ``Pipeline()``.
    reference : `~astropy.table.Table`, str or None
        A catalogue (its rows in the mosaic's cone are matched; recall
        counts those on the mosaic's valid pixels), ``'lotss-dr2'``
        (queried on VizieR for this mosaic, cached) or None.
    parameters_hash : str
        Written into the record.

    Returns
    -------
    record : dict
        The keys of `~lotss_tools.survey.MANIFEST_COLUMNS`, with ``input``
        (the fingerprint of the mosaic file, taken before it is read) and
        ``outputs`` (the fingerprints of the files written, by
        ``catalog``, ``rejected`` and ``footprint``; see
        `~lotss_tools.survey.fingerprint.file_fingerprint`); never raises for
        a bad mosaic (``status='failed'`` and ``error`` instead).

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.survey import process_mosaic
    >>> folder = tempfile.mkdtemp()
    >>> record = process_mosaic(f'{folder}/missing.fits', 'missing', folder)
    >>> record['status'], record['error']  # doctest: +ELLIPSIS
    ('failed', 'FileNotFoundError: .../missing.fits: no such mosaic file.')
    """
    from ..pipeline import Pipeline
    pipeline = Pipeline() if pipeline is None else pipeline
    start = time.perf_counter()
    output_dir = Path(output_dir)
    files = mosaic_files(name)
    record = {'mosaic': name, 'path': str(path), 'parameters_hash': parameters_hash,
              'worker': _worker_name()}
    try:
        try:       # before reading it: a file that changes afterwards will not match
            record['input'] = file_fingerprint(path)
        except OSError:
            pass   # Mosaic.read says what is wrong with the file
        mosaic = Mosaic.read(path, name=name)
        field = None if reference is None else _reference_in(reference, mosaic)
        result = pipeline.run(mosaic, field)
        kept = _with_mosaic_column(result.kept, name)
        rejected = _with_mosaic_column(result.rejected, name)
        record.update(n_detected=len(result.catalog), n_kept=len(kept),
                      n_rejected=len(rejected), n_tiles=result.extraction.n_tiles)
        if result.match is not None:
            match = result.match
            record.update(n_reference=match.n_reference_counted,
                          n_matched=match.n_reference_found, recall=float(match.recall),
                          precision=float(match.precision), f1=float(match.f1))
        if result.false_detections is not None:
            summary = result.false_detections.summary()
            record.update(n_negative=summary['n_negative'],
                          false_detection_fraction=summary['false_detection_fraction'])
        write_footprint(mosaic, output_dir / files['footprint'])
        write_table(rejected, output_dir / files['rejected'], overwrite=True)
        write_table(kept, output_dir / files['catalog'], overwrite=True)
        record['outputs'] = {key: file_fingerprint(output_dir / file, trust_times=True)
                             for key, file in files.items()}
        record.update(status='done', error='', **files)
    except Exception as exc:    # a bad mosaic must not stop the survey
        record.update(status='failed', error=_error_text(exc))
    record.update(time=time.perf_counter() - start, worker_max_rss=_max_rss_mib(),
                  finished=datetime.now(timezone.utc).isoformat(timespec='seconds'))
    return record
