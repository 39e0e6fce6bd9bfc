"""False detections measured from the data: the same pipeline run on the negated image.

Real radio sources are positive; the noise and the artifacts of calibration
errors have both signs. So a source finder run on ``-image`` finds only
false detections, and as many as it finds among the positive ones, where
they are (at this signal-to-noise, at this distance from a bright source).
This is how LoTSS and PyBDSF users estimate the false-detection rate of
their catalogues. `false_detections` runs the extractor and the cleaner of a
`~lotss_tools.Pipeline` on both signs of a mosaic and reports the ratio
negated / positive per signal-to-noise bin and per distance from the bright
sources, before and after cleaning.
"""

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np
from astropy import units as u
from astropy.table import QTable

from ..exceptions import InvalidParameterError, NoDetectionsWarning
from ..mosaic import Mosaic
from ..noise import NoiseModel
from ..pipeline import Pipeline
from ..schema import catalog_coordinates, find_column, read_column

__all__ = ['false_detections', 'FalseDetectionReport', 'negated_mosaic', 'negated_noise',
           'BRIGHT_SNR', 'SNR_BINS', 'DISTANCE_BINS']

#: Peak signal-to-noise from which a source counts as bright for the distance
#: table: its artifacts, at up to 1e-2 of its peak (LOFAR's dynamic range),
#: can reach the 5 sigma detection threshold.
BRIGHT_SNR = 500.0
#: Default signal-to-noise bin edges of `FalseDetectionReport.by_snr`.
SNR_BINS = (5.0, 6.0, 7.0, 10.0, 20.0, np.inf)
#: Default bin edges of the distance to the nearest bright source.
DISTANCE_BINS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, np.inf) * u.arcmin
#: Level (in local rms) down to which the kept positive sources are masked
#: when the negated catalogue is cleaned (see `_source_mask`).
_MASK_LEVEL = 4.0

_COLUMNS = {
    'n_positive': 'kept detections on the image (after cleaning)',
    'n_negative': 'kept detections on the negated image (after the same cleaning)',
    'false_detection_fraction': 'n_negative / n_positive',
    'n_positive_detected': 'detections on the image, before cleaning',
    'n_negative_detected': 'detections on the negated image, before cleaning',
    'false_detection_fraction_detected': 'n_negative_detected / n_positive_detected',
}


def negated_mosaic(mosaic, *, mask=None):
    """The mosaic with its pixel values negated (same WCS, beam, header and mask).

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
    mask : `numpy.ndarray` of bool, optional
        More pixels to mask (True), in addition to the mosaic's own mask.

    Returns
    -------
    negated : `~lotss_tools.Mosaic`
        Named after the mosaic with ``-negated`` appended.
    """
    if mask is not None:
        mask = np.asarray(mask, bool) if mosaic.mask is None else (np.asarray(mask, bool)
                                                                   | mosaic.mask)
    else:
        mask = mosaic.mask
    return Mosaic(-mosaic.data, wcs=mosaic.wcs, unit=mosaic.unit, beam=mosaic.beam, mask=mask,
                  meta=mosaic.meta, name=f'{mosaic.name or "mosaic"}-negated')


def negated_noise(noise):
    """The `~lotss_tools.noise.NoiseModel` of the negated mosaic: background negated, same rms.

    The background and rms meshes (`~lotss_tools.noise.local_background`:
    sigma-clipped medians and MAD standard deviations in boxes, median
    filtered) change sign and stay the same under negation respectively, and
    so do the maps interpolated from them, so measuring them again on
    ``-image`` gives these maps (identical to the last bit on the shipped
    real cutout). Reusing them spares the time and makes sure both signs are
    judged against one noise.
    """
    sample = noise._rms_sample
    return dataclasses.replace(
        noise,
        background_mesh=None if noise.background_mesh is None else -noise.background_mesh,
        _rms_sample=None if sample is None else -sample,
        mosaic=f'{noise.mosaic or "mosaic"}-negated')


