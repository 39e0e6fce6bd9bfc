"""The pipeline, written once: extract, clean, cross-match; and its score against a truth.

`Pipeline` chains `~lotss_tools.DendroExtractor`,
`~lotss_tools.CatalogCleaner` and `~lotss_tools.CrossMatcher` on one mosaic
and returns everything each step made in a `PipelineResult`. The demo, the
command line, the survey tasks, the benchmarks and the gallery all run it,
so the steps are joined in one place only. `score_against_truth` scores a
catalogue against the truth of a simulated sky, the same way everywhere.
"""

import time
from dataclasses import dataclass, field

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from ._params import ParamsMixin
from .cleaning import CatalogCleaner
from .crossmatch import CrossMatcher, MatchResult, assign_pairs
from .extraction import DendroExtractor
from .neighbours import pairs_within
from .radii import MATCH_RADIUS
from .schema import catalog_coordinates, read_column

__all__ = ['Pipeline', 'PipelineResult', 'score_against_truth', 'TruthScore']


@dataclass
class PipelineResult:
    """What `Pipeline.run` made of one mosaic.

    Attributes
    ----------
    extraction : `~lotss_tools.extraction.Extraction`
        The extractor's result: every detection (`catalog`), the noise model
        and the thresholds used.
    kept, rejected : `~astropy.table.QTable`
        The cleaner's split of the detections: sources, or their components
        with ``level='components'``.
    match : `~lotss_tools.crossmatch.MatchResult` or None
        The kept sources matched against the reference (recall counted over
        the reference rows inside the mosaic footprint), when one was given.
    timings : dict
        Wall-clock seconds of each step (``extract``, ``clean``, ``match``,
        ``false_detections``).
    false_detections : `~lotss_tools.validation.FalseDetectionReport` or None
        The negated-image report, when the pipeline was made with
        ``false_detections=True``; its `summary` is also in the ``meta`` of
        `catalog`, `kept` and `rejected`.
    """

    extraction: object
    kept: object
    rejected: object
    match: object = None
    timings: dict = field(default_factory=dict)
    false_detections: object = None

    @property
    def catalog(self):
        """Every detection, before cleaning."""
        return self.extraction.catalog

    @property
    def noise(self):
        """The `~lotss_tools.noise.NoiseModel` the extraction used."""
        return self.extraction.noise

    @property
    def thresholds(self):
        """The `~lotss_tools.extraction.ExtractionThresholds` the extraction used."""
        return self.extraction.thresholds

    def __repr__(self):
        match = '' if self.match is None else (
            f', recall {self.match.recall:.3f}, precision {self.match.precision:.3f}')
        return (f'<PipelineResult: {len(self.catalog)} detections, {len(self.kept)} kept, '
                f'{len(self.rejected)} rejected{match}>')


