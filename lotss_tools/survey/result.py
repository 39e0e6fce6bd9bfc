"""`SurveyResult`: what a survey run did and wrote."""

from dataclasses import dataclass, field
from pathlib import Path

from astropy import units as u
from astropy.table import QTable

from .manifest import NOT_DONE_REASONS, _group_reasons

__all__ = ['SurveyResult']


@dataclass
class SurveyResult:
    """What `~lotss_tools.survey.run_survey` did and wrote.

    Attributes
    ----------
    output_dir : `pathlib.Path`
    paths : dict
        ``manifest``, ``catalog`` (the merged survey catalogue, None if no
        mosaic was processed), ``duplicates`` (overlap copies removed by
        the merge) and ``summary`` files.
    manifest : `~astropy.table.QTable`
        One row per mosaic of this survey (columns
        `~lotss_tools.survey.MANIFEST_COLUMNS`).
    summary : `~astropy.table.QTable`
        One row (columns `~lotss_tools.survey.SUMMARY_COLUMNS`).
    n_processed, n_skipped : int
        Mosaics processed by this call, and skipped because a previous run
        had done them with the same parameters on the same input files.
    reasons : dict
        Mosaic -> why this call processed it: a key of
        `~lotss_tools.survey.NOT_DONE_REASONS` (``'new'``, ``'failed'``,
        ``'parameters'``, ``'input-changed'``, ...).
    wall_time : `~astropy.units.Quantity`
        Duration of this call.
    executor : str
        Where the tasks ran (``'nothing to do (no cluster started)'`` when
        every mosaic was done).

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.survey import run_survey
    >>> folder = tempfile.mkdtemp()
    >>> path = simulate_mosaic((256, 256), seed=3)[0].write(f'{folder}/field3.fits')
    >>> result = run_survey([path], f'{folder}/out', client='synchronous')
    >>> print(result.report().splitlines()[0])  # doctest: +ELLIPSIS
    survey of 1 mosaics: 1 done, 0 failed (1 processed now, on synchronous (this process); ...
    >>> len(result.failed), result.paths['catalog'].name
    (0, 'survey-catalog.ecsv')
    """

    output_dir: Path
    paths: dict = field(default_factory=dict)
    manifest: QTable = None
    summary: QTable = None
    n_processed: int = 0
    n_skipped: int = 0
    wall_time: u.Quantity = 0 * u.s
    executor: str = ''
    reasons: dict = field(default_factory=dict)

    @property
    def catalog(self):
        """The merged survey catalogue, read from its file (None if there is none)."""
        path = self.paths.get('catalog')
        return None if path is None else QTable.read(path, format='ascii.ecsv')

    @property
    def failed(self):
        """Rows of the manifest of the mosaics that failed."""
        return self.manifest[self.manifest['status'] == 'failed']

    def report(self):
        """A human-readable summary, as printed by ``lotss-tools survey``."""
        s = self.summary[0]
        where = (f'on {self.executor}' if self.n_processed else 'nothing left to do, no cluster '
                 'started')
        lines = [f'survey of {s["n_mosaics"]} mosaics: {s["n_done"]} done, {s["n_failed"]} '
                 f'failed ({self.n_processed} processed now, {where}; {self.n_skipped} skipped '
                 f'as done before) in {self.wall_time:.1f}']
        for reason, names in _group_reasons(self.reasons).items():
            lines.append(f'  processed again, {NOT_DONE_REASONS[reason]}: {", ".join(names)}')
        for row in self.failed:
            lines.append(f'  failed: {row["mosaic"]}: {row["error"]}')
        if s['n_sources'] >= 0:
            lines.append(f'survey catalogue: {s["n_sources"]} sources ({s["n_kept"]} kept in the '
                         f'mosaics, {s["n_overlap_duplicates"]} overlap copies removed)')
        if s['n_scored'] > 0:
            lines.append(f'recall    {s["recall_mean"]:.3f} +- {s["recall_std"]:.3f}, '
                         f'{100 * s["recall_below_50"]:.0f}% of mosaics below 0.5')
            lines.append(f'precision {s["precision_mean"]:.3f} +- {s["precision_std"]:.3f}, '
                         f'{100 * s["precision_below_50"]:.0f}% of mosaics below 0.5 '
                         f'({s["n_scored"]} mosaics scored)')
        lines.append(f'processing time {s["time"]:.1f}, largest worker memory '
                     f'{s["max_worker_rss"].to_value(u.MiB):.0f} MiB')
        lines += [f'  {name:<10s} {path}' for name, path in self.paths.items() if path]
        return '\n'.join(lines)
