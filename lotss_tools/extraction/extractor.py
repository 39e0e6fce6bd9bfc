"""`DendroExtractor`: dendrogram source extraction from a `~lotss_tools.Mosaic`.

The extractor holds settings only. Everything it derives from a mosaic --
the noise (`~lotss_tools.noise.NoiseModel`), the thresholds
(`ExtractionThresholds`), the catalogue and the segmentation image -- is
returned in an `Extraction` by `DendroExtractor.run`, never kept for the
next call.
"""

import logging
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from astropy import units as u
from astropy.table import QTable
from scipy.ndimage import label as ndimage_label

from .._noise_kernels import FLUX, RMS, SNR
from .._params import ParamsMixin
from ..exceptions import (InvalidMosaicError, InvalidParameterError, NoDetectionsWarning,
                          UndersampledBeamWarning)
from ..mosaic import MIN_PIXELS_PER_BEAM, _as_mosaic
from ..noise import (BRIGHT_RADIUS, BRIGHT_THRESHOLD, NoiseModel, research_min_npix,
                     research_thresholds)
from ..provenance import provenance_meta
from ..schema import as_icrs, describe_columns
from ..tiling import TileGrid
from ._fast_dendrogram import compute_dendrogram
from ._islands import WINDOW_KEYS, measure_window, pixel_owners, source_tables
from .measure import SIGMA_TO_FWHM, beam_limited, measure_structures, sky_position_angle

__all__ = ['DendroExtractor', 'Extraction', 'ExtractionThresholds']

log = logging.getLogger(__name__)

_THRESHOLDS = ('local', 'research', 'percentile')
_STRUCTURES = ('leaves', 'trunks')
_BACKENDS = ('fast', 'astrodendro')
_MEASUREMENTS = ('gaussian', 'moments')


def _astrodendro(image, min_value, min_delta, min_npix, isolated_floor=None):
    """astrodendro's dendrogram, with `compute_dendrogram`'s ``isolated_floor`` rule if given."""
    from astrodendro import Dendrogram
    if isolated_floor is None:
        return Dendrogram.compute(image, min_value=min_value, min_delta=min_delta,
                                  min_npix=min_npix)

    def height_above_floor(structure, index=None, value=None):
        # astrodendro's min_delta test, with an isolated leaf measured from the floor.
        if value is not None:
            return (structure.vmax - value) >= min_delta
        if structure.parent is not None:
            return (structure.height - structure.parent.height) >= min_delta
        return (structure.vmax - isolated_floor) >= min_delta
    return Dendrogram.compute(image, min_value=min_value, min_delta=0, min_npix=min_npix,
                              is_independent=height_above_floor)


def _label_image(structures, shape):
    """Label image of astrodendro structures (with their subtrees), 1, 2, ... by ``idx``."""
    labels = np.zeros(shape, np.int32)
    for i, struct in enumerate(sorted(structures, key=lambda s: s.idx)):
        labels[struct.indices(subtree=True)] = i + 1
    return labels


def _astrodendro_labels(image, min_value, min_delta, min_npix, structure, isolated_floor=None):
    """Label image of leaves or trunks computed by astrodendro itself."""
    dendrogram = _astrodendro(image, min_value, min_delta, min_npix, isolated_floor)
    chosen = dendrogram.leaves if structure == 'leaves' else dendrogram.trunk
    return _label_image(chosen, image.shape)


def _island_labels(image, min_value, min_delta, min_npix, backend, select=None,
                   isolated_floor=None):
    """Label images of the trunks (islands) and of their leaves, of one dendrogram.

    ``select(dendrogram, trunk_ids)`` (fast backend) keeps some trunks only
    (the bands of an untiled extraction); the leaves are those of the kept
    trunks. ``isolated_floor``: see `compute_dendrogram`.
    """
    if backend == 'astrodendro':
        dendrogram = _astrodendro(image, min_value, min_delta, min_npix, isolated_floor)
        return tuple(_label_image(chosen, image.shape)
                     for chosen in (dendrogram.trunk, dendrogram.leaves))
    dendrogram = compute_dendrogram(image, min_value, min_delta, min_npix,
                                    isolated_floor=isolated_floor)
    trunks = dendrogram.trunk
    if select is not None:
        trunks = trunks[select(dendrogram, trunks)]
    leaves = dendrogram.leaves[np.isin(dendrogram.ancestor[dendrogram.leaves], trunks)]
    return dendrogram.subtree_labels(trunks), dendrogram.subtree_labels(leaves)


def _beam_in_pixels(mosaic):
    """``(major_fwhm, minor_fwhm, angle)`` of the beam in pixels, angle from +x (radians)."""
    major, minor = mosaic.beam_fwhm_pixels
    center = mosaic.center
    tip = center.directional_offset_by(mosaic.beam.pa, mosaic.beam.major)
    (x0, y0), (x1, y1) = (mosaic.wcs.world_to_pixel(c) for c in (center, tip))
    return major, minor, float(np.arctan2(y1 - y0, x1 - x0))


#: Rows of the bands an untiled extraction with local thresholds is computed in.
_BAND_ROWS = 1024
#: Half height of the first window around a band boundary (`DendroExtractor._seam_window`).
_SEAM_ROWS = 64


class _Percolates(Exception):
    """Components above ``min_value`` span several bands: compute the mosaic at once."""


def _threads_map(function, items, n_jobs):
    """``[function(item) for item in items]`` on ``n_jobs`` threads (-1: one per core)."""
    workers = min((os.cpu_count() or 1) if n_jobs == -1 else n_jobs, len(items))
    if workers <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as executor:
        return list(executor.map(function, items))


