"""`CatalogCleaner`: artifact and duplicate removal that keeps what it rejects."""

import functools
import warnings

import numpy as np
from astropy import units as u
from astropy.coordinates import UnitSphericalRepresentation, position_angle

from .._params import ParamsMixin
from ..exceptions import SkippedStepWarning
from ..radii import DUPLICATE_RADIUS, MERGE_RADIUS
from ._catalog import find_column, has_columns, positions, quantity, source_ids
from ..neighbours import SkyTree
from .artifacts import ARTIFACT_BOX, artifact_level, box_half_width
from .merge import merge_catalogs
from .radius import rejection_radius as research_radius
from .suppression import suppress_in_order

__all__ = ['CatalogCleaner', 'REJECTION_REASONS']

#: Values of the ``reason`` column of rejected sources, and their meaning.
REJECTION_REASONS = {
    'invalid_flux': 'total_flux is NaN, infinite, zero or negative, so the source cannot be '
                    'ranked',
    'invalid_size': 'major_fwhm or minor_fwhm is NaN, infinite or negative, so the shape tests '
                    'cannot be applied',
    'zero_size': 'major_fwhm is zero (a one-pixel-wide structure)',
    'elongated': 'eccentricity sqrt(1 - minor**2 / major**2) above max_eccentricity',
    'faint_surface_brightness': 'total_flux / (pi/4 major_fwhm minor_fwhm) at or below '
                                'min_surface_brightness',
    'below_flux_floor': 'total_flux at or below min_flux',
    'artifact_level': 'peak signal-to-noise below artifact_margin times the strongest negative '
                      'structure of the image within artifact_box around it, itself at least '
                      'artifact_snr: as bright as the artifacts of both signs around it',
    'duplicate': 'closer than duplicate_radius to a brighter kept source (rejected_by)',
    'near_bright': 'inside the rejection radius of a brighter kept source (rejected_by) and '
                   'fainter than the faint limits',
    'overlap_duplicate': 'another copy of the same source, measured in another image or tile '
                         '(rejected_by), was kept by merge',
}

_DUPLICATE, _NEAR_BRIGHT = 0, 1
#: Above this fraction of sources that can be ``near_bright``, one search of
#: all pairs (rejection or duplicate radius) is cheaper than two.
_SEARCH_ALL_FRACTION = 0.25
_SIZE_COLUMNS = ('major_fwhm', 'minor_fwhm')
_NEAR_BRIGHT_MODES = ('without_image', 'always')

#: Rejection radius of the default cleaner: 6 arcsec at 1 mJy, 150 arcsec at
#: 100 mJy, i.e. ``6 arcsec x (S / mJy) ** 0.7`` (see `CatalogCleaner`).
default_radius = functools.partial(research_radius, r1=6 * u.arcsec, flux1=1 * u.mJy,
                                   r2=150 * u.arcsec, flux2=100 * u.mJy)


def _deepest_negative(mosaic, noise, rows=512):
    """Largest ``-(data - background) / rms`` of the image (-inf if none), by blocks of rows."""
    deepest = -np.inf
    for start in range(0, mosaic.shape[0], rows):
        values = -noise.signal_to_noise(mosaic, (slice(start, start + rows), slice(None)))
        values = values[np.isfinite(values)]
        if values.size:
            deepest = max(deepest, float(values.max()))
    return deepest


def _angle(value, name):
    value = u.Quantity(value)
    if value.unit.physical_type != 'angle' or not value.isscalar or not value.value >= 0:
        raise ValueError(f'{name} must be a non-negative angle, not {value!r}.')
    return value.to(u.arcsec)


def _flux_or_none(value, name):
    if value is None:
        return None
    value = u.Quantity(value)
    if value.unit.physical_type != 'spectral flux density':
        raise u.UnitsError(f'{name} must be a flux density (e.g. mJy), not {value!r}.')
    return value.to(u.mJy)


