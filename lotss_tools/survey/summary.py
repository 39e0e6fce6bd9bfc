"""After the mosaics: one survey catalogue, and the scores averaged over mosaics."""

from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import QTable

from ..cleaning import merge_catalogs
from ..radii import MERGE_RADIUS
from .footprints import FootprintFile

__all__ = ['merge_survey', 'survey_summary', 'SUMMARY_COLUMNS']

#: Columns of `survey_summary`: name -> (unit or None, description).
SUMMARY_COLUMNS = {
    'n_mosaics': (None, 'mosaics of the survey'),
    'n_done': (None, 'mosaics processed'),
    'n_failed': (None, 'mosaics that failed (see the manifest for why)'),
    'n_scored': (None, 'processed mosaics with a recall and precision against the reference'),
    'recall_mean': (None, 'mean over mosaics of the recall against the reference'),
    'recall_std': (None, 'standard deviation over mosaics of the recall (numpy.std, as the '
                         'research reported it)'),
    'precision_mean': (None, 'mean over mosaics of the precision against the reference'),
    'precision_std': (None, 'standard deviation over mosaics of the precision'),
    'f1_mean': (None, 'mean over mosaics of the F1 score'),
    'recall_below_50': (None, 'fraction of scored mosaics with a recall below 0.5'),
    'precision_below_50': (None, 'fraction of scored mosaics with a precision below 0.5'),
    'n_detected': (None, 'sources detected, all mosaics added'),
    'n_kept': (None, 'sources kept by the cleaner, all mosaics added'),
    'n_sources': (None, 'sources of the survey catalogue (each overlap source once)'),
    'n_overlap_duplicates': (None, 'copies of sources in mosaic overlaps removed by the merge'),
    'time': (u.s, 'processing time of the mosaics, added (not the wall-clock time)'),
    'max_worker_rss': (u.MiB, 'largest resident memory of a worker process (getrusage '
                              'ru_maxrss after its mosaics)'),
}


def merge_survey(output_dir, records, *, radius=MERGE_RADIUS):
    """Merge the catalogues of processed mosaics across their overlaps.

    Each source seen by several mosaics is kept once: the copy farthest
    from its mosaic's edge (NaN blanks count as edges), see
    `~lotss_tools.cleaning.merge_catalogs`. The footprints are read one at a
    time from the files the tasks wrote, so hundreds of mosaics fit in memory.

    Parameters
    ----------
    output_dir : str or `os.PathLike`
        The survey's output folder.
    records : sequence of dict
        Manifest records of the mosaics to merge (status ``'done'``), in a
        fixed order (ties between copies go to the earlier mosaic).
    radius : `~astropy.units.Quantity`
        Largest separation of two copies of a source.

    Returns
    -------
    merged : `~astropy.table.QTable` or None
        The kept sources of all mosaics (their columns, with ``mosaic``);
        None when no mosaic was processed.
    duplicates : `~astropy.table.QTable` or None
        The removed copies, with ``reason`` (``overlap_duplicate``),
        ``rejected_by`` (``id`` of the kept copy) and ``rejected_by_mosaic``.

    Examples
    --------
    Merge again the mosaics of a finished survey, with another radius:

    >>> import tempfile
    >>> import astropy.units as u
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.survey import Manifest, merge_survey, run_survey
    >>> folder = tempfile.mkdtemp()
    >>> path = simulate_mosaic((256, 256), seed=4)[0].write(f'{folder}/field4.fits')
    >>> result = run_survey([path], f'{folder}/out', client='synchronous')
    >>> records = Manifest.load(result.paths['manifest']).records.values()
    >>> merged, duplicates = merge_survey(result.output_dir, records, radius=3 * u.arcsec)
    >>> len(merged) == int(result.manifest['n_kept'][0]), len(duplicates)
    (True, 0)
    """
    output_dir = Path(output_dir)
    records = list(records)
    if not records:
        return None, None
    names = [r['mosaic'] for r in records]
    catalogs = [QTable.read(output_dir / r['catalog'], format='ascii.ecsv') for r in records]
    footprints = [FootprintFile(output_dir / r['footprint']) for r in records]
    merged, duplicates = merge_catalogs(catalogs, footprints, radius=radius)
    merged.remove_column('catalog')
    names = np.array(names)
    duplicates['rejected_by_mosaic'] = names[np.asarray(duplicates['rejected_by_catalog'], int)]
    duplicates['rejected_by_mosaic'].info.description = 'mosaic of the copy that was kept'
    duplicates.remove_columns(['catalog', 'rejected_by_catalog'])
    meta = {key: value for key, value in catalogs[0].meta.items()
            if key not in ('mosaic', 'global_rms', 'n_tiles')}
    meta.update(merge_radius=u.Quantity(radius, u.arcsec).to_string(), mosaics=names.tolist())
    merged.meta, duplicates.meta = dict(meta), dict(meta)
    return merged, duplicates