class Pipeline(ParamsMixin):
    """Extract, clean and (with a reference) cross-match the sources of a mosaic.

    Parameters
    ----------
    extractor : `~lotss_tools.DendroExtractor`, optional
        Default ``DendroExtractor()``.
    cleaner : `~lotss_tools.CatalogCleaner`, optional
        Default ``CatalogCleaner()``.
    matcher : `~lotss_tools.CrossMatcher`, optional
        Default ``CrossMatcher()`` (one-to-one within
        `~lotss_tools.radii.MATCH_RADIUS`); used when `run` gets a reference.
    level : {'sources', 'components'}
        What is cleaned and matched: the sources (default; the catalogue of
        the extractor), or the Gaussian components of the extraction
        (``components`` of the `~lotss_tools.extraction.Extraction`). Cleaning always
        judges sources: at the component level a component is kept or
        rejected with its source (its ``reason`` and ``rejected_by``), so
        the components of one source never reject each other as
        duplicates; the kept components are then matched.
    false_detections : bool
        Also run the extractor and the cleaner on the negated image and
        report the false detections
        (`~lotss_tools.validation.false_detections`; about doubles the
        time). The report is `PipelineResult.false_detections` and its
        summary (``n_negative``, ``false_detection_fraction``...) goes into
        the catalogues' ``meta``.

    Notes
    -----
    The cleaner gets the mosaic and the extraction's noise model
    (``cleaner.clean(catalog, mosaic=..., noise=...)``), so that the
    default cleaner measures the artifact level on the image.

    Examples
    --------
    >>> from lotss_tools import Pipeline
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=4)
    >>> result = Pipeline().run(mosaic, truth[truth['snr'] >= 7])
    >>> len(result.kept) + len(result.rejected) == len(result.catalog)
    True
    >>> bool(result.match.recall > 0.9)
    True
    """

    def __init__(self, extractor=None, cleaner=None, matcher=None, *, level='sources',
                 false_detections=False):
        if level not in _LEVELS:
            raise ValueError(f'level must be one of {_LEVELS}, not {level!r}.')
        self.level = level
        self.extractor = DendroExtractor() if extractor is None else extractor
        self.cleaner = CatalogCleaner() if cleaner is None else cleaner
        self.matcher = CrossMatcher() if matcher is None else matcher
        self.false_detections = bool(false_detections)
        for obj, method, what in ((self.extractor, 'run', 'extractor'),
                                  (self.cleaner, 'clean', 'cleaner'),
                                  (self.matcher, 'match', 'matcher')):
            if not callable(getattr(obj, method, None)):
                raise TypeError(f'the {what} must have a method {method}(), not '
                                f'{type(obj).__name__}.')

    def run(self, mosaic, reference=None, *, noise=None, min_flux=None, min_snr=None):
        """Run the pipeline on one mosaic.

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic`
        reference : `~astropy.table.Table`, optional
            A reference catalogue (LoTSS DR2, a survey file, a truth);
            survey column names are understood. Recall counts only its rows
            inside the mosaic's footprint (and above the floor).
        noise : `~lotss_tools.noise.NoiseModel`, optional
            This mosaic's noise, if already measured.
        min_flux, min_snr : optional
            Floor of the reference rows recall counts; see
            `~lotss_tools.CrossMatcher.match`.

        Returns
        -------
        result : `PipelineResult`
        """
        timings = {}
        start = time.perf_counter()
        extraction = self.extractor.run(mosaic, noise=noise)
        timings['extract'] = time.perf_counter() - start
        start = time.perf_counter()
        kept, rejected = self.cleaner.clean(extraction.catalog, mosaic=mosaic,
                                            noise=extraction.noise)
        if self.level == 'components':
            kept, rejected = _components_of(extraction, kept, rejected)
        timings['clean'] = time.perf_counter() - start
        match = None
        if reference is not None:
            start = time.perf_counter()
            match = self.matcher.match(kept, reference, footprint=mosaic, min_flux=min_flux,
                                       min_snr=min_snr)
            timings['match'] = time.perf_counter() - start
        result = PipelineResult(extraction, kept, rejected, match, timings)
        if self.false_detections:
            from .validation.negated_image import false_detections
            start = time.perf_counter()
            report = false_detections(mosaic, self, positive=result)
            timings['false_detections'] = time.perf_counter() - start
            summary = report.summary()
            for table in (extraction.catalog, kept, rejected):
                table.meta['false_detections'] = dict(summary)
            result.false_detections = report
        return result


_LEVELS = ('sources', 'components')


def _components_of(extraction, kept, rejected):
    """The components of the kept and of the rejected sources (with their reasons)."""
    components = getattr(extraction, 'components', None)
    if components is None:
        raise ValueError("level='components' needs an extraction with components "
                         "(DendroExtractor(measurement='gaussian')); this one has none.")
    source = np.asarray(components['source_id'])
    out = np.isin(source, np.asarray(rejected['id']))
    kept_components, rejected_components = components[~out], components[out]
    row = np.searchsorted(np.asarray(rejected['id']), source[out],
                          sorter=np.argsort(rejected['id']))
    row = np.argsort(rejected['id'])[row] if len(rejected) else row
    for name in ('reason', 'rejected_by'):
        rejected_components[name] = rejected[name][row]
        rejected_components[name].info.description = rejected[name].info.description
    kept_components.meta, rejected_components.meta = dict(kept.meta), dict(rejected.meta)
    return kept_components, rejected_components


