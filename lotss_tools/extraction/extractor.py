"""`DendroExtractor`: dendrogram source extraction from a `~lotss_tools.Mosaic`."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from astropy import units as u
from astropy.table import QTable

from ..noise import research_min_npix, research_thresholds
from ..schema import describe_columns
from ..tiling import TileGrid
from ._fast_dendrogram import compute_dendrogram
from .measure import SIGMA_TO_FWHM, measure_structures, sky_position_angle

__all__ = ['DendroExtractor']

log = logging.getLogger(__name__)

_THRESHOLDS = ('local', 'research', 'percentile')
_STRUCTURES = ('leaves', 'trunks')
_BACKENDS = ('fast', 'astrodendro')


def _astrodendro_labels(image, min_value, min_delta, min_npix, structure):
    """Label image of leaves or trunks computed by astrodendro itself."""
    from astrodendro import Dendrogram
    dendrogram = Dendrogram.compute(image, min_value=min_value, min_delta=min_delta,
                                    min_npix=min_npix)
    chosen = dendrogram.leaves if structure == 'leaves' else dendrogram.trunk
    labels = np.zeros(image.shape, np.int32)
    for i, struct in enumerate(sorted(chosen, key=lambda s: s.idx)):
        labels[struct.indices(subtree=True)] = i + 1
    return labels


def _labels(image, min_value, min_delta, min_npix, structure, backend):
    if backend == 'astrodendro':
        return _astrodendro_labels(image, min_value, min_delta, min_npix, structure)
    dendrogram = compute_dendrogram(image, min_value, min_delta, min_npix)
    return dendrogram.leaf_labels() if structure == 'leaves' else dendrogram.trunk_labels()


def _touches_inner_edge(labels, window, shape):
    """Labels (present in ``labels``) that touch a window edge lying inside the image."""
    (ys, xs) = window
    edges = []
    if ys.start > 0:
        edges.append(labels[0, :])
    if ys.stop < shape[0]:
        edges.append(labels[-1, :])
    if xs.start > 0:
        edges.append(labels[:, 0])
    if xs.stop < shape[1]:
        edges.append(labels[:, -1])
    if not edges:
        return np.zeros(0, labels.dtype)
    touching = np.unique(np.concatenate(edges))
    return touching[touching > 0]


class DendroExtractor:
    """Find and measure sources in a mosaic with a dendrogram.

    An estimator in the astropy/scikit-learn style: parameters left as None
    are derived from the data by `fit` and stored with a trailing underscore;
    `extract` returns a `~astropy.table.QTable` catalogue.

    Parameters
    ----------
    min_value, min_delta : float or `~astropy.units.Quantity`, optional
        Dendrogram thresholds. With ``threshold='local'`` they are in units of
        the local rms (signal-to-noise; defaults 2.5 and 2.5, so an isolated
        source needs a peak of 5 sigma); with ``'research'`` and
        ``'percentile'`` they are brightnesses (Jy/beam), derived from the data
        by the research rules when None.
    min_npix : int, optional
        Minimum pixels of a structure; by default twice the beam FWHM in
        pixels (8 for LoTSS), the research rule.
    threshold : {'local', 'research', 'percentile'}
        ``'local'`` (default) runs the dendrogram on the signal-to-noise image
        ``(data - background) / rms`` from `~lotss_tools.Mosaic.background`,
        so noisy and quiet parts of a mosaic are treated alike.
        ``'research'`` reproduces the 2023 research rule: one global
        ``min_value``/``min_delta`` from the pixel histogram
        (`~lotss_tools.noise.research_thresholds`), on the raw image.
        ``'percentile'`` reproduces the 2024 rule: ``min_value`` is the 85th
        percentile of each tile (the mosaic mean where that is not positive),
        ``min_delta`` three times ``sensitivity``.
    structure : {'leaves', 'trunks'}
        Catalogue the leaves (default; better recall and precision in the
        research) or whole trunks.
    tile_size : int or None
        Process the mosaic in overlapping tiles of this size; None (default
        for global thresholds) runs one dendrogram over the whole mosaic,
        which the compiled backend does in seconds. ``'percentile'`` needs
        tiles (512 by default).
    tile_overlap : int
        Pixels shared by neighbouring tiles.
    max_eccentricity : float or None
        Drop structures more elongated than this (research: 0.9). None keeps
        all, with their ``eccentricity`` in the table, for
        `~lotss_tools.CatalogCleaner` to reject with a recorded reason.
    backend : {'fast', 'astrodendro'}
        ``'fast'``: the compiled backend, identical structures to astrodendro;
        ``'astrodendro'``: astrodendro itself (slow, the reference).
    box_size : float
        Background mesh size in beams (``threshold='local'``).
    sensitivity : `~astropy.units.Quantity`
        Survey sensitivity for ``threshold='percentile'`` (100 uJy/beam).
    gaussian_correction : bool
        Correct fluxes and sizes for the part of each source below its
        structure boundary (see `~lotss_tools.extraction.measure_structures`).
    n_jobs : int
        Threads that process tiles at the same time (-1: one per core). The
        compiled backend releases the GIL, so tiles run in parallel.
    progress : bool
        Show a progress bar over the tiles (on a terminal) and log each
        finished tile at INFO level.
    segmentation : bool
        Keep, after `extract`, a `photutils.segmentation.SegmentationImage`
        of the catalogued structures in ``segmentation_``, labelled with the
        catalogue ``id`` (for plots, masks and training sets).

    Examples
    --------
    >>> from lotss_tools import DendroExtractor
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=4)
    >>> catalog = DendroExtractor().extract(mosaic)
    >>> catalog['total_flux'].unit, catalog['major_fwhm'].unit
    (Unit("mJy"), Unit("arcsec"))
    """

    def __init__(self, min_value=None, min_delta=None, min_npix=None, *, threshold='local',
                 structure='leaves', tile_size=None, tile_overlap=32, max_eccentricity=None,
                 backend='fast', box_size=25, sensitivity=100 * u.uJy / u.beam,
                 gaussian_correction=True, segmentation=False, n_jobs=1, progress=False):
        if threshold not in _THRESHOLDS:
            raise ValueError(f'threshold must be one of {_THRESHOLDS}, not {threshold!r}.')
        if structure not in _STRUCTURES:
            raise ValueError(f'structure must be one of {_STRUCTURES}, not {structure!r}.')
        if backend not in _BACKENDS:
            raise ValueError(f'backend must be one of {_BACKENDS}, not {backend!r}.')
        if min_npix is not None and (int(min_npix) != min_npix or min_npix < 1):
            raise ValueError(f'min_npix must be a positive integer, not {min_npix!r}.')
        if min_delta is not None and not np.all(u.Quantity(min_delta).value > 0):
            raise ValueError(f'min_delta must be positive, not {min_delta!r}.')
        if max_eccentricity is not None and not 0 < max_eccentricity <= 1:
            raise ValueError(f'max_eccentricity must be in (0, 1], not {max_eccentricity!r}.')
        if threshold == 'percentile' and tile_size is None:
            tile_size = 512
        if tile_size is not None and tile_size <= 2 * tile_overlap:
            raise ValueError('tile_size must be larger than twice tile_overlap.')
        self.min_value, self.min_delta, self.min_npix = min_value, min_delta, min_npix
        self.threshold, self.structure, self.backend = threshold, structure, backend
        self.tile_size, self.tile_overlap = tile_size, tile_overlap
        self.max_eccentricity, self.box_size = max_eccentricity, box_size
        self.sensitivity, self.gaussian_correction = sensitivity, gaussian_correction
        self.segmentation = segmentation
        if not (n_jobs == -1 or (int(n_jobs) == n_jobs and n_jobs >= 1)):
            raise ValueError(f'n_jobs must be a positive integer or -1, not {n_jobs!r}.')
        self.n_jobs, self.progress = n_jobs, progress

    @classmethod
    def research_2023(cls, **kwargs):
        """The 2023 research configuration: global histogram thresholds,
        research tiles (512, overlap 32), eccentricity cut at 0.9, raw moments."""
        options = dict(threshold='research', tile_size=512, tile_overlap=32,
                       max_eccentricity=0.9, gaussian_correction=False)
        options.update(kwargs)
        return cls(**options)

    # ----------------------------------------------------------------- fit
    def fit(self, mosaic):
        """Derive the parameters left as None from the mosaic.

        Sets ``min_value_``, ``min_delta_``, ``min_npix_``, ``rms_`` (global
        rms) and, for ``threshold='local'``, ``background_`` (the
        `photutils.background.Background2D`).

        Returns
        -------
        self
        """
        self.rms_ = mosaic.global_rms()
        self.min_npix_ = int(self.min_npix if self.min_npix is not None
                             else research_min_npix(mosaic.beam, mosaic.pixel_scale))
        if self.threshold == 'local':
            self.background_ = mosaic.background(box_size=self.box_size)
            self.min_value_ = float(u.Quantity(2.5 if self.min_value is None else self.min_value))
            self.min_delta_ = float(u.Quantity(2.5 if self.min_delta is None else self.min_delta))
        elif self.threshold == 'research':
            rule = None
            if self.min_value is None or self.min_delta is None:
                rule = research_thresholds(mosaic)
            self.min_value_ = u.Quantity(self.min_value if self.min_value is not None
                                         else rule.min_value, mosaic.unit)
            self.min_delta_ = u.Quantity(self.min_delta if self.min_delta is not None
                                         else rule.min_delta, mosaic.unit)
        else:
            self.min_value_ = (None if self.min_value is None
                               else u.Quantity(self.min_value, mosaic.unit))
            self.min_delta_ = u.Quantity(self.min_delta if self.min_delta is not None
                                         else 3 * self.sensitivity, mosaic.unit)
        self.fitted_shape_ = mosaic.shape
        return self

    # ------------------------------------------------------------- extract
    def fit_extract(self, mosaic):
        """`fit` then `extract`."""
        return self.fit(mosaic).extract(mosaic)

    def _image_and_levels(self, mosaic):
        """The image the dendrogram runs on, its background-subtracted flux image,
        and a function giving (min_value, min_delta) for a tile."""
        valid = mosaic.footprint
        if self.threshold == 'local':
            bkg = self.background_
            flux = np.where(valid, mosaic.data - bkg.background, np.nan)
            with np.errstate(invalid='ignore', divide='ignore'):
                image = (flux / bkg.background_rms).astype(np.float32)
            return image, flux, lambda tile_image: (self.min_value_, self.min_delta_)
        flux = np.where(valid, mosaic.data, np.nan)
        if self.threshold == 'research':
            levels = (self.min_value_.to_value(mosaic.unit), self.min_delta_.to_value(mosaic.unit))
            return flux, flux, lambda tile_image: levels
        mean = float(np.nanmean(flux))
        delta = self.min_delta_.to_value(mosaic.unit)
        fixed = None if self.min_value_ is None else self.min_value_.to_value(mosaic.unit)

        def percentile_levels(tile_image):
            if fixed is not None:
                return fixed, delta
            level = float(np.nanpercentile(tile_image, 85))
            return (level if level > 0 else mean), delta
        return flux, flux, percentile_levels

    def _windows(self, shape):
        if self.tile_size is None:
            yield 0, (slice(0, shape[0]), slice(0, shape[1])), None
            return
        grid = TileGrid(shape, tile_size=self.tile_size, overlap=self.tile_overlap)
        for number, tile in enumerate(grid):
            yield number, tile.slices, grid

    def _structures_in(self, image, flux, window, levels):
        sub = image[window]
        if np.count_nonzero(np.isfinite(sub)) < 2 * self.min_npix_:
            return None, None
        min_value, min_delta = levels(sub)
        labels = _labels(sub, min_value, min_delta, self.min_npix_, self.structure, self.backend)
        if labels.max() == 0:
            return labels, None
        return labels, measure_structures(flux[window], labels,
                                          gaussian_correction=self.gaussian_correction)

    def _grow_cut_source(self, image, flux, window, levels, peak):
        """Re-extract a source cut by a tile edge in ever larger windows."""
        shape = image.shape
        (ys, xs) = window
        pad = self.tile_size // 2
        while True:
            ys = slice(max(ys.start - pad, 0), min(ys.stop + pad, shape[0]))
            xs = slice(max(xs.start - pad, 0), min(xs.stop + pad, shape[1]))
            labels, measured = self._structures_in(image, flux, (ys, xs), levels)
            label = labels[peak[0] - ys.start, peak[1] - xs.start]
            if label == 0 or measured is None:
                return None, None, None
            cut = _touches_inner_edge(labels, (ys, xs), shape)
            if label not in cut:
                row = int(np.searchsorted(measured['label'], label))
                return {k: np.atleast_1d(v[row]) for k, v in measured.items()}, (ys, xs), labels
            pad *= 2

    def extract(self, mosaic):
        """Extract the sources of a mosaic into a catalogue.

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic`

        Returns
        -------
        catalog : `~astropy.table.QTable`
            One row per source with the columns of
            `lotss_tools.schema.CATALOG_COLUMNS` (``id``, ``ra``, ``dec``,
            ``sky_centroid``, ``x``, ``y``, ``total_flux``, ``peak_flux``,
            ``major_fwhm``, ``minor_fwhm``, ``pa``, ``eccentricity``,
            ``local_rms``, ``snr``, ``npix``, ``tile``); the parameters used
            are in ``catalog.meta``. An image without sources gives an empty
            table with the same columns and units.
        """
        if getattr(self, 'fitted_shape_', None) != mosaic.shape:
            self.fit(mosaic)
        image, flux, levels = self._image_and_levels(mosaic)
        parts, label_images = [], []

        def add(measured, window, labels, number):
            measured = self._offset(measured, window, number)
            measured['part'] = np.full(measured['label'].size, len(parts))
            parts.append(measured)
            label_images.append((window, labels) if self.segmentation else None)
        windows = list(self._windows(mosaic.shape))
        for (number, window, grid), (labels, measured) in zip(
                windows, self._map_windows(image, flux, [w for _, w, _ in windows], levels)):
            if measured is None:
                if labels is None:
                    log.info('tile %d skipped: fewer than %d valid pixels', number, 2 * self.min_npix_)
                continue
            y0, x0 = window[0].start, window[1].start
            peak_y, peak_x = measured['peak_y'] + y0, measured['peak_x'] + x0
            keep = np.ones(measured['label'].size, bool)
            if grid is not None:
                rows, cols = grid.owner(peak_x, peak_y)
                owned = (rows * grid.grid_shape[1] + cols) == number
                cut = np.isin(measured['label'], _touches_inner_edge(labels, window, mosaic.shape))
                keep = owned & ~cut
                for i in np.flatnonzero(owned & cut):
                    grown, grown_window, grown_labels = self._grow_cut_source(
                        image, flux, window, levels, (peak_y[i], peak_x[i]))
                    if grown is not None:
                        add(grown, grown_window, grown_labels, number)
            add({k: v[keep] for k, v in measured.items()}, window, labels, number)
        table, kept = self._table(mosaic, parts)
        if self.segmentation:
            self.segmentation_ = self._segmentation(mosaic.shape, table, kept, label_images)
        return table

    def _map_windows(self, image, flux, windows, levels):
        """Dendrogram and measurements of each window, in order, on ``n_jobs`` threads.

        The compiled backend releases the GIL, so tiles run in parallel.
        """
        def work(window):
            return self._structures_in(image, flux, window, levels)

        show = self.progress and len(windows) > 1
        if self.n_jobs == 1 or len(windows) == 1:
            results = (work(window) for window in windows)
        else:
            workers = os.cpu_count() if self.n_jobs == -1 else self.n_jobs
            executor = ThreadPoolExecutor(max_workers=workers)
            results = executor.map(work, windows)
        if show:
            # A bar on a terminal (astropy draws nothing elsewhere), and a log
            # line per tile for logs and batch jobs.
            from astropy.utils.console import ProgressBar
            with ProgressBar(len(windows)) as bar:
                for number, result in enumerate(results, 1):
                    bar.update()
                    log.info('tile %d/%d done', number, len(windows))
                    yield result
        else:
            yield from results

    @staticmethod
    def _segmentation(shape, table, kept, label_images):
        """Label image of the catalogued structures, labelled with the catalogue ``id``."""
        from photutils.segmentation import SegmentationImage
        segmentation = np.zeros(shape, np.int32)
        for number, (window, labels) in enumerate(label_images):
            rows = np.flatnonzero(kept['part'] == number)
            if rows.size == 0:
                continue
            lookup = np.zeros(int(labels.max()) + 1, np.int32)
            lookup[kept['label'][rows]] = table['id'][rows]
            ids = lookup[labels]
            target = segmentation[window]
            target[ids > 0] = ids[ids > 0]
        return SegmentationImage(segmentation)

    @staticmethod
    def _offset(measured, window, number):
        y0, x0 = window[0].start, window[1].start
        measured = dict(measured)
        for key, shift in (('x', x0), ('peak_x', x0), ('y', y0), ('peak_y', y0)):
            measured[key] = measured[key] + shift
        measured['tile'] = np.full(measured['label'].size, number)
        return measured

    def _table(self, mosaic, parts):
        columns = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)
                   for k in ('x', 'y', 'peak_x', 'peak_y', 'flux', 'peak', 'sigma_major',
                             'sigma_minor', 'theta', 'npix', 'tile', 'part', 'label')}
        # A source re-extracted from several cut tiles is kept once (by its peak pixel).
        peak_index = (columns['peak_y'].astype(np.int64) * mosaic.shape[1]
                      + columns['peak_x'].astype(np.int64))
        _, first = np.unique(peak_index, return_index=True)
        columns = {k: v[np.sort(first)] for k, v in columns.items()}
        good = np.isfinite(columns['x']) & np.isfinite(columns['y'])
        with np.errstate(invalid='ignore', divide='ignore'):
            eccentricity = np.sqrt(1 - (columns['sigma_minor'] / columns['sigma_major']) ** 2)
        if self.max_eccentricity is not None:
            good &= ~(eccentricity > self.max_eccentricity)
        columns = {k: v[good] for k, v in columns.items()}
        eccentricity = eccentricity[good]

        to_mjy = mosaic.unit.to(u.mJy / u.beam)
        pixel = (mosaic.pixel_scale * u.pix).to(u.arcsec)
        beam_area = mosaic.beam_area.to_value(u.pix ** 2)
        px, py = columns['peak_x'].astype(int), columns['peak_y'].astype(int)
        if self.threshold == 'local':
            rms = self.background_.background_rms[py, px] * to_mjy
        else:
            rms = np.full(px.size, self.rms_.to_value(u.mJy / u.beam))
        order = np.argsort(-columns['peak'], kind='stable')
        columns = {k: v[order] for k, v in columns.items()}
        eccentricity, rms = eccentricity[order], rms[order]

        sky = mosaic.wcs.pixel_to_world(columns['x'], columns['y'])
        table = QTable()
        table['id'] = np.arange(1, len(order) + 1)
        # Plain Quantities (not Longitude/Latitude) so that empty and full
        # catalogues stack with astropy.table.vstack.
        table['ra'] = u.Quantity(sky.ra.to(u.deg)) if len(order) else np.zeros(0) * u.deg
        table['dec'] = u.Quantity(sky.dec.to(u.deg)) if len(order) else np.zeros(0) * u.deg
        table['sky_centroid'] = sky
        table['x'], table['y'] = columns['x'], columns['y']
        table['total_flux'] = columns['flux'] * to_mjy / beam_area * u.mJy
        table['peak_flux'] = columns['peak'] * to_mjy * u.mJy / u.beam
        table['major_fwhm'] = SIGMA_TO_FWHM * columns['sigma_major'] * pixel
        table['minor_fwhm'] = SIGMA_TO_FWHM * columns['sigma_minor'] * pixel
        table['pa'] = (sky_position_angle(mosaic.wcs, columns['x'], columns['y'], columns['theta'])
                       if len(order) else np.zeros(0) * u.deg)
        table['eccentricity'] = eccentricity
        table['local_rms'] = rms * u.mJy / u.beam
        table['snr'] = table['peak_flux'].value / rms
        table['npix'] = columns['npix'].astype(int)
        table['tile'] = columns['tile'].astype(int)
        describe_columns(table)
        table.meta.update(self._meta(mosaic))
        return table, {'part': columns['part'].astype(int), 'label': columns['label'].astype(int)}

    def _meta(self, mosaic):
        def plain(value):
            return value.to_string() if isinstance(value, u.Quantity) else value
        return {'extractor': 'DendroExtractor', 'threshold': self.threshold,
                'structure': self.structure, 'backend': self.backend,
                'min_value': plain(self.min_value_), 'min_delta': plain(self.min_delta_),
                'min_npix': self.min_npix_, 'tile_size': self.tile_size,
                'tile_overlap': self.tile_overlap, 'max_eccentricity': self.max_eccentricity,
                'gaussian_correction': self.gaussian_correction,
                'threshold_unit': 'local rms' if self.threshold == 'local' else str(mosaic.unit),
                'mosaic': mosaic.name, 'global_rms': plain(self.rms_)}
