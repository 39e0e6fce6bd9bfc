"""`run_survey`: every mosaic of a survey on Dask, resumable, merged into one catalogue."""

import json
import logging
import time
import uuid
from pathlib import Path

from astropy import units as u
from astropy.table import QTable, Table

from ..io import write_table
from ..radii import MERGE_RADIUS
from .cluster import check_executor_options, survey_executor
from .fingerprint import check_fingerprint, file_fingerprint
from .lock import LOCK_FILE, SurveyLock
from .manifest import (NOT_DONE_REASONS, Manifest, _group_reasons, describe_parameters,
                       parameters_hash)
from .result import SurveyResult
from .summary import merge_survey, survey_summary
from .tasks import LOTSS_DR2_REFERENCE, process_mosaic

__all__ = ['run_survey', 'find_mosaics', 'SURVEY_FILES']

log = logging.getLogger(__name__)

#: Files of a survey's output folder (besides ``mosaics/``).
SURVEY_FILES = {'manifest': 'manifest.json', 'catalog': 'survey-catalog.ecsv',
                'duplicates': 'survey-duplicates.ecsv', 'summary': 'survey-summary.ecsv',
                'lock': LOCK_FILE}

_FITS_SUFFIXES = ('.fits', '.fit', '.fts', '.fits.gz', '.fit.gz', '.fits.fz')