@dataclass(frozen=True)
class TruthScore:
    """Result of `score_against_truth`.

    Attributes
    ----------
    n_detected : int
        Rows of the catalogue.
    n_true : int
        Real sources of the truth (in the footprint, not artifacts).
    n_true_counted : int
        Of those, the ones with true SNR >= ``min_snr`` (recall counts them).
    recall : float
        Fraction of the counted true sources that are matched.
    recall_all : float
        Fraction of all real true sources that are matched (most are faint).
    precision : float
        Fraction of the detections matched to a real true source.
    f1 : float
        Harmonic mean of ``recall`` and ``precision``.
    flux_ratio : float
        Median measured / true total flux of the matched sources with true
        SNR >= ``flux_min_snr`` (NaN without any).
    min_snr, flux_min_snr : float
    match : `~lotss_tools.crossmatch.MatchResult`
    """

    n_detected: int
    n_true: int
    n_true_counted: int
    recall: float
    recall_all: float
    precision: float
    f1: float
    flux_ratio: float
    min_snr: float
    flux_min_snr: float
    match: object = field(repr=False, compare=False)

    def as_dict(self):
        """The numbers (without ``match``) as a dict."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__
                if name != 'match'}


def score_against_truth(catalog, truth, *, min_snr=7, radius=MATCH_RADIUS, flux_min_snr=10,
                        level='components'):
    """Score a catalogue against the truth of a simulated sky.

    The truth rows that are real sources (not artifact components, and in
    the footprint when the truth says so: columns ``artifact`` and
    ``in_footprint`` of `~lotss_tools.simulate.simulate_mosaic`) are matched
    one-to-one with the catalogue within ``radius``. Recall counts the true
    sources with SNR >= ``min_snr`` (fainter ones are mostly below the
    noise); precision counts every detection, matched to any real source.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
    truth : `~astropy.table.Table`
        With positions, ``snr`` and ``total_flux``.
    min_snr : float
        True SNR from which recall counts a source (7, as the benchmarks).
    radius : `~astropy.units.Quantity`
        Match radius (default `~lotss_tools.radii.MATCH_RADIUS`).
    flux_min_snr : float
        True SNR from which matched sources enter the flux ratio.
    level : {'components', 'sources'}
        What a true source is. ``'components'``: each real truth row.
        ``'sources'``: the real rows sharing a ``group`` (the components of
        one radio source, as in the truth of
        `~lotss_tools.validation.simulate_interferometer_sky`) are one true
        source, with the summed flux, the SNR of its brightest component and
        the flux-weighted centroid; a detection matches it when it lies
        within ``radius`` of the centroid or of any of its components, and a
        second detection of the same source (a split source) counts as a
        false one. Use it to score a source list (the extractor's default
        catalogue, PyBDSF's ``srl``) against a component truth: a double
        radio source found as one source sits at its centroid, where no
        truth row is. A truth without ``group`` is scored as components.

    Returns
    -------
    score : `TruthScore`
        Its ``match`` has the true sources (one row per source with
        ``level='sources'``) as its reference.

    Examples
    --------
    >>> from lotss_tools import DendroExtractor
    >>> from lotss_tools.pipeline import score_against_truth
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=4)
    >>> score = score_against_truth(DendroExtractor().extract(mosaic), truth)
    >>> bool(score.recall > 0.9 and score.precision > 0.9)
    True
    """
    if level not in ('components', 'sources'):
        raise ValueError(f"level must be 'components' or 'sources', not {level!r}")
    real = np.ones(len(truth), bool)
    for name, wanted in (('in_footprint', True), ('artifact', False)):
        if name in truth.colnames:
            real &= np.asarray(truth[name], bool) == wanted
    real_truth = truth[real]
    if level == 'sources' and 'group' in truth.colnames:
        match = _match_true_sources(catalog, real_truth, radius=radius, min_snr=min_snr)
    else:
        match = CrossMatcher(radius=radius).match(catalog, real_truth, min_snr=min_snr)
    real_truth = match.reference
    pairs_snr = np.asarray(real_truth['snr'])[match.index_reference]
    strong = pairs_snr >= flux_min_snr
    flux_ratio = np.nan
    if strong.any():
        measured = read_column(match.catalog, 'total_flux', u.mJy)[match.index_catalog]
        true = read_column(match.reference, 'total_flux', u.mJy)[match.index_reference]
        flux_ratio = float(np.median((measured[strong] / true[strong]).to_value(u.one)))
    recall_all = match.matched_reference.mean() if len(real_truth) else np.nan
    return TruthScore(n_detected=len(catalog), n_true=len(real_truth),
                      n_true_counted=match.n_reference_counted, recall=float(match.recall),
                      recall_all=float(recall_all), precision=float(match.precision),
                      f1=float(match.f1), flux_ratio=flux_ratio, min_snr=float(min_snr),
                      flux_min_snr=float(flux_min_snr), match=match)


def _true_sources(components, positions):
    """One row per ``group`` of truth components: centroid, summed flux, brightest SNR."""
    group, inverse = np.unique(np.asarray(components['group']), return_inverse=True)
    flux = read_column(components, 'total_flux', u.mJy).value
    weight = np.bincount(inverse, flux, group.size)
    xyz = positions.cartesian.xyz.value
    center = [np.bincount(inverse, flux * c, group.size) / np.where(weight > 0, weight, 1.0)
              for c in xyz]
    center = SkyCoord(*center, representation_type='cartesian').spherical
    snr = np.full(group.size, -np.inf)
    np.maximum.at(snr, inverse, np.asarray(components['snr'], float))
    sources = QTable({'group': group, 'ra': center.lon.to(u.deg), 'dec': center.lat.to(u.deg),
                      'total_flux': weight * u.mJy, 'snr': snr,
                      'n_components': np.bincount(inverse, minlength=group.size)})
    return sources, inverse


def _match_true_sources(catalog, components, *, radius, min_snr):
    """One-to-one match of detections with true sources (groups of components).

    A detection and a true source are a candidate pair when the detection
    lies within ``radius`` of the source's centroid or of any of its
    components, at the smallest of those separations.
    """
    positions = catalog_coordinates(components, 'truth')
    sources, group_of = _true_sources(components, positions)
    detections = catalog_coordinates(catalog)
    points = SkyCoord(np.concatenate([positions.ra.deg, sources['ra'].value]) * u.deg,
                      np.concatenate([positions.dec.deg, sources['dec'].value]) * u.deg)
    point_group = np.concatenate([group_of, np.arange(len(sources))])
    index_catalog = index_source = np.zeros(0, int)
    separation = np.zeros(0)
    if len(detections) and len(points):
        ia, ip, sep = pairs_within(detections, points, radius)
        ig = point_group[ip]
        sep = sep.to_value(u.arcsec)
        # The closest point of each (detection, true source) pair.
        order = np.lexsort((sep, ig, ia))
        ia, ig, sep = ia[order], ig[order], sep[order]
        first = np.ones(ia.size, bool)
        first[1:] = (ia[1:] != ia[:-1]) | (ig[1:] != ig[:-1])
        ia, ig, sep = ia[first], ig[first], sep[first]
        scaled = sep / u.Quantity(radius, u.arcsec).value
        chosen = assign_pairs(ia, ig, scaled, len(detections), len(sources))
        index_catalog, index_source, separation = ia[chosen], ig[chosen], sep[chosen]
    return MatchResult(catalog, sources, index_catalog, index_source, separation * u.arcsec,
                       radius=radius, method='optimal', reference_counted=sources['snr'] >= min_snr,
                       reference_floor=f'snr >= {min_snr:g}')