class CatalogCleaner(ParamsMixin):
    """Remove artifacts and duplicates from a source catalogue, keeping what it rejects.

    Each source is tested, in this order: a flux that is not finite and
    positive (``invalid_flux``), sizes that are not finite and non-negative
    (``invalid_size``, when the catalogue has ``major_fwhm``/``minor_fwhm``),
    zero size (``zero_size``), eccentricity (``elongated``), surface
    brightness (``faint_surface_brightness``), flux floor
    (``below_flux_floor``) and, given the image, the artifact level around it
    (``artifact_level``). The remaining sources are then taken brightest
    first, as in the research: a source that is still kept rejects every
    fainter source closer than ``duplicate_radius`` (``duplicate``) and,
    without the image (or with ``near_bright='always'``), every fainter
    source inside its rejection radius that is fainter than the faint limits
    and, by default, is a radial streak (``near_bright``). A rejected source
    rejects nothing. `research_2023` and `research_2024` reproduce the two
    research versions exactly.

    The default artifact rule comes from the image (``clean(catalog,
    mosaic=...)``; `~lotss_tools.Pipeline` passes it): artifacts of
    calibration errors have both signs, real sources only one, so the
    strongest *negative* structure around a source
    (`~lotss_tools.cleaning.artifact_level`, within a box of
    ``artifact_box`` beams) measures how bright the artifacts are there. A
    source whose peak signal-to-noise is below ``artifact_margin`` times that
    level is rejected as ``artifact_level``, when the level is at least
    ``artifact_snr`` (a significant negative structure: pure noise rarely
    reaches it, so sources away from artifacts are never tested against the
    noise's own extremes). No geometry of the artifacts and no list of
    bright sources is assumed; artifacts of sources outside the image are
    caught too. The level 5 is the extractor's own detection threshold; the
    box (16 beams) and the margin (1.25) were chosen on interferometer-made
    skies (`~lotss_tools.validation.simulate_interferometer_sky`, 2048 x
    2048, seeds 1-16: `~lotss_tools.cleaning.ARTIFACT_TUNING_SEEDS`) from a
    grid of 8-20 beams and 1-1.5: beyond them, each artifact more costs
    several true sources (97.4 % of the artifact detections and 0.43 % of
    the true sources rejected there). The figures on skies not used to
    choose them are in :doc:`/cleaning` (``benchmarks/bench_cleaning.py``).

    Without the image, the default cleaner falls back to a catalogue-only
    rule, with a `~lotss_tools.exceptions.SkippedStepWarning`: the
    ``near_bright`` test with the radial-streak condition (the default of
    earlier versions): fainter than half the bright source, inside
    ``6 arcsec x (S / mJy) ** 0.7``, elongated (axis ratio >= 1.5) and
    pointing at the bright source (within 20 deg). That geometry is the one
    of the artifacts of `~lotss_tools.simulate.simulate_mosaic`; on
    interferometer-made skies it rejects far fewer artifacts (see
    :doc:`/cleaning`).

    Parameters
    ----------
    duplicate_radius : `~astropy.units.Quantity`
        Fainter sources closer than this to a kept source are duplicates.
    faint_limit : `~astropy.units.Quantity` or None
        Only sources fainter than this can be ``near_bright`` rejections
        (research 2023: 10 mJy). None: no absolute limit.
    rejection_radius : callable
        Flux -> angle: the reach of a bright source's artifacts. Default:
        `~lotss_tools.cleaning.rejection_radius` through 6 arcsec at 1 mJy
        and 150 arcsec at 100 mJy.
    max_eccentricity : float or None
        Reject sources more elongated than this (research 2023: 0.9).
    drop_zero_size : bool
        Reject sources with a zero major axis.
    faint_fraction : float or None
        Only sources fainter than this fraction of the bright source's flux
        can be ``near_bright`` rejections (research 2024: 0.05).
    min_surface_brightness : `~astropy.units.Quantity` or None
        Keep only sources whose ``total_flux / (pi/4 major_fwhm minor_fwhm)``
        (astrodendro's ``area_ellipse``) is above this (research 2024:
        1.2e-2 mJy/arcsec**2).
    min_flux : `~astropy.units.Quantity` or str or None
        Keep only sources brighter than this: one flux, one per row, or the
        name of a catalogue column (research 2024: 10 x ``min_value``).
    radial_tolerance : `~astropy.units.Quantity` or None
        If set, a ``near_bright`` rejection also needs the faint source to
        be a radial streak: its major axis (``pa``) within this angle of the
        direction to the bright source. None (the research): any direction.
    radial_axis_ratio : float
        ...and its ``major_fwhm`` at least this times its ``minor_fwhm``.
    artifact_margin : float or None
        Reject (``artifact_level``) a source whose peak signal-to-noise is
        below this times the artifact level around it. None switches the
        image test off (the research presets).
    artifact_snr : float
        The artifact level (in local rms) from which the image test applies.
    artifact_box : float or `~astropy.units.Quantity`
        Side of the box around each source searched for negative structure:
        beam major-axis FWHMs, or an angle.
    near_bright : {'without_image', 'always'}
        When the ``near_bright`` test runs: only when the image test cannot
        (no mosaic given, or ``artifact_margin=None``), or always.

    Notes
    -----
    Required columns: positions (``sky_centroid`` or ``ra``/``dec``) and
    ``total_flux``; any flux and angle units work. The image test also needs
    ``peak_flux`` (its signal-to-noise is ``peak_flux`` over the rms map at
    the source). The shape and surface
    brightness tests need ``major_fwhm`` and ``minor_fwhm`` (the eccentricity
    test falls back to an ``eccentricity`` column): when they are absent the
    test is skipped with a `~lotss_tools.exceptions.SkippedStepWarning` and listed in the output
    ``meta['skipped_tests']`` (without ``major_fwhm``, ``minor_fwhm`` and
    ``pa`` the radial streak test cannot pass, so the fallback rule then
    rejects no ``near_bright`` source); a missing position or flux column raises
    `~lotss_tools.cleaning.MissingColumnError`.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.cleaning import CatalogCleaner
    >>> catalog = QTable({'id': [1, 2, 3], 'ra': [150.0, 150.0, 150.003] * u.deg,
    ...                   'dec': [2.0, 2.003, 2.0] * u.deg,
    ...                   'total_flux': [500.0, 2.0, 80.0] * u.mJy,
    ...                   'major_fwhm': [6.0, 6.5, 6.0] * u.arcsec,
    ...                   'minor_fwhm': [6.0, 6.0, 6.0] * u.arcsec})
    >>> kept, rejected = CatalogCleaner.research_2023().clean(catalog)
    >>> kept['id'].tolist(), rejected['reason'].tolist(), rejected['rejected_by'].tolist()
    ([1, 3], ['near_bright'], [1])
    """

    def __init__(self, duplicate_radius=DUPLICATE_RADIUS, faint_limit=None,
                 rejection_radius=default_radius, max_eccentricity=None, drop_zero_size=True, *,
                 faint_fraction=0.5, min_surface_brightness=None, min_flux=None,
                 radial_tolerance=20 * u.deg, radial_axis_ratio=1.5, artifact_margin=1.25,
                 artifact_snr=5.0, artifact_box=ARTIFACT_BOX, near_bright='without_image'):
        if not callable(rejection_radius):
            raise TypeError(f'rejection_radius must be a function flux -> angle, not '
                            f'{rejection_radius!r}.')
        if max_eccentricity is not None and not 0 <= max_eccentricity <= 1:
            raise ValueError(f'max_eccentricity must be in [0, 1], not {max_eccentricity!r}.')
        if faint_fraction is not None and not faint_fraction > 0:
            raise ValueError(f'faint_fraction must be positive, not {faint_fraction!r}.')
        self.duplicate_radius = _angle(duplicate_radius, 'duplicate_radius')
        self.faint_limit = _flux_or_none(faint_limit, 'faint_limit')
        self.rejection_radius = rejection_radius
        self.max_eccentricity = max_eccentricity
        self.drop_zero_size = bool(drop_zero_size)
        self.faint_fraction = faint_fraction
        if min_surface_brightness is not None:
            min_surface_brightness = u.Quantity(min_surface_brightness).to(u.mJy / u.arcsec ** 2)
        self.min_surface_brightness = min_surface_brightness
        self.min_flux = min_flux if isinstance(min_flux, str) else _flux_or_none(min_flux,
                                                                                  'min_flux')
        self.radial_tolerance = (None if radial_tolerance is None
                                 else _angle(radial_tolerance, 'radial_tolerance').to(u.deg))
        if not radial_axis_ratio >= 1:
            raise ValueError(f'radial_axis_ratio must be >= 1, not {radial_axis_ratio!r}.')
        self.radial_axis_ratio = float(radial_axis_ratio)
        if artifact_margin is not None and not artifact_margin > 0:
            raise ValueError(f'artifact_margin must be positive or None, not '
                             f'{artifact_margin!r}.')
        if not artifact_snr > 0:
            raise ValueError(f'artifact_snr must be positive, not {artifact_snr!r}.')
        if isinstance(artifact_box, u.Quantity):
            artifact_box = _angle(artifact_box, 'artifact_box')
        elif not (isinstance(artifact_box, (int, float, np.integer, np.floating))
                  and artifact_box > 0):
            raise ValueError(f'artifact_box must be a positive number of beams or an angle, '
                             f'not {artifact_box!r}.')
        if near_bright not in _NEAR_BRIGHT_MODES:
            raise ValueError(f'near_bright must be one of {_NEAR_BRIGHT_MODES}, not '
                             f'{near_bright!r}.')
        self.artifact_margin = None if artifact_margin is None else float(artifact_margin)
        self.artifact_snr = float(artifact_snr)
        self.artifact_box = artifact_box
        self.near_bright = near_bright

    @classmethod
    def research_2023(cls):
        """The 2023 research cleaning: 2 arcsec duplicates, 10 mJy faint limit,
        radius 6 arcsec at 1 mJy to 600 arcsec at 1e5 mJy, eccentricity 0.9."""
        return cls(duplicate_radius=2 * u.arcsec, faint_limit=10 * u.mJy,
                   rejection_radius=functools.partial(research_radius, r2=600 * u.arcsec,
                                                      flux2=1e5 * u.mJy),
                   max_eccentricity=0.9, drop_zero_size=True, faint_fraction=None,
                   radial_tolerance=None, artifact_margin=None, near_bright='always')

    @classmethod
    def research_2024(cls, min_value=None):
        """The 2024 research cleaning.

        6 arcsec duplicates; inside the rejection radius (6 arcsec at 1 mJy
        to 400 arcsec at 1e4 mJy) fainter than 5% of the bright source; no
        eccentricity cut; kept only with a surface brightness above 1.2e-2
        mJy/arcsec**2 and a flux above ``10 x min_value``.

        Parameters
        ----------
        min_value : `~astropy.units.Quantity`, optional
            The dendrogram ``min_value`` (brightness, e.g. Jy/beam, read as
            a flux over one beam as the research did), one value or one per
            row; without it the flux floor is not applied.
        """
        min_flux = None
        if min_value is not None:
            min_value = u.Quantity(min_value)
            if min_value.unit.physical_type != 'spectral flux density':
                min_value = min_value.to(u.mJy / u.beam) * u.beam
            min_flux = 10 * min_value
        return cls(duplicate_radius=6 * u.arcsec, faint_limit=None,
                   rejection_radius=functools.partial(research_radius, r2=400 * u.arcsec,
                                                      flux2=1e4 * u.mJy),
                   max_eccentricity=None, drop_zero_size=True, faint_fraction=0.05,
                   min_surface_brightness=1.2e-2 * u.mJy / u.arcsec ** 2, min_flux=min_flux,
                   radial_tolerance=None, artifact_margin=None, near_bright='always')

    # ----------------------------------------------------------- per source
    def _source_tests(self, catalog, flux, reason, skipped):
        """Fill ``reason`` for the sources failing the per-source tests."""
        def reject(mask, why):
            reason[(reason == '') & mask] = why

        reject(~(np.isfinite(flux) & (flux > 0)), 'invalid_flux')
        sizes = has_columns(catalog, _SIZE_COLUMNS)
        if sizes:
            major = quantity(catalog, 'major_fwhm', u.arcsec, 'the shape tests')
            minor = quantity(catalog, 'minor_fwhm', u.arcsec, 'the shape tests')
            with np.errstate(invalid='ignore'):
                reject(~(np.isfinite(major) & np.isfinite(minor) & (major >= 0) & (minor >= 0)),
                       'invalid_size')
        wants_size = dict(zero_size=self.drop_zero_size,
                          faint_surface_brightness=self.min_surface_brightness is not None)
        for test, wanted in wants_size.items():
            if wanted and not sizes:
                skipped.append(test)
        if self.drop_zero_size and sizes:
            reject(major <= 0, 'zero_size')
        if self.max_eccentricity is not None:
            if sizes:
                with np.errstate(invalid='ignore', divide='ignore'):
                    eccentricity = np.sqrt(1 - (minor / major) ** 2)
            elif 'eccentricity' in catalog.colnames:
                eccentricity = np.ma.filled(np.ma.asarray(catalog['eccentricity'], float), np.nan)
            else:
                eccentricity = None
                skipped.append('elongated')
            if eccentricity is not None:
                reject(eccentricity > self.max_eccentricity, 'elongated')
        if self.min_surface_brightness is not None and sizes:
            with np.errstate(invalid='ignore', divide='ignore'):
                brightness = flux / (np.pi / 4 * major * minor)
            reject(~(brightness > self.min_surface_brightness.value), 'faint_surface_brightness')
        if self.min_flux is not None:
            if isinstance(self.min_flux, str):
                floor = quantity(catalog, self.min_flux, u.mJy, 'the flux floor (min_flux)')
            elif self.min_flux.size not in (1, flux.size):
                raise ValueError(f'min_flux has {self.min_flux.size} values for a catalogue of '
                                 f'{flux.size} rows; give one value or one per row.')
            else:
                floor = np.broadcast_to(self.min_flux.value, flux.shape)
            reject(~(flux > floor), 'below_flux_floor')

    # ----------------------------------------------------------- neighbours
    def _candidate_pairs(self, coords, flux, shape, near_bright=True):
        """Pairs (i, j), i < j, of sources in flux order where i may reject j, with their kind.

        Each test is searched for only among the sources it can reject.
        Any source can be a ``duplicate``; only those of
        `_can_be_near_bright` can be ``near_bright`` (in the default
        cleaner the elongated ones, 5% of a survey), and only by the sources
        of `_near_bright_reach`. When few can be ``near_bright``, the
        duplicates come from one search within ``duplicate_radius`` and the
        ``near_bright`` pairs from a search of the rejection radii among the
        few; when most can (the research presets), both come from one search
        of all pairs within the larger of the two radii. ``near_bright=False``
        looks for duplicates only.
        """
        n = len(flux)
        tree = SkyTree(coords)
        can_be_near = (self._can_be_near_bright(flux, shape) if near_bright
                       else np.zeros(n, bool))
        reach = self._near_bright_reach(flux, can_be_near)
        targets = np.flatnonzero(can_be_near)
        keep = functools.partial(self._rejecting_pairs, coords=coords, flux=flux, reach=reach,
                                 can_be_near=can_be_near, pa=None if shape is None else shape[2])
        dup = self.duplicate_radius.value
        if targets.size > _SEARCH_ALL_FRACTION * n:
            found = [keep(i, j, sep) for i, j, sep in
                     tree.iter_pairs_within(np.maximum(reach, dup) * u.arcsec)]
        else:
            found = [keep(i, j, sep) for i, j, sep in
                     tree.iter_pairs_within(self.duplicate_radius)]
            found += [keep(i, targets[j], sep, duplicates=False) for i, j, sep in
                      tree.iter_pairs_within(reach * u.arcsec, tree.subset(targets))]
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8)
        return tuple(np.concatenate(part) for part in zip(*found))

    def _can_be_near_bright(self, flux, shape):
        """Which sources (in flux order) a brighter source could reject as ``near_bright``.

        The per-source half of the test, exact: rejecting ``j`` as
        ``near_bright`` needs ``flux[j] < faint_limit``, ``flux[j] <
        faint_fraction * flux[i]`` -- hence ``< faint_fraction *
        max(flux)``, since rounding a product by a positive number keeps
        the order -- and, with the radial test, ``major[j] >=
        radial_axis_ratio * minor[j]``, the same expressions as in
        `_rejecting_pairs`. A source that fails one of them fails against
        every bright source: it can only be a ``duplicate``.
        """
        can = np.ones(flux.size, bool)
        if self.faint_limit is not None:
            can &= flux < self.faint_limit.value
        if self.faint_fraction is not None and flux.size:
            can &= flux < self.faint_fraction * flux.max()
        if self.radial_tolerance is not None:
            if shape is None:
                return np.zeros(flux.size, bool)
            major, minor, _ = shape
            with np.errstate(invalid='ignore'):
                can &= major >= self.radial_axis_ratio * minor
        return can

    def _near_bright_reach(self, flux, can_be_near):
        """Rejection radius (arcsec) of the sources that could reject a ``near_bright``, else 0.

        Exact: a ``near_bright`` pair is at least ``duplicate_radius`` apart
        (closer, it is a ``duplicate``) and closer than the rejection radius
        of the bright source, so a radius up to ``duplicate_radius`` reaches
        nobody; with ``faint_fraction``, neither does a source whose
        ``faint_fraction * flux`` is at or below the flux of every source
        that `_can_be_near_bright`.
        """
        radius = u.Quantity(self.rejection_radius(flux * u.mJy), u.arcsec).value
        radius = np.where(np.isfinite(radius), radius, 0.0)
        reaches = radius > self.duplicate_radius.value
        if not can_be_near.any():
            reaches[:] = False
        elif self.faint_fraction is not None:
            reaches &= self.faint_fraction * flux > flux[can_be_near].min()
        return np.where(reaches, radius, 0.0)

    def _rejecting_pairs(self, i, j, sep, *, coords, flux, reach, can_be_near, pa,
                         duplicates=True):
        """Of pairs found by a search, those (i < j) where i would reject j: ``(i, j, kind)``.

        ``duplicates=False`` leaves out the pairs closer than
        ``duplicate_radius``, which another search found.
        """
        sep = sep.to_value(u.arcsec)
        later = j > i
        if not later.all():
            i, j, sep = i[later], j[later], sep[later]
        duplicate = sep < self.duplicate_radius.value
        near = ~duplicate & can_be_near[j] & (sep < reach[i])
        if self.faint_fraction is not None:
            near[near] = flux[j[near]] < self.faint_fraction * flux[i[near]]
        if self.radial_tolerance is not None and pa is not None:
            near[near] = self._points_at(coords, pa, i[near], j[near])
        keep = (duplicate | near) if duplicates else near
        kind = np.where(duplicate[keep], _DUPLICATE, _NEAR_BRIGHT).astype(np.int8)
        return i[keep], j[keep], kind

    def _points_at(self, coords, pa, i, j):
        """Whether the major axis (``pa``) of each faint source ``j`` points at source ``i``.

        The direction is `~astropy.coordinates.SkyCoord.position_angle`'s
        (its function, on longitude and latitude arrays, which spares
        building a `~astropy.coordinates.SkyCoord` per pair).
        """
        sphere = coords.represent_as(UnitSphericalRepresentation)
        direction = position_angle(sphere.lon[i], sphere.lat[i], sphere.lon[j],
                                   sphere.lat[j]).deg
        offset = np.abs((pa[j] - direction + 90) % 180 - 90)
        return offset <= self.radial_tolerance.value

    def _shape(self, catalog, skipped):
        """(major, minor, pa) arrays for the radial test, or None when absent."""
        if self.radial_tolerance is None:
            return None
        if not has_columns(catalog, _SIZE_COLUMNS + ('pa',)):
            skipped.append('near_bright')
            return None
        purpose = 'the radial streak test'
        return (quantity(catalog, 'major_fwhm', u.arcsec, purpose),
                quantity(catalog, 'minor_fwhm', u.arcsec, purpose),
                quantity(catalog, 'pa', u.deg, purpose))

    def _suppress(self, coords, flux, shape, candidates, near_bright=True):
        """Brightest-first suppression among ``candidates`` (row indices)."""
        order = candidates[np.argsort(-flux[candidates], kind='stable')]
        if shape is not None:
            shape = tuple(a[order] for a in shape)
        i, j, kind = self._candidate_pairs(coords[order], flux[order], shape, near_bright)
        by, code = suppress_in_order(order.size, i, j, kind)
        rejected = by >= 0
        return order[rejected], order[by[rejected]], code[rejected]

    # ---------------------------------------------------------------- image
    def _artifact_test(self, catalog, coords, mosaic, noise, reason, skipped):
        """Fill ``reason`` with ``artifact_level`` from the image; False if it cannot run."""
        if find_column(catalog, 'peak_flux') is None:
            skipped.append('artifact_level')
            return False
        from ..noise import NoiseModel
        if noise is None or not noise.has_maps:
            noise = NoiseModel.from_mosaic(mosaic)
        else:
            noise.check(mosaic, maps=True)
        box_half_width(mosaic, self.artifact_box)                 # a box the image can hold
        peak = quantity(catalog, 'peak_flux', u.mJy / u.beam, 'the artifact_level test')
        x, y = mosaic.wcs.world_to_pixel(coords)
        ny, nx = mosaic.shape
        ix = np.clip(np.rint(np.nan_to_num(np.atleast_1d(x), nan=-1)), 0, nx - 1).astype(int)
        iy = np.clip(np.rint(np.nan_to_num(np.atleast_1d(y), nan=-1)), 0, ny - 1).astype(int)
        rms = noise.rms_at(iy, ix) * mosaic.unit.to(u.mJy / u.beam)
        with np.errstate(invalid='ignore', divide='ignore'):
            snr = peak / rms
        # Only sources that a level as high as the image's most negative
        # pixel could reject are measured (exact, and spares most boxes).
        deepest = _deepest_negative(mosaic, noise)
        testable = (reason == '') & ~(snr >= self.artifact_margin * deepest)
        if deepest >= self.artifact_snr and testable.any():
            level = np.full(len(snr), np.nan)
            level[testable] = artifact_level(mosaic, coords[testable], noise=noise,
                                             box=self.artifact_box)
            with np.errstate(invalid='ignore'):
                artifact = (level >= self.artifact_snr) & (snr < self.artifact_margin * level)
            reason[(reason == '') & artifact] = 'artifact_level'
        return True

    # ---------------------------------------------------------------- clean
    def clean(self, catalog, *, mosaic=None, noise=None):
        """Split a catalogue into kept and rejected sources.

        Parameters
        ----------
        catalog : `~astropy.table.QTable` or `~astropy.table.Table`
            Sources with positions, ``total_flux`` and (for the shape tests)
            ``major_fwhm``/``minor_fwhm``, in any flux and angle units.
        mosaic : `~lotss_tools.Mosaic`, optional
            The image the catalogue was made from, for the ``artifact_level``
            test. Without it that test is skipped (with a
            `~lotss_tools.exceptions.SkippedStepWarning`) and the
            ``near_bright`` test runs instead.
        noise : `~lotss_tools.noise.NoiseModel`, optional
            The mosaic's background and rms maps (the extraction's
            ``noise``); measured from the mosaic when not given.

        Returns
        -------
        kept : `~astropy.table.QTable`
            The kept rows, with the input columns, in input order.
        rejected : `~astropy.table.QTable`
            The other rows, in input order, with two more columns:
            ``reason`` (a key of `REJECTION_REASONS`) and ``rejected_by``
            (``id`` of the brighter kept source that rejected it, or the row
            number when the catalogue has no integer ``id``; -1 for the
            per-source tests, ``artifact_level`` included).
            ``len(kept) + len(rejected) == len(catalog)``.
            Both tables' ``meta`` hold the input ``meta``, the cleaner
            (``'cleaner'``), the tests skipped for lack of columns or of the
            image (``'skipped_tests'``) and the artifact rule used
            (``'artifact_rule'``: ``'image'``, ``'catalog'`` or both).
        """
        from astropy.table import QTable

        catalog = QTable(catalog, copy=False)
        n = len(catalog)
        coords = positions(catalog, 'CatalogCleaner.clean')
        flux = quantity(catalog, 'total_flux', u.mJy, 'CatalogCleaner.clean')
        reason = np.full(n, '', dtype='U24')
        rejected_by = np.full(n, -1, np.int64)
        skipped = []
        self._source_tests(catalog, flux, reason, skipped)
        image_test = False
        if self.artifact_margin is not None and mosaic is not None:
            image_test = self._artifact_test(catalog, coords, mosaic, noise, reason, skipped)
        near_bright = self.near_bright == 'always' or not image_test
        shape = self._shape(catalog, skipped) if near_bright else None
        if skipped:
            warnings.warn('CatalogCleaner: tests skipped for lack of columns (major_fwhm, '
                          f'minor_fwhm, pa, peak_flux): {", ".join(skipped)}',
                          SkippedStepWarning)
        if self.artifact_margin is not None and mosaic is None:
            skipped.insert(0, 'artifact_level')
            warnings.warn('CatalogCleaner: no mosaic given, so the artifact_level test (the '
                          'artifact level measured on the image) is skipped and the '
                          'catalogue-only near_bright test runs instead', SkippedStepWarning)
        candidates = np.flatnonzero(reason == '')
        if candidates.size > 1:
            rows, by, code = self._suppress(coords, flux, shape, candidates, near_bright)
            ids = source_ids(catalog)
            reason[rows] = np.where(code == _DUPLICATE, 'duplicate', 'near_bright')
            rejected_by[rows] = ids[by]
        rule = (['image'] if image_test else []) + (['catalog'] if near_bright else [])
        return self._split(catalog, reason, rejected_by, skipped, '+'.join(rule))

    def merge(self, catalogs, footprints=None, *, radius=MERGE_RADIUS):
        """Combine catalogues of overlapping tiles or mosaics, each source once.

        The copy of a source farthest from its image's edge (with
        ``footprints``) or with the lowest ``local_rms`` is kept; the others
        are rejected with reason ``overlap_duplicate``. Merge first, then
        `clean` the merged catalogue, so that a bright source in one image
        also cleans its artifacts in the next. See
        `~lotss_tools.cleaning.merge_catalogs` for the parameters.

        Returns
        -------
        merged, rejected : `~astropy.table.QTable`
        """
        return merge_catalogs(catalogs, footprints, radius=radius)

    def _split(self, catalog, reason, rejected_by, skipped, rule):
        out = reason != ''
        meta = dict(catalog.meta, cleaner=repr(self), skipped_tests=list(skipped),
                    artifact_rule=rule)
        kept, rejected = catalog[~out], catalog[out]
        rejected['reason'] = reason[out]
        rejected['reason'].info.description = 'why the source was rejected (REJECTION_REASONS)'
        rejected['rejected_by'] = rejected_by[out]
        rejected['rejected_by'].info.description = ('id of the brighter kept source that '
                                                    'rejected it, -1 if none')
        kept.meta, rejected.meta = dict(meta), dict(meta)
        return kept, rejected