@dataclass
class FalseDetectionReport:
    """What `false_detections` measured on one mosaic.

    Attributes
    ----------
    by_snr : `~astropy.table.QTable`
        One row per signal-to-noise bin (``snr_min`` <= SNR < ``snr_max``)
        with the columns ``n_positive``, ``n_negative``,
        ``false_detection_fraction`` (after cleaning) and
        ``n_positive_detected``, ``n_negative_detected``,
        ``false_detection_fraction_detected`` (before cleaning).
    by_distance : `~astropy.table.QTable`
        The same per bin of distance to the nearest bright source
        (``distance_min`` <= d < ``distance_max``, arcmin; sources above
        ``min_snr`` only; a bright source's own distance is to the nearest
        other one; without any bright source every distance is infinite).
    positive, negative : `~lotss_tools.pipeline.PipelineResult`
        The pipeline's results on the image and on the negated image.
    bright : `~astropy.table.QTable`
        The kept positive sources with SNR >= ``bright_snr``.
    min_snr, bright_snr : float
    """

    by_snr: QTable
    by_distance: QTable
    positive: object = field(repr=False)
    negative: object = field(repr=False)
    bright: QTable = field(repr=False)
    min_snr: float = 5.0
    bright_snr: float = BRIGHT_SNR

    def summary(self):
        """The totals above ``min_snr`` as a dict (the ``meta`` and manifest entries).

        Keys: ``n_positive``, ``n_negative``, ``false_detection_fraction``
        (after cleaning), ``n_positive_detected``, ``n_negative_detected``,
        ``false_detection_fraction_detected`` (before cleaning), ``n_bright``.
        """
        counts = {}
        for key, result, table in (('positive', self.positive, 'kept'),
                                   ('negative', self.negative, 'kept'),
                                   ('positive_detected', self.positive, 'catalog'),
                                   ('negative_detected', self.negative, 'catalog')):
            snr = _snr_column(getattr(result, table))
            counts[f'n_{key}'] = int(np.sum(snr >= self.min_snr))
        return {'n_positive': counts['n_positive'], 'n_negative': counts['n_negative'],
                'false_detection_fraction': _ratio(counts['n_negative'], counts['n_positive']),
                'n_positive_detected': counts['n_positive_detected'],
                'n_negative_detected': counts['n_negative_detected'],
                'false_detection_fraction_detected': _ratio(counts['n_negative_detected'],
                                                            counts['n_positive_detected']),
                'n_bright': len(self.bright)}

    def __repr__(self):
        s = self.summary()
        return (f'<FalseDetectionReport: {s["n_negative"]} negated / {s["n_positive"]} positive '
                f'kept detections above SNR {self.min_snr:g} '
                f'(fraction {s["false_detection_fraction"]:.4f}); before cleaning '
                f'{s["n_negative_detected"]} / {s["n_positive_detected"]}>')


def _ratio(a, b):
    return float(a) / b if b else float('nan')


def _snr_column(catalog):
    """The ``snr`` column as floats (every extractor catalogue has one)."""
    if len(catalog) == 0:
        return np.zeros(0)
    return np.asarray(read_column(catalog, 'snr', u.one, purpose='the false-detection report'),
                      float)


def _source_mask(catalog, mosaic):
    """Pixels of the kept positive sources: discs out to where each falls to 4 sigma.

    A disc of radius ``F / 2 sqrt(log2(SNR / 4))`` (``F``: the larger of
    ``major_fwhm`` and the beam) around each source: where a Gaussian of
    that SNR and FWHM drops to 4 times the rms.
    """
    ny, nx = mosaic.shape
    mask = np.zeros((ny, nx), bool)
    if len(catalog) == 0:
        return mask
    snr = _snr_column(catalog)
    beam = mosaic.beam.major.to_value(u.arcsec)
    if find_column(catalog, 'major_fwhm') is not None:
        fwhm = np.fmax(read_column(catalog, 'major_fwhm', u.arcsec).value, beam)
    else:
        fwhm = np.full(len(catalog), beam)
    scale = (mosaic.pixel_scale * u.pix).to_value(u.arcsec)
    with np.errstate(invalid='ignore', divide='ignore'):
        radius = fwhm / scale / 2 * np.sqrt(np.log2(np.fmax(snr / _MASK_LEVEL, 2.0)))
    x, y = mosaic.wcs.world_to_pixel(catalog_coordinates(catalog))
    for xi, yi, r in zip(np.atleast_1d(x), np.atleast_1d(y), radius):
        if not (np.isfinite(xi) and np.isfinite(yi) and np.isfinite(r)):
            continue
        x0, x1 = max(int(np.floor(xi - r)), 0), min(int(np.ceil(xi + r)) + 1, nx)
        y0, y1 = max(int(np.floor(yi - r)), 0), min(int(np.ceil(yi + r)) + 1, ny)
        if x0 < x1 and y0 < y1:
            yy, xx = np.ogrid[y0:y1, x0:x1]
            mask[y0:y1, x0:x1] |= (xx - xi) ** 2 + (yy - yi) ** 2 <= r * r
    return mask