def _trunks_on_rows(dendrogram, rows):
    """Trunk ids of the structures owning pixels on the given rows of the index map."""
    if not rows:
        return np.zeros(0, np.int64)
    ids = dendrogram.index_map[rows].ravel()
    ids = np.unique(ids[ids >= 0])
    return np.unique(dendrogram.ancestor[ids])


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


@dataclass(frozen=True)
class ExtractionThresholds:
    """The dendrogram thresholds an extraction used.

    Attributes
    ----------
    min_value, min_delta : float or `~astropy.units.Quantity` or None
        In units of the local rms (floats) for ``threshold='local'``, in the
        image unit (Quantities) otherwise. ``min_value`` is None for the
        per-tile percentile rule.
    min_npix : int
        Minimum pixels of a structure.
    unit : str
        ``'local rms'`` or the image unit.
    """

    min_value: object
    min_delta: object
    min_npix: int
    unit: str

    def as_meta(self):
        """The thresholds as ``meta`` entries (strings and numbers only)."""
        def plain(value):
            if value is None:
                return 'per-tile 85th percentile'
            return value.to_string() if isinstance(value, u.Quantity) else value
        return {'min_value': plain(self.min_value), 'min_delta': plain(self.min_delta),
                'min_npix': int(self.min_npix), 'threshold_unit': self.unit}


@dataclass
class Extraction:
    """What `DendroExtractor.run` derived from one mosaic.

    Attributes
    ----------
    catalog : `~astropy.table.QTable`
        The catalogue (see `DendroExtractor.extract`).
    noise : `~lotss_tools.noise.NoiseModel`
        The noise the thresholds were relative to (pass it again with
        ``noise=`` to skip measuring it).
    thresholds : `ExtractionThresholds`
        The thresholds used (also in ``catalog.meta``).
    segmentation : `photutils.segmentation.SegmentationImage` or None
        The catalogued structures labelled with the catalogue ``id``, when
        the extractor was made with ``segmentation=True``.
    n_tiles : int
        Tiles the mosaic was processed in (1: the whole mosaic at once).
    components : `~astropy.table.QTable` or None
        With ``measurement='gaussian'``: the component table, one row per
        fitted Gaussian, linked to the catalogue (the source table) by
        ``source_id``. None with ``measurement='moments'`` (a moment
        measurement has no components).
    """

    catalog: QTable
    noise: NoiseModel = field(repr=False)
    thresholds: ExtractionThresholds
    segmentation: object = field(default=None, repr=False)
    n_tiles: int = 1
    components: QTable = field(default=None, repr=False)


class _Levels:
    """The images and thresholds of one extraction, made window by window.

    Shared, read-only, by the tiles of one extraction; nothing is kept
    between extractions. With local thresholds the signal-to-noise and flux
    images of a window are evaluated from the noise model's meshes when the
    window is processed (`~lotss_tools.noise.NoiseModel`), so no full-size
    background or rms map is ever made, and a pixel gets the same value in
    every window that holds it.
    """

    def __init__(self, mosaic, noise, thresholds, levels, local):
        self.mosaic, self.noise, self.thresholds = mosaic, noise, thresholds
        self.levels, self.local = levels, local
        self.shape = tuple(mosaic.shape)
        self.min_npix = thresholds.min_npix
        self.beam = None      # (major, minor, angle) in pixels for undersampled images

    def image(self, window, n_jobs=1):
        """The image the dendrogram runs on: ``(data - background) / rms`` (float32)
        with local thresholds, else the valid data; NaN off the footprint."""
        if self.local:
            return self.noise._evaluate(self.mosaic, window, SNR, n_jobs).astype(
                np.float32, copy=False)
        return self._valid_data(window)

    def flux(self, window, n_jobs=1):
        """The background-subtracted image the structures are measured on."""
        if self.local:
            return self.noise._evaluate(self.mosaic, window, FLUX, n_jobs)
        return self._valid_data(window)

    def rms(self, window, n_jobs=1):
        """The noise the fits weight by: the rms map over the window (local
        thresholds), else the global rms (a number), in the image unit."""
        if self.local:
            return self.noise._evaluate(self.mosaic, window, RMS, n_jobs)
        return self.global_rms

    @property
    def global_rms(self):
        """The mosaic's global rms as a number in the image unit."""
        return float(self.noise.global_rms.to_value(self.mosaic.unit))

    def _valid_data(self, window):
        data = self.mosaic.data[window]
        valid = np.isfinite(data)
        if self.mosaic.mask is not None:
            valid &= ~np.asarray(self.mosaic.mask[window], bool)
        return np.where(valid, data, np.nan)