def _mosaic_name(path):
    name = path.name
    for suffix in sorted(_FITS_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return path.stem


def find_mosaics(mosaics):
    """The mosaic files of a survey, by name.

    Parameters
    ----------
    mosaics : str, `os.PathLike` or sequence of them
        A folder (its FITS files: ``.fits``, ``.fit``, ``.fts``, optionally
        gzipped, are taken, sorted by name) or a list of files.

    Returns
    -------
    mosaics : dict
        Name (file name without its FITS suffix) -> `pathlib.Path`, in order.

    Raises
    ------
    ValueError
        For a folder without FITS files, an empty list, or two files with
        the same name (their outputs would overwrite each other).
    FileNotFoundError
        For a folder that does not exist.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from lotss_tools.survey import find_mosaics
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ('P1-mosaic.fits', 'P2-mosaic.fits.gz', 'notes.txt'):
    ...     (folder / name).touch()
    >>> list(find_mosaics(folder))
    ['P1-mosaic', 'P2-mosaic']
    """
    if isinstance(mosaics, (str, Path)):
        folder = Path(mosaics)
        if folder.is_dir():
            paths = sorted(p for p in folder.iterdir()
                           if p.is_file() and p.name.lower().endswith(_FITS_SUFFIXES))
            if not paths:
                raise ValueError(f'{folder}: no FITS mosaics (*.fits, *.fits.gz) in this folder.')
        elif folder.exists():
            paths = [folder]
        else:
            raise FileNotFoundError(f'{folder}: no such folder or mosaic file.')
    else:
        paths = [Path(p) for p in mosaics]
        if not paths:
            raise ValueError('mosaics is empty: give a folder or a list of FITS files.')
    found = {}
    for path in paths:
        name = _mosaic_name(path)
        if name in found:
            raise ValueError(f'two mosaics are named {name!r} ({found[name]} and {path}); '
                             f'their catalogues would overwrite each other. Rename one.')
        found[name] = path
    return found


def _reference_table(reference):
    """(value passed to the tasks, description for the parameters) of ``reference``."""
    from ..catalogs.cache import table_checksum
    from ..schema import catalog_coordinates
    if reference is None:
        return None, None
    if isinstance(reference, str) and reference == LOTSS_DR2_REFERENCE:
        return LOTSS_DR2_REFERENCE, LOTSS_DR2_REFERENCE
    if isinstance(reference, (str, Path)):
        from ..catalogs import load_catalog
        path = Path(reference)
        table = load_catalog(path)
        description = {'file': str(path.resolve())}
    elif isinstance(reference, Table):
        table, description = reference, {'table': 'in memory'}
    else:
        raise TypeError(f"reference must be None, {LOTSS_DR2_REFERENCE!r}, a catalogue file or "
                        f"an astropy Table, not {type(reference).__name__}.")
    try:
        coords = catalog_coordinates(table)
    except (ValueError, TypeError) as exc:   # fail now, not once per mosaic
        raise type(exc)(f'reference: {exc}') from exc
    try:
        description['sha256'] = table_checksum(table)
    except TypeError:    # columns that cannot be checksummed: the positions stand for them
        description['sha256'] = table_checksum(QTable({'ra': coords.icrs.ra.deg,
                                                       'dec': coords.icrs.dec.deg}))
    description['n_rows'] = len(table)
    return table, description


def _failed_record(name, path, phash, exc):
    """Record of a mosaic whose task did not return (a worker died too often, cancelled...)."""
    text = str(exc).strip().splitlines()
    return {'mosaic': name, 'path': str(path), 'status': 'failed', 'parameters_hash': phash,
            'error': f'{type(exc).__name__}: {text[0] if text else "(no message)"}'}


def run_survey(mosaics, output_dir, *, extractor=None, cleaner=None, reference=None,
               matcher=None, client=None, n_workers=None, resume=True, tile_size=None,
               merge_radius=MERGE_RADIUS, progress=False, cluster_options=None,
               false_detections=False):
    """Process every mosaic of a survey, resumably, and merge them into one catalogue.

    Each mosaic is a task that runs the `~lotss_tools.Pipeline`: read it,
    extract its sources, clean them, cross-match them with the reference
    (if any; recall counts the reference sources on the mosaic's valid
    pixels) and write the catalogue,
    the rejected rows and the footprint into ``output_dir/mosaics/``
    (atomically). The manifest (``manifest.json``) records each mosaic as
    it finishes: status, parameters, counts, recall and precision, time,
    peak memory, and the error of a mosaic that failed (a bad mosaic never
    stops the others). Then the catalogues are merged across mosaic
    overlaps (`merge_survey`) into ``survey-catalog.ecsv`` and the scores
    averaged into ``survey-summary.ecsv``.

    One run at a time: the output folder is locked for the whole run
    (`SurveyLock`, file ``survey.lock``); a second run on the same folder
    raises `SurveyLockedError` at once, naming the run that holds it. The
    operating system releases the lock of a run that dies, even by
    ``kill -9``.

    Run again with the same arguments after an interruption (or a crash):
    mosaics already *done* are skipped, the others (including failed ones)
    are processed, and the merged catalogue is the same as that of an
    uninterrupted run. Done means done with these parameters on this
    input: the record has this run's parameters hash, and the input file
    and the mosaic's output files still match the fingerprints (size,
    times, SHA-256 of the bytes) recorded when it was processed. A mosaic
    whose file was replaced or edited is processed again and its rows in
    the survey catalogue replaced; `SurveyResult.reasons` and the report
    say why each mosaic was processed. The work left is decided before any
    cluster is started: a resume with nothing to do starts none, and
    reuses the merged catalogue if it was made from the same mosaic files.

    Parameters
    ----------
    mosaics : str, `os.PathLike` or sequence of them
        A folder of FITS mosaics or a list of files (see `find_mosaics`).
        Every worker must see them at the same paths (a shared file system).
    output_dir : str or `os.PathLike`
        Folder for the outputs; created if needed. Workers write into it.
    extractor : `~lotss_tools.DendroExtractor`, optional
        Default ``DendroExtractor()``.
    cleaner : `~lotss_tools.CatalogCleaner`, optional
        Default ``CatalogCleaner()``.
    reference : None, str, `os.PathLike` or `~astropy.table.Table`
        What to score each mosaic against: a table or a catalogue file
        (read once with `~lotss_tools.catalogs.load_catalog`; each mosaic
        uses the rows on its valid pixels), ``'lotss-dr2'`` (LoTSS DR2 from
        VizieR for each mosaic, through the package's cache), or None.
    matcher : `~lotss_tools.CrossMatcher`, optional
        How to match; default ``CrossMatcher()`` (one-to-one within
        `~lotss_tools.radii.MATCH_RADIUS`).
    client : `dask.distributed.Client`, str or None
        An existing client, the address of a running scheduler, None for a
        new `~dask.distributed.LocalCluster` on this machine, or
        ``'synchronous'`` to run the mosaics one after another in this
        process (no Dask needed).
    n_workers : int, optional
        Workers of the new LocalCluster (``client=None`` only), a positive
        integer.
    resume : bool
        Skip the mosaics the manifest records as done with the same
        parameters. False processes every mosaic again.
    tile_size : int, optional
        Extract each mosaic in tiles of this size: the extractor's own
        tiling (``DendroExtractor(tile_size=tile_size)``: one noise model
        for the mosaic, each source reported by the tile that owns its peak,
        sources cut by a tile edge regrown whole), so the catalogue is the
        one ``DendroExtractor(tile_size=tile_size).extract(mosaic)`` gives.
        The extractor's ``n_jobs`` threads work on the tiles.
    merge_radius : `~astropy.units.Quantity`
        Largest separation of two copies of a source in overlapping mosaics
        (default `~lotss_tools.radii.MERGE_RADIUS`).
    progress : bool
        Show a progress bar over the mosaics.
    cluster_options : dict, optional
        More arguments of the new LocalCluster (``client=None`` only).
    false_detections : bool
        Also run each mosaic's extraction and cleaning on its negated image
        (`~lotss_tools.validation.false_detections`, about twice the time)
        and record ``n_negative`` and ``false_detection_fraction`` in the
        manifest.

    Returns
    -------
    result : `SurveyResult`

    Raises
    ------
    SurveyLockedError
        Another run is using ``output_dir``; the message names it (host,
        process id, start time, command, parameters hash).
    InvalidParameterError
        ``n_workers`` is not a positive integer, or is given with a client.
    ImportError
        Dask is not installed and ``client`` is not ``'synchronous'``; the
        message says ``pip install 'lotss_tools[survey]'``.

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.survey import run_survey
    >>> folder = tempfile.mkdtemp()
    >>> for seed in (1, 2):
    ...     mosaic, truth = simulate_mosaic((256, 256), seed=seed)
    ...     path = mosaic.write(f'{folder}/field{seed}.fits')
    >>> result = run_survey(folder, f'{folder}/out', client='synchronous')
    >>> result.manifest['mosaic', 'status'].pformat()
    ['mosaic status', '------ ------', 'field1   done', 'field2   done']
    >>> run_survey(folder, f'{folder}/out', client='synchronous').n_skipped
    2
    """
    from ..extraction import DendroExtractor
    from ..pipeline import Pipeline

    start = time.perf_counter()
    check_executor_options(client, n_workers=n_workers, cluster_options=cluster_options)
    output_dir = Path(output_dir)
    found = find_mosaics(mosaics)
    extractor = DendroExtractor() if extractor is None else extractor
    if tile_size is not None:
        if not (int(tile_size) == tile_size and tile_size > 0):
            raise ValueError(f'tile_size must be a positive integer, not {tile_size!r}.')
        if not hasattr(extractor, 'with_params'):
            raise TypeError(f'tile_size needs an extractor with settings (DendroExtractor), '
                            f'not {type(extractor).__name__}.')
        extractor = extractor.with_params(tile_size=int(tile_size))
    reference_value, reference_description = _reference_table(reference)
    pipeline = Pipeline(extractor, cleaner, matcher, false_detections=false_detections)
    parameters = describe_parameters(
        extractor=pipeline.extractor, cleaner=pipeline.cleaner,
        matcher=pipeline.matcher if reference_value is not None else None,
        reference=reference_description,
        **({'false_detections': True} if pipeline.false_detections else {}))
    phash = parameters_hash(parameters)

    output_dir.mkdir(parents=True, exist_ok=True)
    with SurveyLock(output_dir, parameters_hash=phash):
        manifest_path = output_dir / SURVEY_FILES['manifest']
        manifest = Manifest.load(manifest_path) if resume else Manifest(manifest_path)
        reasons = _work_left(found, manifest, phash, output_dir, resume)
        executor_name = 'none (nothing to do)'
        if reasons:
            with survey_executor(client, n_workers=n_workers,
                                 cluster_options=cluster_options) as executor:
                executor_name = executor.name
                _run_tasks(executor, found, reasons, output_dir, pipeline, reference_value,
                           manifest, phash, parameters, progress)
        done = [name for name in found
                if manifest.records.get(name, {}).get('status') == 'done'
                and manifest.records[name].get('parameters_hash') == phash]
        paths, counts = _merged_catalogue(output_dir, manifest, done, phash, parameters,
                                          merge_radius)
        table = manifest.table(list(found))
        summary = survey_summary(table, *counts)
        write_table(summary, paths['summary'], overwrite=True)
    return SurveyResult(output_dir=output_dir, paths=paths, manifest=table, summary=summary,
                        n_processed=len(reasons), n_skipped=len(found) - len(reasons),
                        wall_time=(time.perf_counter() - start) * u.s, executor=executor_name,
                        reasons=reasons)


def _work_left(found, manifest, phash, output_dir, resume):
    """Mosaic -> why it must be processed (`NOT_DONE_REASONS`), in survey order."""
    if not resume:
        return {name: 'no-resume' for name in found}
    before = json.dumps(manifest.records, sort_keys=True, default=str)
    reasons = {}
    for name, path in found.items():
        reason = manifest.why_not_done(name, path, phash, output_dir)
        if reason is not None:
            reasons[name] = reason
    if json.dumps(manifest.records, sort_keys=True, default=str) != before:
        manifest.save()         # fingerprints refreshed (same content, new times)
    if len(reasons) < len(found):
        log.info('resuming: %d of %d mosaics already done', len(found) - len(reasons),
                 len(found))
    for reason, names in _group_reasons(reasons).items():
        shown = ', '.join(names[:10]) + (f' and {len(names) - 10} more' if len(names) > 10 else '')
        log.warning('%d mosaic(s) processed again, %s: %s', len(names), NOT_DONE_REASONS[reason],
                    shown)
    return reasons


def _run_tasks(executor, found, reasons, output_dir, pipeline, reference, manifest, phash,
               parameters, progress):
    """Submit one task per mosaic to process and record each as it finishes."""
    shared_reference = executor.scatter(reference) if isinstance(reference, Table) else reference
    futures = {}
    run = uuid.uuid4().hex[:8]
    for name in reasons:
        future = executor.submit(process_mosaic, str(found[name]), name, str(output_dir),
                                 pipeline=pipeline, reference=shared_reference,
                                 parameters_hash=phash, key=f'process-mosaic-{name}-{run}')
        futures[future] = name
    _collect(executor, futures, found, manifest, phash, parameters, _version(), progress)


def _merged_catalogue(output_dir, manifest, done, phash, parameters, merge_radius):
    """Merge the done mosaics into the survey catalogue, or reuse the last merge of the same files.

    Returns the paths of the survey files and (n_sources, n_overlap_duplicates).
    """
    paths = {'manifest': manifest.path, 'catalog': None, 'duplicates': None,
             'summary': output_dir / SURVEY_FILES['summary']}
    if not done:
        return paths, (None, None)
    made_from = {'parameters_hash': phash,
                 'merge_radius': u.Quantity(merge_radius, u.arcsec).to_string(),
                 'mosaics': [[name, manifest.records[name]['outputs']['catalog']['sha256'],
                              manifest.records[name]['outputs']['footprint']['sha256']]
                             for name in done]}
    files = {key: output_dir / SURVEY_FILES[key] for key in ('catalog', 'duplicates')}
    last = manifest.merged or {}
    if last.get('made_from') == made_from:
        states = {key: check_fingerprint(files[key], last.get(key)) for key in files}
        if all(state in ('unchanged', 'same-content') for state, _ in states.values()):
            for key, (_, current) in states.items():
                if current is not None:
                    last[key] = current
            if any(current is not None for _, current in states.values()):
                manifest.save()
            log.info('the survey catalogue is up to date (same mosaic files): not merged again')
            paths.update(files)
            return paths, (last['n_sources'], last['n_overlap_duplicates'])
    merged, duplicates = merge_survey(output_dir, [manifest.records[name] for name in done],
                                      radius=merge_radius)
    merged.meta['parameters'] = parameters
    for key, table in (('catalog', merged), ('duplicates', duplicates)):
        paths[key] = write_table(table, files[key], overwrite=True)
    manifest.merged = {'made_from': made_from, 'n_sources': len(merged),
                       'n_overlap_duplicates': len(duplicates),
                       **{key: file_fingerprint(files[key], trust_times=True) for key in files}}
    manifest.save()
    return paths, (len(merged), len(duplicates))


def _collect(executor, futures, found, manifest, phash, parameters, version, progress):
    """Record each mosaic in the manifest as its task finishes."""
    bar = None
    if progress and futures:
        from astropy.utils.console import ProgressBar
        bar = ProgressBar(len(futures))
    try:
        for future in executor.as_completed(list(futures)):
            name = futures[future]
            try:
                record = future.result()
            except Exception as exc:    # the task itself did not return
                record = _failed_record(name, found[name], phash, exc)
            record.update(parameters=parameters, lotss_tools_version=version)
            manifest.record(record)
            if record['status'] == 'failed':
                log.warning('mosaic %s failed: %s', name, record['error'])
            else:
                log.info('mosaic %s done: %s sources kept in %.1f s', name, record['n_kept'],
                         record['time'])
            if bar is not None:
                bar.update()
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _version():
    from .. import __version__
    return __version__