def _distances(catalog, bright, bright_ids):
    """Angular distance of each row to the nearest bright source (itself excluded)."""
    n = len(catalog)
    if n == 0 or len(bright) == 0:
        return np.full(n, np.inf) * u.arcmin
    coords, anchors = catalog_coordinates(catalog), catalog_coordinates(bright)
    distance = coords.match_to_catalog_sky(anchors)[1].to(u.arcmin)
    if bright_ids is not None and 'id' in catalog.colnames:
        own = np.isin(np.asarray(catalog['id']), bright_ids)
        if own.any():
            if len(bright) > 1:
                distance[own] = coords[own].match_to_catalog_sky(anchors, nthneighbor=2)[1]
            else:
                distance[own] = np.inf * u.arcmin
    return distance


def _check_bins(edges, name, unit=None):
    edges = u.Quantity(edges, unit) if unit is not None else np.asarray(edges, float)
    values = edges.value if unit is not None else edges
    if values.ndim != 1 or values.size < 2 or not np.all(np.diff(values) > 0) or np.isnan(
            values).any():
        raise InvalidParameterError(f'{name} must be at least two increasing edges, not '
                                    f'{edges!r}.')
    return edges


def _binned(values_by_table, edges):
    """Counts of each table's values in ``[edges[k], edges[k + 1])``."""
    counts = {}
    for key, values in values_by_table.items():
        index = np.searchsorted(edges, values, side='right') - 1
        if np.isposinf(edges[-1]):             # an open last bin holds the infinite values
            index[np.isposinf(values)] = len(edges) - 2
        inside = (index >= 0) & (index < len(edges) - 1)
        counts[key] = np.bincount(index[inside], minlength=len(edges) - 1)
    return counts


def _table(lower, upper, names, counts, description):
    table = QTable()
    table[names[0]], table[names[1]] = lower, upper
    table[names[0]].info.description = f'lower edge of the {description} bin (inclusive)'
    table[names[1]].info.description = f'upper edge of the {description} bin (exclusive)'
    for suffix in ('', '_detected'):
        pos, neg = counts[f'positive{suffix}'], counts[f'negative{suffix}']
        table[f'n_positive{suffix}'] = pos
        table[f'n_negative{suffix}'] = neg
        with np.errstate(invalid='ignore', divide='ignore'):
            table[f'false_detection_fraction{suffix}'] = np.where(pos > 0, neg / np.fmax(pos, 1),
                                                                  np.nan)
    for name, text in _COLUMNS.items():
        table[name].info.description = text
    return table