class DendroExtractor(ParamsMixin):
    """Find and measure sources in a mosaic with a dendrogram.

    An estimator in the astropy/scikit-learn style: it holds settings only.
    Parameters left as None are derived from each mosaic anew, at every
    call; `run` returns them with the catalogue (an `Extraction`), `extract`
    returns the `~astropy.table.QTable` catalogue alone. The same extractor
    gives the same catalogue for a mosaic whatever it extracted before.

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
        With ``measurement='moments'``: catalogue the leaves (default;
        better recall and precision in the research) or whole trunks. With
        ``measurement='gaussian'`` the islands are always the trunks and
        their leaves always seed the Gaussians; ``'leaves'`` groups the
        Gaussians of an island into sources by PyBDSF's rule (a source per
        separate peak), ``'trunks'`` makes each island one source (PyBDSF's
        ``group_by_isl``). Double radio sources are associated across
        islands in both cases (`~lotss_tools.extraction.group_components`).
    measurement : {'gaussian', 'moments'}
        ``'gaussian'`` (default): elliptical Gaussians fitted to the
        dendrogram's islands, one per leaf
        (`~lotss_tools.extraction.fit_islands`), with calibrated
        uncertainties (`~lotss_tools.extraction.condon_errors`), deconvolved
        sizes and the LoTSS DR2 resolved flag, grouped into sources
        (`~lotss_tools.extraction.make_sources`): the catalogue is the
        source table and ``components`` of the `Extraction` the component table.
        ``'moments'``: the second moments of each structure
        (`~lotss_tools.extraction.measure_structures`), the research
        method, one row per structure. Gaussian fits are the default
        because they measure what the survey measures, better: on the real
        P218+55 cutout positions 0.03" from DR1 where moments are 0.5" off,
        flux, position and size scatter no worse than PyBDSF's from SNR 10
        up on simulated skies, an uncertainty on every quantity, and sources
        made of components (a double radio source is one source), as
        astronomers count them.
    tile_size : int or None
        Process the mosaic in overlapping tiles of this size; None (default
        for global thresholds) runs one dendrogram over the whole mosaic,
        which the compiled backend does in seconds. ``'percentile'`` needs
        tiles (512 by default).
    tile_overlap : int
        Pixels shared by neighbouring tiles.
    max_eccentricity : float or None
        Drop structures (sources, with their components, for Gaussian fits)
        more elongated than this (research: 0.9). None keeps all, with their
        ``eccentricity`` in the table, for `~lotss_tools.CatalogCleaner` to
        reject with a recorded reason.
    backend : {'fast', 'astrodendro'}
        ``'fast'``: the compiled backend, identical structures to astrodendro;
        ``'astrodendro'``: astrodendro itself (slow, the reference).
    box_size : float
        Background mesh size in beams (``threshold='local'``).
    bright_box_size : float or None
        Smaller background boxes (beams) used near very bright sources, whose
        calibration artifacts raise the ordinary rms map over arcminutes (as
        PyBDSF's ``adaptive_rms_box``; see
        `~lotss_tools.noise.NoiseModel.adapt_to_bright_sources`). None
        (default): the ordinary maps everywhere.
    bright_threshold, bright_radius : float
        Signal-to-noise of the very bright pixels, and radius in beams around
        them where the smaller boxes are used (with ``bright_box_size``).
    sensitivity : `~astropy.units.Quantity`
        Survey sensitivity for ``threshold='percentile'`` (100 uJy/beam).
    gaussian_correction : bool
        Correct fluxes and sizes for the part of each source below its
        structure boundary (see `~lotss_tools.extraction.measure_structures`;
        ``measurement='moments'`` only).
    flux_scale_error : float
        Fractional flux-scale (calibration) error added in quadrature to the
        flux errors (``measurement='gaussian'``; 0: statistical errors only;
        `~lotss_tools.extraction.DR2_FLUX_SCALE_ERROR` for LoTSS DR2's 10%).
    n_jobs : int
        Threads that process tiles at the same time (-1: one per core). The
        compiled backend releases the GIL, so tiles run in parallel.
    progress : bool
        Show a progress bar over the tiles (on a terminal) and log each
        finished tile at INFO level.
    segmentation : bool
        Return, in `Extraction.segmentation`, a
        `photutils.segmentation.SegmentationImage` of the catalogued
        structures labelled with the catalogue ``id`` (for plots, masks and
        training sets).

    Examples
    --------
    >>> from lotss_tools import DendroExtractor
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=4)
    >>> catalog = DendroExtractor().extract(mosaic)
    >>> catalog['total_flux'].unit, catalog['major_fwhm'].unit
    (Unit("mJy"), Unit("arcsec"))
    >>> extraction = DendroExtractor().run(mosaic)      # with the noise and thresholds
    >>> extraction.thresholds.min_npix, extraction.noise.shape
    (8, (512, 512))
    """

    _runtime_params = ('n_jobs', 'progress')

    def __init__(self, min_value=None, min_delta=None, min_npix=None, *, threshold='local',
                 structure='leaves', measurement='gaussian', tile_size=None, tile_overlap=32,
                 max_eccentricity=None, backend='fast', box_size=25, bright_box_size=None,
                 bright_threshold=BRIGHT_THRESHOLD, bright_radius=BRIGHT_RADIUS,
                 sensitivity=100 * u.uJy / u.beam, gaussian_correction=True,
                 flux_scale_error=0.0, segmentation=False, n_jobs=1, progress=False):
        if threshold not in _THRESHOLDS:
            raise ValueError(f'threshold must be one of {_THRESHOLDS}, not {threshold!r}.')
        if structure not in _STRUCTURES:
            raise ValueError(f'structure must be one of {_STRUCTURES}, not {structure!r}.')
        if backend not in _BACKENDS:
            raise ValueError(f'backend must be one of {_BACKENDS}, not {backend!r}.')
        if measurement not in _MEASUREMENTS:
            raise ValueError(f'measurement must be one of {_MEASUREMENTS}, not {measurement!r}.')
        if not (np.isscalar(flux_scale_error) and flux_scale_error >= 0):
            raise ValueError(f'flux_scale_error must be a number >= 0, not {flux_scale_error!r}.')
        if min_npix is not None and (int(min_npix) != min_npix or min_npix < 1):
            raise ValueError(f'min_npix must be a positive integer, not {min_npix!r}.')
        if min_delta is not None and not np.all(u.Quantity(min_delta).value > 0):
            raise ValueError(f'min_delta must be positive, not {min_delta!r}.')
        if max_eccentricity is not None and not 0 < max_eccentricity <= 1:
            raise ValueError(f'max_eccentricity must be in (0, 1], not {max_eccentricity!r}.')
        if bright_box_size is not None and not (
                np.isscalar(bright_threshold) and bright_threshold > 0
                and np.isscalar(bright_radius) and bright_radius > 0):
            raise InvalidParameterError(
                f'bright_threshold and bright_radius must be positive numbers, not '
                f'{bright_threshold!r} and {bright_radius!r}.')
        if (bright_box_size is not None and np.isscalar(bright_box_size)
                and np.isscalar(box_size) and not 0 < bright_box_size < box_size):
            raise InvalidParameterError(
                f'bright_box_size must be between 0 and box_size ({box_size:g} beams), not '
                f'{bright_box_size!r}.')
        if threshold == 'percentile' and tile_size is None:
            tile_size = 512
        if tile_size is not None and tile_size <= 2 * tile_overlap:
            raise ValueError('tile_size must be larger than twice tile_overlap.')
        self.min_value, self.min_delta, self.min_npix = min_value, min_delta, min_npix
        self.threshold, self.structure, self.backend = threshold, structure, backend
        self.tile_size, self.tile_overlap = tile_size, tile_overlap
        self.max_eccentricity, self.box_size = max_eccentricity, box_size
        self.bright_box_size, self.bright_threshold = bright_box_size, bright_threshold
        self.bright_radius = bright_radius
        self.sensitivity, self.gaussian_correction = sensitivity, gaussian_correction
        self.measurement, self.flux_scale_error = measurement, flux_scale_error
        self.segmentation = segmentation
        if not (n_jobs == -1 or (int(n_jobs) == n_jobs and n_jobs >= 1)):
            raise ValueError(f'n_jobs must be a positive integer or -1, not {n_jobs!r}.')
        self.n_jobs, self.progress = n_jobs, progress

    @classmethod
    def research_2023(cls, **kwargs):
        """The 2023 research configuration: global histogram thresholds,
        research tiles (512, overlap 32), eccentricity cut at 0.9, raw moments
        (``measurement='moments'``, ``gaussian_correction=False``)."""
        options = dict(threshold='research', tile_size=512, tile_overlap=32,
                       max_eccentricity=0.9, gaussian_correction=False, measurement='moments')
        options.update(kwargs)
        return cls(**options)

    # ------------------------------------------------------------ noise
    def noise_model(self, mosaic):
        """Measure the noise of a mosaic as this extractor needs it.

        Returns
        -------
        noise : `~lotss_tools.noise.NoiseModel`
            The global rms and, for ``threshold='local'``, the background and
            rms maps (boxes of ``box_size`` beams).
        """
        try:
            noise = NoiseModel.from_mosaic(mosaic, box_size=self.box_size,
                                           maps=self.threshold == 'local', n_jobs=self.n_jobs)
        except ValueError as exc:      # no box has enough valid pixels
            n_valid = int(mosaic.footprint.sum())
            box = (self.box_size if isinstance(self.box_size, u.Quantity)
                   else f'{self.box_size:g} beams')
            raise InvalidMosaicError(
                f'{mosaic.path or mosaic.name or "mosaic"}: too little data for a background: '
                f'{n_valid} finite pixel{"s" if n_valid != 1 else ""}, and the local rms map '
                f'needs at least one box of {box} with half its pixels valid.') from exc
        if self.bright_box_size is not None and noise.has_maps:
            noise = noise.adapt_to_bright_sources(mosaic, self.bright_box_size,
                                                  threshold=self.bright_threshold,
                                                  radius=self.bright_radius, n_jobs=self.n_jobs)
        return noise

    def _thresholds(self, mosaic):
        """The thresholds for this mosaic: the settings, or derived from its pixels."""
        min_npix = int(self.min_npix if self.min_npix is not None
                       else research_min_npix(mosaic.beam, mosaic.pixel_scale))
        if self.threshold == 'local':
            return ExtractionThresholds(
                float(u.Quantity(2.5 if self.min_value is None else self.min_value)),
                float(u.Quantity(2.5 if self.min_delta is None else self.min_delta)),
                min_npix, 'local rms')
        unit = str(mosaic.unit)
        if self.threshold == 'research':
            rule = None
            if self.min_value is None or self.min_delta is None:
                try:
                    rule = research_thresholds(mosaic)
                except ValueError as exc:          # too few valid pixels for the histogram
                    raise InvalidMosaicError(f'{mosaic.path or mosaic.name or "mosaic"}: too '
                                             f'little data for a background: {exc}') from exc
            return ExtractionThresholds(
                u.Quantity(self.min_value if self.min_value is not None else rule.min_value,
                           mosaic.unit),
                u.Quantity(self.min_delta if self.min_delta is not None else rule.min_delta,
                           mosaic.unit), min_npix, unit)
        return ExtractionThresholds(
            None if self.min_value is None else u.Quantity(self.min_value, mosaic.unit),
            u.Quantity(self.min_delta if self.min_delta is not None else 3 * self.sensitivity,
                       mosaic.unit), min_npix, unit)

    def _levels(self, mosaic, noise, thresholds):
        """The images of the extraction (`_Levels`) and a function giving
        ``(min_value, min_delta)`` for a tile's image."""
        if self.threshold == 'local':
            levels = (thresholds.min_value, thresholds.min_delta)
            return _Levels(mosaic, noise, thresholds, lambda tile_image: levels, local=True)
        if self.threshold == 'research':
            levels = (thresholds.min_value.to_value(mosaic.unit),
                      thresholds.min_delta.to_value(mosaic.unit))
            return _Levels(mosaic, noise, thresholds, lambda tile_image: levels, local=False)
        mean = float(np.nanmean(np.where(mosaic.footprint, mosaic.data, np.nan)))
        delta = thresholds.min_delta.to_value(mosaic.unit)
        fixed = (None if thresholds.min_value is None
                 else thresholds.min_value.to_value(mosaic.unit))

        def percentile_levels(tile_image):
            if fixed is not None:
                return fixed, delta
            level = float(np.nanpercentile(tile_image, 85))
            return (level if level > 0 else mean), delta
        return _Levels(mosaic, noise, thresholds, percentile_levels, local=False)

    def _windows(self, shape):
        if self.tile_size is None:
            yield 0, (slice(0, shape[0]), slice(0, shape[1])), None
            return
        grid = TileGrid(shape, tile_size=self.tile_size, overlap=self.tile_overlap)
        for number, tile in enumerate(grid):
            yield number, tile.slices, grid

    def _structures_in(self, run, window, n_jobs=1, select=None, skip_sparse=True):
        """Label image and measurements of the structures of one window.

        The window's images are made here (on ``n_jobs`` threads, for a run
        of one window) and each is freed as soon as it has served: at most
        two window-sized arrays besides the mosaic are alive at a time.
        ``select(dendrogram, ids)`` (fast backend) returns a mask of the
        candidate structures (leaves or trunks) to keep; ``skip_sparse``
        skips windows with fewer than ``2 * min_npix`` valid pixels.
        """
        image = run.image(window, n_jobs)
        if skip_sparse and np.count_nonzero(np.isfinite(image)) < 2 * run.min_npix:
            return None, None
        min_value, min_delta = run.levels(image)
        # On an undersampled image an unresolved source may be a single pixel above
        # min_value: its height is measured from min_value (astrodendro's rule,
        # from its lowest pixel, would drop it).
        floor = min_value if run.beam is not None else None
        if self.measurement == 'gaussian':
            islands, leaves = _island_labels(image, min_value, min_delta, run.min_npix,
                                             self.backend, select, floor)
            del image
            if islands.max() == 0:
                return islands, None
            return islands, self._fit_window(run, window, islands, leaves, n_jobs)
        if self.backend == 'astrodendro':
            labels = _astrodendro_labels(image, min_value, min_delta, run.min_npix,
                                         self.structure, floor)
            del image
        else:
            dendrogram = compute_dendrogram(image, min_value, min_delta, run.min_npix,
                                            isolated_floor=floor)
            del image
            chosen = dendrogram.leaves if self.structure == 'leaves' else dendrogram.trunk
            if select is not None:
                chosen = chosen[select(dendrogram, chosen)]
            labels = dendrogram.subtree_labels(chosen)
            del dendrogram
        if labels.max() == 0:
            return labels, None
        return labels, self._measure(run.flux(window, n_jobs), labels, run)

    # ------------------------------------------------------------ bands
    def _banded(self, run):
        """Whether an untiled extraction is computed in bands (`_band_parts`)."""
        return (self.tile_size is None and run.local and self.backend == 'fast'
                and run.shape[0] >= 2 * _BAND_ROWS and run.noise.n_valid >= 2 * run.min_npix)

    def _band_parts(self, run):
        """The structures of the whole mosaic, computed in bands of rows on ``n_jobs`` threads.

        A dendrogram's structures lie inside connected components of the
        pixels above ``min_value``, and each component's structures depend on
        its pixels alone. So a band (`_BAND_ROWS` rows, a fixed size: the
        result does not depend on ``n_jobs``) gives the structures of the
        components that do not touch its inner edges exactly as the whole
        mosaic would; the components touching a band boundary are computed
        in a window around that boundary, grown until they are whole
        (`_seam_window`). Returns ``(measured, window, labels)`` per part,
        or None when a component touching a boundary spans more than half a
        band (percolation at very low thresholds, or a source of more than
        500 rows): the mosaic is then computed at once.
        """
        ny, nx = run.shape
        edges = list(range(0, ny, _BAND_ROWS)) + [ny]
        tasks = [(self._band, (slice(a, b), slice(0, nx))) for a, b in zip(edges[:-1], edges[1:])]
        tasks += [(self._seam, row) for row in edges[1:-1]]
        run.noise._maps          # the interpolator, built once before the threads start
        try:
            results = _threads_map(lambda task: task[0](run, task[1]), tasks, self.n_jobs)
        except _Percolates:
            return None
        return [part for part in results if part[0] is not None]

    def _band(self, run, window):
        """The structures of a band whose components do not touch its inner edges."""
        (ys, _), ny = window, run.shape[0]
        edge_rows = ([0] if ys.start > 0 else []) + ([ys.stop - ys.start - 1]
                                                    if ys.stop < ny else [])

        def away_from_edges(dendrogram, ids):
            return ~np.isin(dendrogram.ancestor[ids], _trunks_on_rows(dendrogram, edge_rows))
        labels, measured = self._structures_in(run, window, select=away_from_edges,
                                               skip_sparse=False)
        return measured, window, labels

    def _seam(self, run, row):
        """The structures of the components touching the band boundary above ``row``."""
        window = self._seam_window(run, row)
        seam_rows = [row - 1 - window[0].start, row - window[0].start]

        def on_seam(dendrogram, ids):
            return np.isin(dendrogram.ancestor[ids], _trunks_on_rows(dendrogram, seam_rows))
        labels, measured = self._structures_in(run, window, select=on_seam, skip_sparse=False)
        return measured, window, labels

    def _seam_window(self, run, row):
        """Rows around ``row`` holding whole every component (pixels above
        ``min_value``, face-connected) that touches row ``row - 1`` or ``row``."""
        ny, nx = run.shape
        half = _SEAM_ROWS
        while True:
            y0, y1 = max(row - half, 0), min(row + half, ny)
            window = (slice(y0, y1), slice(0, nx))
            image = run.image(window)
            components, _ = ndimage_label(image > run.levels(image)[0])
            del image
            seam = np.unique(components[row - 1 - y0:row + 1 - y0])
            edges = np.unique(np.concatenate(
                ([components[0]] if y0 > 0 else []) + ([components[-1]] if y1 < ny else [])
                + [np.zeros(1, components.dtype)]))
            if not np.any(np.isin(seam[seam > 0], edges)):
                return window
            half *= 2
            if half >= _BAND_ROWS:      # taller than a band: the bands gain nothing
                raise _Percolates()

    def _measure(self, flux, labels, run):
        """Measurements of the labelled structures of a window's flux image."""
        return measure_structures(flux, labels, gaussian_correction=self.gaussian_correction,
                                  beam=run.beam)

    def _fit_window(self, run, window, islands, leaves, n_jobs=1):
        """The Gaussians fitted to the islands (trunks) of a window, per component."""
        rms = run.rms(window, n_jobs)
        measured, run.fit_meta = measure_window(run.flux(window, n_jobs), rms, islands, leaves,
                                                run.beam_sigma, n_jobs=run.fit_jobs,
                                                beam=run.beam)
        if measured['label'].size == 0:
            return None
        return measured

    def _grow_cut_source(self, run, window, peak):
        """Re-extract a source cut by a tile edge in ever larger windows."""
        shape = run.shape
        (ys, xs) = window
        pad = self.tile_size // 2
        while True:
            ys = slice(max(ys.start - pad, 0), min(ys.stop + pad, shape[0]))
            xs = slice(max(xs.start - pad, 0), min(xs.stop + pad, shape[1]))
            labels, measured = self._structures_in(run, (ys, xs))
            label = labels[peak[0] - ys.start, peak[1] - xs.start]
            if label == 0 or measured is None:
                return None, None, None
            cut = _touches_inner_edge(labels, (ys, xs), shape)
            if label not in cut:
                # One structure (moments), or the components of one island (Gaussians).
                rows = measured['label'] == label
                return {k: v[rows] for k, v in measured.items()}, (ys, xs), labels
            pad *= 2

    def run(self, mosaic, *, noise=None):
        """Extract the sources of a mosaic, with everything derived on the way.

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic` or `~astropy.nddata.NDData`
            An NDData is converted to a Mosaic: it needs a celestial WCS, a
            Jy/beam unit and a beam (a FITS header with ``BMAJ``/``BMIN`` as
            its ``meta``, or a `radio_beam.Beam` in ``meta['beam']``). A bare
            array is refused (`~lotss_tools.exceptions.InvalidMosaicError`):
            wrap it as ``Mosaic(data, wcs=wcs, beam=6 * u.arcsec,
            unit='Jy/beam')``.
        noise : `~lotss_tools.noise.NoiseModel`, optional
            This mosaic's noise, measured before (`noise_model`, or the
            ``noise`` of an earlier `Extraction` of the same mosaic). By
            default it is measured from the mosaic. A model of another
            mosaic (another shape or unit) is refused.

        Returns
        -------
        extraction : `Extraction`
            The catalogue (see `extract`), the noise model, the thresholds
            and, with ``segmentation=True``, the segmentation image.

        Warns
        -----
        `~lotss_tools.exceptions.NoDetectionsWarning`
            When no source is found (the catalogue is empty, with its columns).
        """
        mosaic = _as_mosaic(mosaic, type(self).__name__)
        if mosaic.undersampled:
            major, minor = mosaic.beam_fwhm_pixels
            warnings.warn(f'the beam of mosaic {mosaic.name or "(unnamed)"} spans only '
                          f'{major:.2g} x {minor:.2g} pixels (fewer than {MIN_PIXELS_PER_BEAM}): '
                          'sizes are floored at the beam, sources no larger than the beam are '
                          'measured as point sources (total flux = fitted peak), and the '
                          'height of a source lighting a single pixel is measured from '
                          'min_value. Below about one pixel per beam, fluxes are lower limits '
                          '(a source between pixel centres is sampled on the wing of its '
                          'beam) and positions are good to half a pixel.',
                          UndersampledBeamWarning)
        with ThreadPoolExecutor(max_workers=1) as background:
            # With several threads, the mosaic's checksum (one serial pass,
            # hashlib releases the GIL) is computed meanwhile.
            if self.n_jobs == 1:
                def provenance():
                    return provenance_meta(mosaic, extractor=self)
            else:
                provenance = background.submit(provenance_meta, mosaic, extractor=self).result
            return self._run(mosaic, noise, provenance)

    def _run(self, mosaic, noise, provenance):
        if noise is None:
            noise = self.noise_model(mosaic)
        else:
            noise.check(mosaic, maps=self.threshold == 'local')
        thresholds = self._thresholds(mosaic)
        run = self._levels(mosaic, noise, thresholds)
        if mosaic.undersampled:
            run.beam = _beam_in_pixels(mosaic)
        if self.measurement == 'gaussian':
            self._prepare_fits(mosaic, run)
        parts, label_images = [], []

        def add(measured, window, labels, number):
            measured = self._offset(measured, window, number)
            measured['part'] = np.full(measured['label'].size, len(parts))
            parts.append(measured)
            label_images.append((window, labels) if self.segmentation else None)
        windows = list(self._windows(mosaic.shape))
        banded = self._band_parts(run) if self._banded(run) else None
        for measured, window, labels in banded or ():
            add(measured, window, labels, 0)
        for (number, window, grid), (labels, measured) in zip(
                windows, self._map_windows(run, [w for _, w, _ in windows])
                if banded is None else ()):
            if measured is None:
                if labels is None:
                    log.info('tile %d skipped: fewer than %d valid pixels', number,
                             2 * run.min_npix)
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
                        run, window, (peak_y[i], peak_x[i]))
                    if grown is not None:
                        add(grown, grown_window, grown_labels, number)
            add({k: v[keep] for k, v in measured.items()}, window, labels, number)
        table, kept, components = self._table(mosaic, run, parts, provenance)
        table.meta['n_tiles'] = len(windows)
        if len(table) == 0:
            warnings.warn(f'no source found in mosaic {mosaic.name or "(unnamed)"} with '
                          f'min_value {table.meta["min_value"]}, min_delta '
                          f'{table.meta["min_delta"]} ({thresholds.unit}), min_npix '
                          f'{thresholds.min_npix}.', NoDetectionsWarning)
        segmentation = None
        if self.segmentation:
            segmentation = (self._segmentation(mosaic.shape, table, kept, label_images)
                            if components is None else
                            self._component_segmentation(mosaic.shape, kept, label_images))
        return Extraction(table, noise, thresholds, segmentation, len(windows), components)

    def extract(self, mosaic, *, noise=None):
        """Extract the sources of a mosaic into a catalogue.

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic` or `~astropy.nddata.NDData`
            See `run`.
        noise : `~lotss_tools.noise.NoiseModel`, optional
            See `run`; by default this mosaic's noise is measured.

        Returns
        -------
        catalog : `~astropy.table.QTable`
            One row per source. With ``measurement='gaussian'`` the source
            table, columns `lotss_tools.schema.SOURCE_COLUMNS` (``id`` and
            ``source_id``, ``ra``, ``dec``, ``sky_centroid`` (ICRS), ``x``,
            ``y``, fluxes, sizes and ``pa`` with their errors, deconvolved
            sizes, ``resolved``, ``eccentricity``, ``local_rms``,
            ``island_rms``, ``snr``, ``s_code``, ``n_components``,
            ``n_islands``, ``island_id``, ``residual_rms``, ``chi2``,
            ``fit_flag``, ``npix``, ``tile``); with ``'moments'`` one row per
            structure, columns `lotss_tools.schema.MOMENT_COLUMNS` (``id``,
            ``ra``, ``dec``, ``sky_centroid``, ``x``, ``y``, ``total_flux``,
            ``peak_flux``, ``major_fwhm``, ``minor_fwhm``, ``pa``,
            ``eccentricity``, ``local_rms``, ``snr``, ``npix``, ``tile``).
            Descriptions and units are those of
            `lotss_tools.schema.CATALOG_COLUMNS`.
            ``catalog.meta`` holds the thresholds used (``min_value``,
            ``min_delta``, ``min_npix``, ``threshold_unit``), the global rms
            and how the catalogue was made
            (`~lotss_tools.provenance.provenance_meta`: the extractor and its
            settings, the package version, the mosaic's name, file and
            checksum, the date). An image without sources gives an empty
            table with the same columns and units, and a
            `~lotss_tools.exceptions.NoDetectionsWarning`.
        """
        return self.run(mosaic, noise=noise).catalog

    def _map_windows(self, run, windows):
        """Dendrogram and measurements of each window, in order, on ``n_jobs`` threads.

        The compiled backend releases the GIL, so tiles run in parallel; a
        run of one window makes its images on ``n_jobs`` threads.
        """
        def work(window):
            return self._structures_in(run, window)

        show = self.progress and len(windows) > 1
        if len(windows) == 1:
            # One window: its images are made on n_jobs threads instead.
            results = iter([self._structures_in(run, windows[0], self.n_jobs)])
        elif self.n_jobs == 1:
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
    def _component_segmentation(shape, kept, label_images):
        """Island pixels labelled with the ``id`` of the source whose Gaussian is brightest
        there (the pixels counted in ``npix``)."""
        from photutils.segmentation import SegmentationImage
        segmentation = np.zeros(shape, np.int32)
        for number, (window, islands) in enumerate(label_images):
            rows = np.flatnonzero(kept['part'] == number)
            if rows.size == 0:
                continue
            y0, x0 = window[0].start, window[1].start
            mine = np.where(np.isin(islands, kept['island'][rows]), islands, 0)
            pixels, owner = pixel_owners(mine, kept['island'][rows], kept['x'][rows] - x0,
                                         kept['y'][rows] - y0, kept['peak'][rows],
                                         kept['sigma_major'][rows], kept['sigma_minor'][rows],
                                         kept['theta'][rows])
            target = segmentation[window]
            py, px = np.divmod(pixels[owner >= 0], islands.shape[1])
            target[py, px] = kept['source_id'][rows][owner[owner >= 0]]
        return SegmentationImage(segmentation)

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

    @staticmethod
    def _beam_limited(mosaic, columns):
        """Sizes floored at the beam, point-like structures measured as point sources."""
        beam_area = mosaic.beam_area.to_value(u.pix ** 2)
        return beam_limited(columns, *_beam_in_pixels(mosaic), beam_area)

    def _prepare_fits(self, mosaic, run):
        """What the Gaussian fits of every window share: the beam, the threads."""
        run.beam_sigma = tuple(np.array(mosaic.beam_fwhm_pixels) / SIGMA_TO_FWHM)
        # Tiles and bands run on n_jobs threads already; a single window fits its
        # islands on them.
        run.fit_jobs = self.n_jobs if self.tile_size is None and not self._banded(run) else 1
        run.fit_meta = None

    def _source_tables(self, mosaic, run, parts, provenance):
        """Source and component tables of the islands each window owns (Gaussian fits)."""
        keys = WINDOW_KEYS + ('tile', 'part')
        columns = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)
                   for k in keys}
        # An island re-extracted from several cut tiles is kept once (by its peak pixel):
        # all its components from the first window that reported it.
        peak_index = (columns['peak_y'].astype(np.int64) * mosaic.shape[1]
                      + columns['peak_x'].astype(np.int64))
        unique_peaks, first = np.unique(peak_index, return_index=True)
        first_part = columns['part'][first][np.searchsorted(unique_peaks, peak_index)]
        columns = {k: v[columns['part'] == first_part] for k, v in columns.items()}
        part, label = columns['part'].astype(np.int64), columns['label'].astype(np.int64)
        columns['island'] = np.unique(part * (int(label.max(initial=0)) + 1) + label,
                                      return_inverse=True)[1].ravel() + 1
        x, y = columns['x'], columns['y']
        if run.local:
            ny, nx = run.shape
            local = run.noise.rms_at(np.clip(np.rint(y).astype(int), 0, ny - 1),
                                     np.clip(np.rint(x).astype(int), 0, nx - 1)).astype(float)
            # A centre on a blanked pixel: the rms at the island's peak.
            missing = ~np.isfinite(local)
            local[missing] = run.noise.rms_at(columns['peak_y'][missing].astype(int),
                                              columns['peak_x'][missing].astype(int))
        else:
            local = np.full(x.size, run.global_rms)
        columns['local_rms'] = local
        meta = run.fit_meta or {}
        table, components, source_of_row = source_tables(
            mosaic, columns, meta=meta, structure=self.structure,
            flux_scale_error=self.flux_scale_error)
        if self.max_eccentricity is not None and len(table):
            # Drop elongated sources with their components; number the others 1, 2, ...
            keep = ~(np.asarray(table['eccentricity']) > self.max_eccentricity)
            new_id = np.zeros(len(table) + 1, int)
            new_id[np.asarray(table['source_id'])[keep]] = np.arange(1, keep.sum() + 1)
            table = table[keep]
            table['id'] = table['source_id'] = np.arange(1, len(table) + 1)
            components = components[new_id[np.asarray(components['source_id'])] > 0]
            components['source_id'] = new_id[np.asarray(components['source_id'])]
            components['component_id'] = np.arange(1, len(components) + 1)
            source_of_row = new_id[source_of_row]
        table.meta.update(provenance())
        table.meta.update(run.thresholds.as_meta(), threshold=self.threshold,
                          measurement=self.measurement)
        if self.threshold != 'local':
            table.meta['global_rms'] = run.noise.global_rms.to_string()
        components.meta.update(table.meta)
        kept = {'part': columns['part'].astype(int), 'island': columns['label'].astype(int),
                'x': x, 'y': y, 'peak': columns['peak'], 'sigma_major': columns['sigma_major'],
                'sigma_minor': columns['sigma_minor'], 'theta': columns['theta'],
                'source_id': source_of_row}
        return table, kept, components

    def _table(self, mosaic, run, parts, provenance):
        if self.measurement == 'gaussian':
            return self._source_tables(mosaic, run, parts, provenance)
        keys = ('x', 'y', 'peak_x', 'peak_y', 'flux', 'peak', 'sigma_major', 'sigma_minor',
                'theta', 'npix', 'tile', 'part', 'label') + (
                    ('beam_amplitude',) if run.beam is not None else ())
        columns = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)
                   for k in keys}
        # A source re-extracted from several cut tiles is kept once (by its peak pixel).
        peak_index = (columns['peak_y'].astype(np.int64) * mosaic.shape[1]
                      + columns['peak_x'].astype(np.int64))
        _, first = np.unique(peak_index, return_index=True)
        columns = {k: v[np.sort(first)] for k, v in columns.items()}
        if mosaic.undersampled:
            columns = self._beam_limited(mosaic, columns)
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
            rms = run.noise.rms_at(py, px) * to_mjy
        else:
            rms = np.full(px.size, run.noise.global_rms.to_value(u.mJy / u.beam))
        # Brightest first; equal peaks in the order of their peak pixels (row
        # major), whatever the tiles or bands the sources came from.
        order = np.lexsort((py.astype(np.int64) * mosaic.shape[1] + px, -columns['peak']))
        columns = {k: v[order] for k, v in columns.items()}
        eccentricity, rms = eccentricity[order], rms[order]

        # Always ICRS, whatever the frame of the mosaic's WCS (FK5 for a
        # header with EQUINOX but no RADESYS), so catalogues stack and merge.
        sky = as_icrs(mosaic.wcs.pixel_to_world(columns['x'], columns['y']))
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
        table.meta.update(provenance())
        table.meta.update(run.thresholds.as_meta(), threshold=self.threshold)
        if self.threshold != 'local':
            # The global rms is what the catalogue's rms means; with local
            # thresholds nothing uses it, and it is not measured.
            table.meta['global_rms'] = run.noise.global_rms.to_string()
        return table, {'part': columns['part'].astype(int),
                       'label': columns['label'].astype(int)}, None
