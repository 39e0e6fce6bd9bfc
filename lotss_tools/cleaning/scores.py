"""How well a cleaning separates artifacts from real sources, measured on a simulated truth."""

from dataclasses import dataclass

import numpy as np
from astropy import units as u

from ..crossmatch.assignment import match_one_to_one
from ..neighbours import pairs_within
from ..radii import MATCH_RADIUS
from ..schema import catalog_coordinates
from ._catalog import source_ids

__all__ = ['CleaningScores', 'classify_detections', 'cleaning_scores']


def classify_detections(catalog, truth, radius=MATCH_RADIUS):
    """Label each detection as a true source, an artifact, or neither.

    A detection is *true* when the optimal one-to-one match
    (`~lotss_tools.crossmatch.match_one_to_one`) pairs it with a truth row
    that is not an artifact; *on an artifact* when it is not true and lies
    within ``radius`` of a truth row with ``artifact=True`` (see
    `~lotss_tools.simulate.simulate_mosaic`).

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        Detections (``sky_centroid`` or ``ra``/``dec``).
    truth : `~astropy.table.Table`
        The truth catalogue, with a boolean ``artifact`` column.
    radius : `~astropy.units.Quantity`
        Matching radius.

    Returns
    -------
    is_true, on_artifact : `~numpy.ndarray` of bool
        One value per detection.
    """
    real, artifacts = truth[~np.asarray(truth['artifact'], bool)], truth[np.asarray(
        truth['artifact'], bool)]
    is_true = np.zeros(len(catalog), bool)
    on_artifact = np.zeros(len(catalog), bool)
    if len(catalog) == 0:
        return is_true, on_artifact
    index, _, _ = match_one_to_one(catalog, real, radius)
    is_true[index] = True
    if len(artifacts):
        near, _, _ = pairs_within(catalog_coordinates(catalog), catalog_coordinates(artifacts),
                                  radius)
        on_artifact[near] = True
    return is_true, on_artifact & ~is_true


@dataclass(frozen=True)
class CleaningScores:
    """Counts of a cleaning against a simulated truth (see `cleaning_scores`)."""

    n_artifact: int
    n_artifact_rejected: int
    n_true: int
    n_true_rejected: int

    @property
    def artifact_rejected(self):
        """Fraction of the detections on artifacts that were rejected (NaN if none)."""
        return self.n_artifact_rejected / self.n_artifact if self.n_artifact else np.nan

    @property
    def true_rejected(self):
        """Fraction of the detections of true sources that were rejected (NaN if none)."""
        return self.n_true_rejected / self.n_true if self.n_true else np.nan

    def __add__(self, other):
        return CleaningScores(*(a + b for a, b in zip(
            (self.n_artifact, self.n_artifact_rejected, self.n_true, self.n_true_rejected),
            (other.n_artifact, other.n_artifact_rejected, other.n_true, other.n_true_rejected))))

    def __str__(self):
        return (f'artifacts rejected {self.n_artifact_rejected}/{self.n_artifact} '
                f'({100 * self.artifact_rejected:.1f}%), true sources rejected '
                f'{self.n_true_rejected}/{self.n_true} ({100 * self.true_rejected:.2f}%)')


def cleaning_scores(catalog, rejected, truth, radius=MATCH_RADIUS):
    """Fractions of artifacts and of true sources that a cleaning rejected.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        The catalogue before cleaning, with an ``id`` column.
    rejected : `~astropy.table.Table`
        The ``rejected`` table of `~lotss_tools.cleaning.CatalogCleaner.clean`.
    truth : `~astropy.table.Table`
        Truth of the simulated mosaic (`~lotss_tools.simulate.simulate_mosaic`).
    radius : `~astropy.units.Quantity`
        Matching radius (see `classify_detections`).

    Returns
    -------
    scores : `CleaningScores`

    Examples
    --------
    >>> from lotss_tools import DendroExtractor
    >>> from lotss_tools.cleaning import CatalogCleaner
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((1024, 1024), seed=3)
    >>> catalog = DendroExtractor().extract(mosaic)
    >>> kept, rejected = CatalogCleaner().clean(catalog)
    >>> scores = cleaning_scores(catalog, rejected, truth)
    >>> scores.n_artifact > 0, scores.n_artifact_rejected <= scores.n_artifact
    (True, True)
    >>> scores.artifact_rejected > scores.true_rejected
    True
    """
    is_true, on_artifact = classify_detections(catalog, truth, radius)
    out = np.isin(source_ids(catalog), source_ids(rejected)) if len(rejected) else np.zeros(
        len(catalog), bool)
    return CleaningScores(int(on_artifact.sum()), int((on_artifact & out).sum()),
                          int(is_true.sum()), int((is_true & out).sum()))