def false_detections(mosaic, pipeline=None, *, noise=None, snr_bins=SNR_BINS,
                     distance_bins=DISTANCE_BINS, bright_snr=BRIGHT_SNR, min_snr=5.0,
                     positive=None):
    """Estimate the false detections of a pipeline from the negated image.

    The pipeline's extractor runs on the mosaic and on ``-mosaic`` with the
    same thresholds and noise (`negated_noise`: the background negated, the
    same rms map), and its cleaner cleans both catalogues with their image
    (``clean(catalog, mosaic=..., noise=...)``). Every detection on the
    negated image is false, so ``n_negative / n_positive`` estimates the
    fraction of false detections among the positive ones, per bin of peak
    signal-to-noise and of distance to the nearest bright source (a kept
    positive source with SNR >= ``bright_snr``), before and after cleaning.

    One asymmetry is corrected: the image test of the default cleaner
    (``artifact_level``) looks for structure of the *opposite* sign around
    each source. On the image that is the negative side, which holds no real
    source; on the negated image it is the positive side, which holds the
    real sources. So the cleaning of the negated catalogue does not see the
    pixels of the kept positive sources (discs out to where each falls to 4
    sigma, `_source_mask`): otherwise a negated noise peak next to a real
    source would be cleaned away and the false detections underestimated.

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
    pipeline : `~lotss_tools.Pipeline`, optional
        Default ``Pipeline()`` (its matcher is not used). Its extractor must
        use thresholds that are the same for both signs: ``'local'`` (the
        default) or ``'research'`` (whose levels from the image are then
        used for the negated image too); the per-tile 85th percentile rule
        (``'percentile'``) is not symmetric and is refused.
    noise : `~lotss_tools.noise.NoiseModel`, optional
        The mosaic's noise, if already measured.
    snr_bins : sequence of float
        Edges of the peak signal-to-noise bins (``snr`` column).
    distance_bins : `~astropy.units.Quantity`
        Edges of the bins of distance to the nearest bright source.
    bright_snr : float
        Peak SNR from which a kept positive source is bright (default
        `BRIGHT_SNR`, 500).
    min_snr : float
        Only detections with SNR >= ``min_snr`` enter the distance table and
        the summary.
    positive : `~lotss_tools.pipeline.PipelineResult`, optional
        This pipeline's result on this mosaic, if already computed
        (`~lotss_tools.Pipeline` passes it).

    Returns
    -------
    report : `FalseDetectionReport`

    Raises
    ------
    InvalidParameterError
        For bad bins or an extractor with per-tile percentile thresholds.

    Examples
    --------
    >>> from lotss_tools.validation import false_detections, simulate_interferometer_sky
    >>> mosaic, truth = simulate_interferometer_sky((512, 512), seed=3)
    >>> report = false_detections(mosaic)
    >>> report.by_snr.colnames[:5]
    ['snr_min', 'snr_max', 'n_positive', 'n_negative', 'false_detection_fraction']
    >>> s = report.summary()
    >>> s['n_negative'] <= s['n_negative_detected']
    True
    """
    pipeline = Pipeline() if pipeline is None else pipeline
    snr_edges = _check_bins(snr_bins, 'snr_bins')
    distance_edges = _check_bins(distance_bins, 'distance_bins', u.arcmin).to(u.arcmin)
    if not bright_snr > 0 or not np.isfinite(min_snr):
        raise InvalidParameterError(f'bright_snr must be positive and min_snr finite, not '
                                    f'{bright_snr!r}, {min_snr!r}.')
    extractor = pipeline.extractor
    threshold = getattr(extractor, 'threshold', 'local')
    if threshold == 'percentile':
        raise InvalidParameterError(
            "false_detections needs thresholds that are the same for both signs: the per-tile "
            "85th-percentile rule (threshold='percentile') is not; use 'local' or 'research'.")
    if positive is None:
        positive = pipeline.with_params(false_detections=False).run(mosaic, noise=noise)
    pos_extraction = positive.extraction
    if threshold == 'research':
        levels = pos_extraction.thresholds
        extractor = extractor.with_params(min_value=levels.min_value, min_delta=levels.min_delta)
    negated = negated_mosaic(mosaic)
    neg_noise = negated_noise(pos_extraction.noise)
    with warnings.catch_warnings():            # no false detection at all is good news
        warnings.simplefilter('ignore', NoDetectionsWarning)
        neg_extraction = extractor.run(negated, noise=neg_noise)
    masked = negated_mosaic(mosaic, mask=_source_mask(positive.kept, mosaic))
    neg_kept, neg_rejected = pipeline.cleaner.clean(neg_extraction.catalog, mosaic=masked,
                                                    noise=neg_noise)
    negative = type(positive)(neg_extraction, neg_kept, neg_rejected)

    tables = {'positive': positive.kept, 'negative': negative.kept,
              'positive_detected': positive.catalog, 'negative_detected': negative.catalog}
    snr = {key: _snr_column(table) for key, table in tables.items()}
    by_snr = _table(snr_edges[:-1], snr_edges[1:], ('snr_min', 'snr_max'),
                    _binned(snr, snr_edges), 'peak signal-to-noise')
    kept_snr = snr['positive']
    bright = positive.kept[kept_snr >= bright_snr]
    bright_ids = np.asarray(bright['id']) if 'id' in bright.colnames else None
    distance = {}
    for key, table in tables.items():
        ids = bright_ids if key.startswith('positive') else None
        values = _distances(table, bright, ids).to_value(u.arcmin)
        distance[key] = values[snr[key] >= min_snr]
    by_distance = _table(distance_edges[:-1], distance_edges[1:],
                         ('distance_min', 'distance_max'),
                         _binned(distance, distance_edges.value), 'distance to the nearest '
                         'bright source')
    for table in (by_snr, by_distance):
        table.meta.update(mosaic=str(mosaic.name or ''), min_snr=float(min_snr),
                          bright_snr=float(bright_snr), n_bright=len(bright),
                          cleaner=repr(pipeline.cleaner), extractor=repr(pipeline.extractor))
    return FalseDetectionReport(by_snr=by_snr, by_distance=by_distance, positive=positive,
                                negative=negative, bright=bright, min_snr=float(min_snr),
                                bright_snr=float(bright_snr))