def survey_summary(manifest, n_sources=None, n_overlap_duplicates=None):
    """Scores and counts of a survey, averaged or added over its mosaics.

    Parameters
    ----------
    manifest : `~astropy.table.QTable`
        The manifest table (`~lotss_tools.survey.Manifest.table`) of the
        survey's mosaics.
    n_sources, n_overlap_duplicates : int, optional
        Rows of the merged catalogue and of the removed overlap copies.

    Returns
    -------
    summary : `~astropy.table.QTable`
        One row, columns `SUMMARY_COLUMNS`. Scores are NaN when no mosaic
        has a reference.

    Examples
    --------
    >>> from lotss_tools.survey import Manifest, survey_summary
    >>> manifest = Manifest('unused.json', {
    ...     'P1': {'mosaic': 'P1', 'status': 'done', 'recall': 0.6, 'precision': 0.7},
    ...     'P2': {'mosaic': 'P2', 'status': 'done', 'recall': 0.4, 'precision': 0.5},
    ...     'P3': {'mosaic': 'P3', 'status': 'failed', 'error': 'MissingBeamError: ...'}})
    >>> summary = survey_summary(manifest.table())
    >>> float(summary['recall_mean'][0]), float(summary['recall_std'][0].round(3))
    (0.5, 0.1)
    >>> int(summary['n_failed'][0]), float(summary['recall_below_50'][0])
    (1, 0.5)
    """
    done = manifest[manifest['status'] == 'done'] if len(manifest) else manifest
    recall = np.asarray(done['recall'], float) if len(done) else np.zeros(0)
    precision = np.asarray(done['precision'], float) if len(done) else np.zeros(0)
    f1 = np.asarray(done['f1'], float) if len(done) else np.zeros(0)
    scored = np.isfinite(recall) & np.isfinite(precision)

    def stat(values, function):
        values = values[scored]
        return float(function(values)) if values.size else np.nan

    def count(column):
        return int(np.sum(np.asarray(done[column]))) if len(done) else 0

    time = manifest['time'] if len(manifest) else np.zeros(0) * u.s
    memory = manifest['worker_max_rss'] if len(manifest) else np.zeros(0) * u.MiB
    values = {
        'n_mosaics': len(manifest), 'n_done': len(done), 'n_failed': len(manifest) - len(done),
        'n_scored': int(scored.sum()),
        'recall_mean': stat(recall, np.mean), 'recall_std': stat(recall, np.std),
        'precision_mean': stat(precision, np.mean), 'precision_std': stat(precision, np.std),
        'f1_mean': stat(np.where(np.isfinite(f1), f1, 0.0), np.mean),
        'recall_below_50': stat(recall < 0.5, np.mean),
        'precision_below_50': stat(precision < 0.5, np.mean),
        'n_detected': count('n_detected'), 'n_kept': count('n_kept'),
        'n_sources': -1 if n_sources is None else int(n_sources),
        'n_overlap_duplicates': -1 if n_overlap_duplicates is None else int(n_overlap_duplicates),
        'time': np.nansum(time.to_value(u.s)) * u.s,
        'max_worker_rss': (np.nanmax(memory.to_value(u.MiB)) if np.isfinite(
            memory.value).any() else np.nan) * u.MiB,
    }
    summary = QTable()
    for name, (unit, description) in SUMMARY_COLUMNS.items():
        value = values[name]
        summary[name] = u.Quantity([value]) if unit is not None else [value]
        summary[name].info.description = description
    return summary
