"""A LoTSS-like test sky made the way an interferometer makes images.

`simulate_interferometer_sky` builds an image from the physics of aperture
synthesis (`lotss_tools.validation.synthesis`) rather than from the
geometric assumptions of the package's cleaner: noise shaped by the LOFAR uv
coverage and the LoTSS weighting, sources drawn from the published 144 MHz
counts with FR I / FR II radio galaxies, and artifacts made by convolving
each bright source with the error of its dirty beam under
direction-dependent calibration errors.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import QTable
from astropy.wcs import WCS

from ..schema import catalog_coordinates
from ..mosaic import Mosaic
from ..neighbours import pairs_within
from ..simulate import _make_header, _pixel_jacobian, _render
from .population import MULTI_COMPONENT_FRACTION, random_radio_sources
from ..exceptions import InvalidParameterError
from .synthesis import (LOTSS_ROBUST, _ErrorPatterns, dirty_beam, imaging_weights,
                        lofar_uv_coverage, synthesized_noise)

__all__ = ['simulate_interferometer_sky', 'SkyLayers', 'ARTIFACT_FLUX_LIMIT',
           'ARTIFACT_DYNAMIC_RANGE', 'POINTING_SPACING', 'PRIMARY_BEAM_FWHM', 'RMS_VARIATION_BOX']

#: Sources (groups) at least this bright get calibration-error artifacts.
ARTIFACT_FLUX_LIMIT = 30 * u.mJy
#: Range of the artifact peak relative to the source's flux (drawn log-uniformly).
ARTIFACT_DYNAMIC_RANGE = (1e-3, 1e-2)
#: Spacing of the LoTSS pointings (hexagonal grid), which shapes the rms map.
POINTING_SPACING = 2.58 * u.deg
#: FWHM of the primary beam of a 24-tile HBA field at 144 MHz (1.02 lambda / 30.8 m).
PRIMARY_BEAM_FWHM = 3.95 * u.deg
#: Scatter (sigma of ln) of the depths of the pointings of a mosaic.
_POINTING_DEPTH_SCATTER = 0.3
_FWHM_TO_SIGMA = 1.0 / math.sqrt(8.0 * math.log(2.0))
#: Side of the central box over which ``rms_variation`` is defined (2048 pixels of 1.5 arcsec).
RMS_VARIATION_BOX = 51.2 * u.arcmin


@dataclass(frozen=True)
class SkyLayers:
    """The separate layers of a sky from `simulate_interferometer_sky`.

    The image is ``sky + artifacts + noise`` (NaN outside the footprint);
    every layer is a float32 array in Jy/beam of the image's shape, without
    NaNs.

    Attributes
    ----------
    sky : `numpy.ndarray`
        The true sources restored with the Gaussian clean beam.
    artifacts : `numpy.ndarray`
        The calibration-error patterns of the bright sources.
    noise : `numpy.ndarray`
        The thermal noise, scaled by ``rms``.
    rms : `numpy.ndarray`
        The rms map of the noise layer.
    dirty_beam : `numpy.ndarray`
        The dirty beam of the observation (256 x 256 pixels, peak 1 at
        pixel (128, 128)).
    wcs : `~astropy.wcs.WCS`
        The image's WCS.
    truth : `~astropy.table.QTable`
        The truth catalogue (the same table as returned beside the layers).
    """

    sky: np.ndarray = field(repr=False)
    artifacts: np.ndarray = field(repr=False)
    noise: np.ndarray = field(repr=False)
    rms: np.ndarray = field(repr=False)
    dirty_beam: np.ndarray = field(repr=False)
    wcs: WCS = field(repr=False)
    truth: QTable = field(repr=False)

    def classify(self, catalog, radius=6 * u.arcsec):
        """Label detections as true sources, artifacts or noise from the layers.

        A detection is ``'source'`` when a true component lies within
        ``radius`` or when the sky layer at its pixel is brighter than both
        the absolute artifact layer and the rms; otherwise ``'artifact'``
        when the absolute artifact layer at its pixel exceeds both the sky
        layer and the absolute noise layer (no true source near, artifact
        dominant), and ``'noise'`` in every other case (a noise peak, or a
        position outside the image).

        Parameters
        ----------
        catalog : `~astropy.table.Table`
            Detections (``sky_centroid`` or ``ra``/``dec``).
        radius : `~astropy.units.Quantity`
            Distance within which a true component makes a detection true.

        Returns
        -------
        labels : `numpy.ndarray` of str
            ``'source'``, ``'artifact'`` or ``'noise'``, one per detection.
        """
        coords = catalog_coordinates(catalog)
        labels = np.full(len(coords), 'noise', dtype='U8')
        if len(coords) == 0:
            return labels
        x, y = self.wcs.world_to_pixel(coords)
        ix, iy = np.rint(np.atleast_1d(x)).astype(int), np.rint(np.atleast_1d(y)).astype(int)
        ny, nx = self.sky.shape
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        sky, art, noise, rms = (np.zeros(len(coords)) for _ in range(4))
        for values, layer in ((sky, self.sky), (art, self.artifacts), (noise, self.noise),
                              (rms, self.rms)):
            values[inside] = layer[iy[inside], ix[inside]]
        art, noise = np.abs(art), np.abs(noise)
        near = np.zeros(len(coords), bool)
        truth = self.truth[self.truth['in_footprint']]
        near[pairs_within(coords, catalog_coordinates(truth), radius)[0]] = True
        artifact = inside & (art > sky) & (art > noise)
        labels[artifact] = 'artifact'
        labels[near | (inside & (sky > art) & (sky > rms))] = 'source'
        return labels


def _check_shape(shape):
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2 and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 32
            for n in shape)):
        raise InvalidParameterError(
            f'shape must be a pair of integers >= 32 (ny, nx), not {shape!r}.')
    return int(shape[0]), int(shape[1])


def _value(value, unit, name, *, minimum=0.0, strict=True):
    try:
        out = u.Quantity(value, unit).to_value(unit)
    except (u.UnitsError, TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f'{name} must be a quantity in {unit} or a number: {value!r}.') from exc
    if np.ndim(out) != 0 or not np.isfinite(out) or out < minimum or (strict and out == minimum):
        raise InvalidParameterError(
            f'{name} must be {">" if strict else ">="} {minimum} {unit}: {value!r}.')
    return float(out)


def _rms_map(rng, ny, nx, scale, rms, variation, footprint):
    """Smooth rms map shaped like the sensitivity of a mosaic of LoTSS pointings.

    The inverse variance of a mosaic is the sum over pointings of the primary
    beam squared over the pointing's own variance; pointings lie on a
    hexagonal grid (random offset) with depths scattered by 30%. Its
    -1/2 power is stretched (a power law) so that its max/min ratio over the
    central `RMS_VARIATION_BOX` (51.2 arcmin, 2048 pixels of 1.5 arcsec) is ``variation``,
    and scaled so its median over the footprint is ``rms``. Separable in x
    and y per pointing, hence one matrix product for the whole map.
    """
    spacing, fwhm = POINTING_SPACING.to_value(u.deg), PRIMARY_BEAM_FWHM.to_value(u.deg)
    box_pixels = RMS_VARIATION_BOX.to_value(u.arcsec) / scale
    half = max(ny, nx, box_pixels) * scale / 3600 / 2 + 1.5 * spacing
    rows = np.arange(-math.ceil(half / (spacing * 0.866)), math.ceil(half / (spacing * 0.866)) + 1)
    cols = np.arange(-math.ceil(half / spacing) - 1, math.ceil(half / spacing) + 2)
    offset = rng.uniform(0, 1, 2)
    px = ((cols[None, :] + offset[0] + 0.5 * (rows[:, None] % 2)) * spacing).ravel()
    py = ((rows[:, None] + offset[1]) * spacing * 0.866 + 0 * cols[None, :]).ravel()
    depth = np.exp(rng.normal(0.0, _POINTING_DEPTH_SCATTER, px.size))
    a = 8 * math.log(2) / fwhm ** 2                      # PB^2 = exp(-a r^2)

    def inverse_variance(yy, xx):                        # pixel coordinates -> sum PB^2 / var
        dx = -(np.asarray(xx, float) - (nx - 1) / 2) * scale / 3600     # east, deg
        dy = (np.asarray(yy, float) - (ny - 1) / 2) * scale / 3600
        ey = np.exp(-a * (dy[:, None] - py[None, :]) ** 2) / depth ** 2
        ex = np.exp(-a * (dx[:, None] - px[None, :]) ** 2)
        return ey @ ex.T
    box = np.linspace(-box_pixels / 2, box_pixels / 2, 129)
    ref = inverse_variance(box + (ny - 1) / 2, box + (nx - 1) / 2)
    spread = math.log(ref.max() / ref.min())
    power = 2 * math.log(variation) / spread if spread > 1e-12 else 0.0
    step = max(1, max(ny, nx) // 256)
    sample = inverse_variance(np.arange(0, ny, step), np.arange(0, nx, step))
    if footprint is not None:
        sample = sample[footprint[::step, ::step]]
    median = float(np.median(sample))
    full = inverse_variance(np.arange(ny), np.arange(nx)).astype(np.float32)
    full /= np.float32(median)
    np.power(full, np.float32(-power / 2), out=full)
    full *= np.float32(rms)
    return full


def _window(n):
    """Radial taper of a stamp: 1 inside half its radius, cos^2 down to 0 at the edge."""
    r = np.hypot(*np.meshgrid(np.arange(n) - n // 2, np.arange(n) - n // 2)) / (n / 2)
    return np.where(r < 0.5, 1.0, np.cos(np.clip((r - 0.5) / 0.5, 0, 1) * np.pi / 2) ** 2)


def _stamp_size(flux_mjy, ny, nx):
    size = 256 if flux_mjy < 100 else 512 if flux_mjy < 1000 else 1024
    return min(size, 1 << math.ceil(math.log2(2 * max(ny, nx))))


def _pixel_covariance(major, minor, pa, jac):
    """Pixel covariance matrices of Gaussians with sky FWHM (arcsec) and PA east of north."""
    smaj, smin = major * _FWHM_TO_SIGMA, minor * _FWHM_TO_SIGMA
    s, c = np.sin(np.deg2rad(pa)), np.cos(np.deg2rad(pa))
    sky = np.empty((len(pa), 2, 2))
    sky[:, 0, 0] = smaj ** 2 * s ** 2 + smin ** 2 * c ** 2
    sky[:, 1, 1] = smaj ** 2 * c ** 2 + smin ** 2 * s ** 2
    sky[:, 0, 1] = sky[:, 1, 0] = (smaj ** 2 - smin ** 2) * s * c
    return jac @ sky @ np.swapaxes(jac, 1, 2)


def _add_artifacts(layer, rng, maker, comps, groups, dynamic_range, ny, nx):
    """Add the calibration-error pattern of each bright group; return the drawn dynamic ranges."""
    lo, hi = np.log(dynamic_range)
    drawn = np.zeros(len(groups))
    windows = {}
    for k, (g, flux) in enumerate(groups):
        rows = comps['group_index'][g]
        size = _stamp_size(flux, ny, nx)
        shape = (size, size)
        x, y, f = comps['x'][rows], comps['y'][rows], comps['flux'][rows] * 1e-3   # Jy
        cx, cy = int(np.rint(np.average(x, weights=f))), int(np.rint(np.average(y, weights=f)))
        ky, kx = sfft.fftfreq(size)[:, None], sfft.fftfreq(size)[None, :]
        uv = maker.uv_error(rng, shape).astype(np.complex64)
        source = np.zeros(shape, np.complex64)
        for xi, yi, fi, cov in zip(x, y, f, comps['cov'][rows]):
            term = (fi * np.exp(-2j * np.pi * ky * (yi - cy))
                    * np.exp(-2j * np.pi * kx * (xi - cx)))
            if cov.any():              # the Fourier transform of the intrinsic Gaussian
                term *= np.exp(-2 * np.pi ** 2 * (cov[0, 0] * kx ** 2 + 2 * cov[0, 1] * kx * ky
                                                  + cov[1, 1] * ky ** 2))
            source += term
        pattern = sfft.ifft2(uv * source, norm='forward', workers=-1).real
        point = sfft.ifft2(uv, norm='forward', workers=-1).real if len(rows) > 1 or \
            comps['cov'][rows][0].any() else pattern / f.sum()
        drawn[k] = math.exp(rng.uniform(lo, hi))
        pattern *= drawn[k] / np.abs(point).max()
        if size not in windows:
            windows[size] = _window(size)
        pattern = sfft.fftshift(pattern) * windows[size]
        # paste with clipping at the image edges
        y0, x0 = cy - size // 2, cx - size // 2
        sy0, sx0 = max(0, -y0), max(0, -x0)
        sy1, sx1 = min(size, ny - y0), min(size, nx - x0)
        if sy0 < sy1 and sx0 < sx1:
            layer[y0 + sy0:y0 + sy1, x0 + sx0:x0 + sx1] += pattern[sy0:sy1, sx0:sx1]
    return drawn


def simulate_interferometer_sky(shape=(2048, 2048), *, seed=None, center=None,
                                pixel_scale=1.5 * u.arcsec, beam=6 * u.arcsec,
                                rms=75 * u.uJy / u.beam, rms_variation=1.35,
                                min_flux=0.1 * u.mJy, max_flux=10 * u.Jy, resolved_fraction=0.10,
                                multi_component_fraction=MULTI_COMPONENT_FRACTION,
                                artifact_flux_limit=ARTIFACT_FLUX_LIMIT,
                                artifact_dynamic_range=ARTIFACT_DYNAMIC_RANGE,
                                robust=LOTSS_ROBUST, footprint=None, return_layers=False):
    """Simulate a LoTSS-like image from LOFAR aperture-synthesis physics, with its truth.

    The image (float32, Jy/beam, 144 MHz, SIN projection) is the sum of three
    layers, each made the way it arises in a real LoTSS image:

    Noise
        Thermal noise of the LoTSS observation: complex Gaussian noise on the
        visibilities of the 62 LoTSS HBA fields over 8 h of Earth rotation
        at the field's declination (`~lotss_tools.validation.lofar_uv_coverage`),
        gridded with the LoTSS Briggs weights (robust -0.5, no baselines
        under 100 m) and Fourier transformed
        (`~lotss_tools.validation.synthesized_noise`): correlated and
        anisotropic like the dirty beam. Its rms varies smoothly like the
        sensitivity of a mosaic of pointings (max/min ``rms_variation``
        over the central `RMS_VARIATION_BOX`, 51.2 arcmin; median ``rms``).
    Sources
        Drawn from the 144 MHz counts of
        `~lotss_tools.validation.integral_source_counts` (LoTSS DR1 anchors)
        between ``min_flux`` and ``max_flux``, uniformly over the image:
        point sources, resolved elliptical Gaussians and, above 1 mJy, FR I
        and FR II radio galaxies of several components
        (`~lotss_tools.validation.random_radio_sources`), all restored with
        the circular Gaussian clean beam ``beam``.
    Artifacts
        Every source whose total flux reaches ``artifact_flux_limit`` is
        convolved with the difference between the dirty beam made with
        per-station, time-variable, direction-dependent gain errors drawn
        for that source and the ideal dirty beam
        (`~lotss_tools.validation.calibration_error_pattern`), scaled so
        the pattern of a point source of that flux peaks at a fraction of
        its flux drawn log-uniformly in ``artifact_dynamic_range``. The
        pattern is computed on a stamp of 256, 512 or 1024 pixels (below
        0.1 Jy, below 1 Jy, above) and tapered to zero at the stamp's edge.
        Artifacts are in the image, not in the truth.

    Parameters
    ----------
    shape : tuple of two int
        Image shape ``(ny, nx)``, each at least 32.
    seed : int, `numpy.random.Generator` or None
        Random seed; the same integer gives a bit-identical image and truth.
    center : `~astropy.coordinates.SkyCoord`, optional
        Image centre; default RA 218 deg, Dec +55 deg (the observation's
        phase centre, whose declination sets the uv coverage).
    pixel_scale, beam : `~astropy.units.Quantity`
        Pixel size and FWHM of the circular clean beam (plain numbers: arcsec).
    rms : `~astropy.units.Quantity`
        Median noise (plain numbers: uJy/beam); LoTSS DR1 71, DR2 83.
    rms_variation : float
        Ratio of the highest to the lowest rms over the central 51.2 x 51.2
        arcmin (2048 x 2048 pixels of 1.5 arcsec; >= 1; real DR1 mosaics:
        median 1.47 over 51 arcmin boxes).
    min_flux, max_flux : `~astropy.units.Quantity`
        Flux range of the sources (plain numbers: mJy).
    resolved_fraction : float
        Fraction of the single sources that are resolved.
    multi_component_fraction : float
        Fraction of the sources above 1 mJy that are FR I or FR II.
    artifact_flux_limit : `~astropy.units.Quantity`
        Sources at least this bright get artifacts (plain numbers: mJy).
    artifact_dynamic_range : tuple of float
        Range of the artifact peak over the source's flux; ``(0, 0)``
        switches the artifacts off.
    robust : float
        Briggs robust parameter of the imaging weights.
    footprint : None or 'circle'
        None: every pixel is valid; ``'circle'``: NaN outside the circle
        inscribed in the image (a pointing-like footprint).
    return_layers : bool
        Also return the separate `SkyLayers`.

    Returns
    -------
    mosaic : `~lotss_tools.Mosaic`
        The image, named ``'interferometer-sky'``.
    truth : `~astropy.table.QTable`
        One row per source component, in group order, ``meta`` holding the
        parameters:

        - ``id``: row number; ``group``: source number shared by the
          components of one source; ``kind``: ``point``, ``extended``,
          ``fr1_core``, ``fr1_jet``, ``fr1_plume``, ``fr2_core``,
          ``fr2_lobe`` or ``hotspot``.
        - ``ra``, ``dec`` (deg), ``x``, ``y`` (0-based pixels).
        - ``total_flux`` (mJy) and ``peak_flux`` (mJy/beam) of the
          component; ``group_flux`` (mJy): total flux of its source.
        - ``major_fwhm``, ``minor_fwhm``: FWHM convolved with the beam;
          ``dc_major_fwhm``, ``dc_minor_fwhm``: deconvolved (0 for point
          components), arcsec; ``pa``: east of north (deg, [0, 180)).
        - ``local_rms`` (mJy/beam): the rms map at the component;
          ``snr``: ``peak_flux / local_rms``.
        - ``resolved``: non-zero deconvolved size.
        - ``artifact_dynamic_range``: the peak of the artifact pattern of the
          component's source over its flux (0: no artifacts).
        - ``in_footprint``: the component's pixel is finite.
    layers : `SkyLayers`
        Only with ``return_layers=True``.

    Raises
    ------
    ValueError
        For a bad shape, out-of-range parameters or an unknown footprint.

    Examples
    --------
    >>> from lotss_tools.validation import simulate_interferometer_sky
    >>> mosaic, truth, layers = simulate_interferometer_sky((256, 256), seed=1,
    ...                                                    return_layers=True)
    >>> mosaic.shape, mosaic.beam.major.to('arcsec')
    ((256, 256), <Quantity 6. arcsec>)
    >>> import numpy as np
    >>> bool(np.allclose(mosaic.data, layers.sky + layers.artifacts + layers.noise))
    True
    """
    ny, nx = _check_shape(shape)
    scale = _value(pixel_scale, u.arcsec, 'pixel_scale')
    beam_fwhm = _value(beam, u.arcsec, 'beam')
    if beam_fwhm < 2 * scale:
        raise InvalidParameterError(f'beam ({beam_fwhm} arcsec) must span at least two pixels '
                         f'({scale} arcsec each).')
    rms_jy = _value(rms, u.uJy / u.beam, 'rms', strict=False) * 1e-6
    variation = _value(rms_variation, u.one, 'rms_variation', minimum=1.0, strict=False)
    s_min = _value(min_flux, u.mJy, 'min_flux')
    s_max = _value(max_flux, u.mJy, 'max_flux')
    art_limit = _value(artifact_flux_limit, u.mJy, 'artifact_flux_limit')
    try:
        dr = tuple(float(v) for v in artifact_dynamic_range)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError('artifact_dynamic_range must be two numbers (low, high), '
                         f'not {artifact_dynamic_range!r}.') from exc
    if len(dr) != 2 or not (dr == (0.0, 0.0) or 0 < dr[0] <= dr[1] < 1):
        raise InvalidParameterError('artifact_dynamic_range must be (low, high) with '
                                    '0 < low <= high < 1, '
                         f'or (0, 0), not {artifact_dynamic_range!r}.')
    if footprint not in (None, 'circle'):
        raise InvalidParameterError(f"footprint must be None or 'circle', not {footprint!r}.")
    center = SkyCoord(218.0 * u.deg, 55.0 * u.deg) if center is None else center
    if not isinstance(center, SkyCoord) or not center.isscalar:
        raise InvalidParameterError(f'center must be a scalar SkyCoord, not {center!r}.')

    rng = np.random.default_rng(seed)           # independent streams for the four parts
    rng_noise, rng_rms, rng_sources, rng_artifacts = (
        np.random.default_rng(s) for s in rng.integers(0, 2 ** 63 - 1, size=4))
    header = _make_header(ny, nx, center, scale, beam_fwhm, rms_jy, seed,
                          name='INTERFEROMETER-SKY',
                          maker='lotss_tools.validation.simulate_interferometer_sky',
                          history='LoTSS-like sky made from LOFAR aperture synthesis by '
                                  'lotss_tools.validation.simulate_interferometer_sky')
    wcs = WCS(header)
    area = ny * nx * (scale / 3600) ** 2
    valid = None
    if footprint == 'circle':
        r = min(ny, nx) / 2
        yy, xx = np.ogrid[:ny, :nx]
        valid = (yy - (ny - 1) / 2) ** 2 + (xx - (nx - 1) / 2) ** 2 <= r * r

    # --- noise: LOFAR uv coverage, LoTSS weights, smooth rms map
    coverage = lofar_uv_coverage(center.icrs.dec)
    weights = imaging_weights(coverage, scale * u.arcsec, robust=robust)
    rms_map = _rms_map(rng_rms, ny, nx, scale, rms_jy, variation, valid)
    image = synthesized_noise(coverage, weights, (ny, nx), scale * u.arcsec, seed=rng_noise)
    image *= rms_map
    noise = image.copy() if return_layers else None

    # --- sources
    comps = random_radio_sources(area * u.deg ** 2, seed=rng_sources, min_flux=s_min * u.mJy,
                                 max_flux=s_max * u.mJy, resolved_fraction=resolved_fraction,
                                 multi_component_fraction=multi_component_fraction)
    n_groups = comps.meta['n_groups']
    gx, gy = rng_sources.uniform(-0.5, nx - 0.5, n_groups), rng_sources.uniform(-0.5, ny - 0.5,
                                                                                n_groups)
    group = np.asarray(comps['group'])
    east = comps['east_offset'].to_value(u.arcsec)
    north = comps['north_offset'].to_value(u.arcsec)
    jac_group = _pixel_jacobian(wcs, gx[group], gy[group]) if len(group) else np.zeros((0, 2, 2))
    offset = jac_group @ np.stack([east, north], axis=1)[..., None] if len(group) else \
        np.zeros((0, 2, 1))
    x, y = gx[group] + offset[:, 0, 0], gy[group] + offset[:, 1, 0]
    flux = comps['total_flux'].to_value(u.mJy)
    dc_major, dc_minor = (comps[c].to_value(u.arcsec) for c in ('dc_major_fwhm', 'dc_minor_fwhm'))
    pa = comps['pa'].to_value(u.deg)
    major, minor = np.hypot(dc_major, beam_fwhm), np.hypot(dc_minor, beam_fwhm)
    peak = flux * beam_fwhm ** 2 / (major * minor)              # mJy/beam
    sky = np.zeros((ny, nx), np.float32) if return_layers else image
    jac = _pixel_jacobian(wcs, x, y) if len(x) else np.zeros((0, 2, 2))
    _render(sky, x, y, peak * 1e-3, major, minor, pa, jac, level=max(rms_jy, 1e-7) * 1e-2)

    # --- artifacts of the bright sources
    group_flux = comps['group_flux'].to_value(u.mJy)
    first = np.searchsorted(group, np.arange(n_groups))        # components of a group are
    last = np.searchsorted(group, np.arange(n_groups), side='right')   # consecutive rows
    source_flux = np.zeros(n_groups)
    source_flux[group] = group_flux
    bright = [(g, source_flux[g]) for g in np.flatnonzero(source_flux >= art_limit)]
    artifacts = np.zeros((ny, nx), np.float32) if return_layers else image
    drawn = np.zeros(n_groups)
    if bright and dr != (0.0, 0.0):
        maker = _ErrorPatterns(coverage, weights, scale)
        info = {'x': x, 'y': y, 'flux': flux,
                'cov': _pixel_covariance(dc_major, dc_minor, pa, jac),
                'group_index': {g: np.arange(first[g], last[g]) for g, _ in bright}}
        drawn[[g for g, _ in bright]] = _add_artifacts(artifacts, rng_artifacts, maker, info,
                                                       bright, dr, ny, nx)
    if return_layers:
        image = noise + sky + artifacts
    if valid is not None:
        image[~valid] = np.nan

    # --- truth
    ix, iy = np.rint(x).astype(int), np.rint(y).astype(int)
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    in_footprint = np.zeros(len(x), bool)
    in_footprint[inside] = np.isfinite(image[iy[inside], ix[inside]])
    local_rms = rms_map[np.clip(iy, 0, ny - 1), np.clip(ix, 0, nx - 1)].astype(float) * 1e3
    ra, dec = wcs.wcs_pix2world(x, y, 0) if len(x) else (np.zeros(0), np.zeros(0))
    with np.errstate(divide='ignore', invalid='ignore'):
        snr = peak / local_rms
    mjy_beam = u.mJy / u.beam
    truth = QTable([np.arange(len(x)), group, np.asarray(comps['kind']), ra % 360 * u.deg,
                    dec * u.deg, x, y, flux * u.mJy, peak * mjy_beam, group_flux * u.mJy,
                    major * u.arcsec, minor * u.arcsec, dc_major * u.arcsec, dc_minor * u.arcsec,
                    pa % 180 * u.deg, local_rms * mjy_beam, snr, dc_major > 0,
                    drawn[group], in_footprint],
                   names=['id', 'group', 'kind', 'ra', 'dec', 'x', 'y', 'total_flux', 'peak_flux',
                          'group_flux', 'major_fwhm', 'minor_fwhm', 'dc_major_fwhm',
                          'dc_minor_fwhm', 'pa', 'local_rms', 'snr', 'resolved',
                          'artifact_dynamic_range', 'in_footprint'])
    for name, text in _DESCRIPTIONS.items():
        truth[name].info.description = text
    truth.meta.update(
        seed=int(seed) if isinstance(seed, (int, np.integer)) else None, shape=(ny, nx),
        center=center, pixel_scale=scale * u.arcsec / u.pix, beam=beam_fwhm * u.arcsec,
        rms=rms_jy * u.Jy / u.beam, rms_variation=variation, min_flux=s_min * u.mJy,
        max_flux=s_max * u.mJy, resolved_fraction=resolved_fraction,
        multi_component_fraction=multi_component_fraction,
        artifact_flux_limit=art_limit * u.mJy, artifact_dynamic_range=dr, robust=float(robust),
        footprint=footprint, n_sources=int(n_groups), n_artifact_sources=len(bright),
        area=area * u.deg ** 2)
    header['SIMRMSV'] = (variation, 'max/min rms ratio over the central 51.2 arcmin')
    header['SIMNSRC'] = (int(n_groups), 'number of simulated sources (groups)')
    header['SIMNART'] = (len(bright), 'number of sources with artifacts')
    header['SIMROBST'] = (float(robust), 'Briggs robust parameter of the weights')
    mosaic = Mosaic(image, wcs=wcs, unit=u.Jy / u.beam, meta=header, name='interferometer-sky')
    if not return_layers:
        return mosaic, truth
    layers = SkyLayers(sky=sky, artifacts=artifacts, noise=noise, rms=rms_map,
                       dirty_beam=dirty_beam(coverage, weights, 256, scale * u.arcsec),
                       wcs=wcs, truth=truth)
    return mosaic, truth, layers


_DESCRIPTIONS = {
    'id': 'row number', 'group': 'source number shared by the components of one source',
    'kind': 'component type (point, extended, fr1_core, fr1_jet, fr1_plume, fr2_core, fr2_lobe, '
            'hotspot)',
    'ra': 'right ascension (ICRS)', 'dec': 'declination (ICRS)',
    'x': '0-based pixel column', 'y': '0-based pixel row',
    'total_flux': 'integrated flux density of the component',
    'peak_flux': 'peak brightness of the component',
    'group_flux': 'total flux density of the whole source',
    'major_fwhm': 'major-axis FWHM convolved with the beam',
    'minor_fwhm': 'minor-axis FWHM convolved with the beam',
    'dc_major_fwhm': 'deconvolved major-axis FWHM (0: point-like)',
    'dc_minor_fwhm': 'deconvolved minor-axis FWHM (0: point-like)',
    'pa': 'position angle east of north',
    'local_rms': 'rms of the noise layer at the component',
    'snr': 'peak_flux / local_rms', 'resolved': 'non-zero deconvolved size',
    'artifact_dynamic_range': 'peak of the artifact pattern of the source over its flux (0: none)',
    'in_footprint': 'the component lies on a finite pixel'}
