"""Aperture synthesis of a LoTSS observation: uv coverage, weights, dirty beam, noise, errors.

A radio interferometer measures the Fourier transform of the sky (the
*visibilities*) at the points of the uv plane that its baselines sweep as
the Earth rotates. The image is the inverse Fourier transform of the
weighted, gridded visibilities, so everything that shapes a LoTSS image
follows from the array layout, the observation and the weighting:

* `lofar_uv_coverage`: the uv tracks of the 62 LoTSS HBA fields
  (`~lotss_tools.validation.lofar_stations`) over 8 h of Earth rotation at
  the field's declination, in channels across 120-168 MHz;
* `imaging_weights`: Briggs (robust) weights as used by the LoTSS imaging
  (robust -0.5, baselines shorter than 100 m dropped);
* `dirty_beam`: the point spread function of those weighted visibilities;
* `synthesized_noise`: thermal noise, i.e. independent complex Gaussian
  noise on every visibility, gridded with the same weights and Fourier
  transformed. Its autocorrelation is the transform of the sum of squared
  weights per uv cell: correlated, anisotropic, with sidelobe structure;
* `calibration_error_pattern`: what a point source leaves in the image when
  the station gains towards it carry direction-dependent phase and
  amplitude errors: the difference between the dirty beam made with the
  corrupted visibilities and the ideal dirty beam (rings, spokes, blobs of
  both signs).

Gridding is nearest-cell (no anti-aliasing kernel); the Fourier transforms
use `scipy.fft` with all available workers.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft
from astropy import units as u
from astropy.table import QTable
from scipy import ndimage

from ..exceptions import InvalidParameterError
from .stations import lofar_stations

__all__ = ['UVCoverage', 'lofar_uv_coverage', 'imaging_weights', 'dirty_beam',
           'synthesized_noise', 'calibration_error_pattern',
           'LOTSS_ROBUST', 'LOTSS_UV_MIN', 'WEIGHTING_GRID', 'PHASE_ERROR_RMS',
           'PHASE_ERROR_SCALE', 'PHASE_ERROR_TIME', 'AMPLITUDE_ERROR_RMS']

_C = 299792458.0            # m/s

#: Briggs robust parameter of the LoTSS 6 arcsec images (Shimwell et al. 2019, 2022).
LOTSS_ROBUST = -0.5
#: Shortest projected baseline used by the LoTSS imaging.
LOTSS_UV_MIN = 0.1 * u.km
#: Side (pixels) of the image grid on which the Briggs weights are computed.
WEIGHTING_GRID = 2048
#: Rms of the direction-dependent phase errors of a station `PHASE_ERROR_SCALE` from the core.
PHASE_ERROR_RMS = 0.3 * u.rad
#: Distance from the core at which the phase errors have the rms `PHASE_ERROR_RMS`;
#: they scale as distance**(5/6) (Kolmogorov turbulence), so the core stations,
#: which look through the same ionosphere, have almost none.
PHASE_ERROR_SCALE = 50 * u.km
#: Coherence time (Gaussian sigma) of the phase and amplitude errors.
PHASE_ERROR_TIME = 15 * u.min
#: Relative rms of the direction-dependent amplitude errors of every station.
AMPLITUDE_ERROR_RMS = 0.03


@dataclass(frozen=True)
class UVCoverage:
    """The uv points of an Earth-rotation synthesis observation.

    Made by `lofar_uv_coverage`. Arrays of visibilities have the shape
    ``(n_times, n_baselines, n_channels)``.

    Attributes
    ----------
    u, v : `numpy.ndarray`
        Baseline coordinates in wavelengths (float32), ``u`` towards east
        and ``v`` towards north on the sky.
    station1, station2 : `numpy.ndarray`
        Row indices in ``stations`` of the two ends of each baseline.
    stations : `~astropy.table.QTable`
        The stations (`~lotss_tools.validation.lofar_stations`).
    hour_angle : `~astropy.units.Quantity`
        Hour angle of the field at each time step.
    frequency : `~astropy.units.Quantity`
        Channel frequencies.
    declination : `~astropy.units.Quantity`
        Declination of the field (the phase centre).
    """

    u: np.ndarray
    v: np.ndarray
    station1: np.ndarray
    station2: np.ndarray
    stations: QTable = field(repr=False)
    hour_angle: u.Quantity = field(repr=False)
    frequency: u.Quantity = field(repr=False)
    declination: u.Quantity

    @property
    def shape(self):
        """``(n_times, n_baselines, n_channels)``."""
        return self.u.shape

    @property
    def wavelength(self):
        """Channel wavelengths (m), broadcastable against ``u`` and ``v``."""
        return _C / self.frequency.to_value(u.Hz)


def _quantity(value, unit, name, *, positive=True):
    try:
        out = u.Quantity(value, unit)
    except (u.UnitsError, TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f'{name} must be a quantity in {unit} (or a number), not {value!r}.') from exc
    if not np.all(np.isfinite(out.value)) or (positive and np.any(out.value <= 0)):
        raise InvalidParameterError(
            f'{name} must be finite{" and positive" if positive else ""}: {value!r}.')
    return out


def lofar_uv_coverage(declination=55 * u.deg, *, duration=8 * u.h, n_times=240,
                      frequencies=None, hour_angle_offset=0 * u.h, stations=None):
    """The uv coverage of a LoTSS-like HBA observation.

    Every pair of stations is a baseline; its coordinates in the uv plane
    follow from the geocentric (ITRF/ETRS89) baseline vector rotated by the
    Earth (Thompson, Moran & Swenson 2017, eq. 4.1) for a field at
    ``declination`` observed symmetrically about transit, divided by the
    wavelength of each channel (multi-frequency synthesis).

    Parameters
    ----------
    declination : `~astropy.units.Quantity`
        Declination of the field (default +55 deg, the Dec of P218+55).
    duration : `~astropy.units.Quantity`
        Length of the synthesis (LoTSS: 8 h).
    n_times : int
        Number of time samples over ``duration`` (default: one every 2 min).
    frequencies : `~astropy.units.Quantity`, optional
        Channel frequencies; default 8 channels evenly spread over
        120-168 MHz (the LoTSS band, centred on 144 MHz).
    hour_angle_offset : `~astropy.units.Quantity`
        Hour angle of the middle of the observation (0: centred on transit).
    stations : `~astropy.table.QTable`, optional
        Stations with geocentric ``x``, ``y``, ``z``; default
        `~lotss_tools.validation.lofar_stations` (62 HBA fields, 1891 baselines).

    Returns
    -------
    coverage : `UVCoverage`

    Raises
    ------
    ValueError
        For a declination below the horizon of LOFAR's latitude or outside
        [-90, 90] deg, fewer than two stations, or non-positive durations,
        time samples or frequencies.

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.validation import lofar_uv_coverage
    >>> coverage = lofar_uv_coverage(n_times=60)
    >>> coverage.shape      # times, baselines, channels
    (60, 1891, 8)
    >>> longest = (coverage.u ** 2 + coverage.v ** 2).max() ** 0.5
    >>> round(float(longest / 1e3))   # kilo-wavelengths
    67
    """
    dec = _quantity(declination, u.deg, 'declination', positive=False).to_value(u.rad)
    if np.ndim(dec) != 0 or abs(dec) > np.pi / 2:
        raise InvalidParameterError(
            f'declination must be one angle within [-90, 90] deg: {declination!r}.')
    if dec < np.deg2rad(-30):
        raise InvalidParameterError(
            f'declination {declination!r} is not observable from LOFAR (latitude 53 deg).')
    hours = _quantity(duration, u.h, 'duration').to_value(u.h)
    if not isinstance(n_times, (int, np.integer)) or isinstance(n_times, bool) or n_times < 1:
        raise InvalidParameterError(f'n_times must be a positive integer, not {n_times!r}.')
    if frequencies is None:
        frequencies = np.linspace(120.0, 168.0, 8) * u.MHz
    freq = np.atleast_1d(_quantity(frequencies, u.MHz, 'frequencies').to(u.MHz))
    offset = _quantity(hour_angle_offset, u.h, 'hour_angle_offset', positive=False).to_value(u.h)
    stations = lofar_stations() if stations is None else stations
    if len(stations) < 2:
        raise InvalidParameterError('lofar_uv_coverage needs at least two stations.')
    xyz = np.stack([u.Quantity(stations[c], u.m).value for c in ('x', 'y', 'z')], axis=1)
    lon = math.atan2(xyz[:, 1].mean(), xyz[:, 0].mean())
    i, j = np.triu_indices(len(stations), 1)
    b = xyz[j] - xyz[i]                                   # (n_baselines, 3), m
    local = offset + (np.arange(n_times) + 0.5) / n_times * hours - hours / 2 if n_times > 1 \
        else np.array([offset])
    greenwich = np.deg2rad(15.0 * np.asarray(local, float)) - lon  # hour angle from Greenwich
    sh, ch = np.sin(greenwich)[:, None], np.cos(greenwich)[:, None]
    um = sh * b[:, 0] + ch * b[:, 1]
    vm = -math.sin(dec) * ch * b[:, 0] + math.sin(dec) * sh * b[:, 1] + math.cos(dec) * b[:, 2]
    lam = _C / freq.to_value(u.Hz)
    return UVCoverage(u=(um[..., None] / lam).astype(np.float32),
                      v=(vm[..., None] / lam).astype(np.float32), station1=i, station2=j,
                      stations=stations, hour_angle=np.asarray(local, float) * u.hourangle,
                      frequency=freq, declination=dec * u.rad.to(u.deg) * u.deg)


def _cells(coverage, shape, pixel_scale):
    """Flat FFT-grid cell index of every visibility (and -1 outside the grid)."""
    ny, nx = shape
    rad = pixel_scale * math.pi / (180 * 3600)
    iu = np.rint(coverage.u * np.float32(nx * rad)).astype(np.int32)
    iv = np.rint(coverage.v * np.float32(ny * rad)).astype(np.int32)
    inside = (np.abs(iu) < (nx + 1) // 2) & (np.abs(iv) < (ny + 1) // 2)
    iu %= nx
    iv %= ny
    cells = iv.astype(np.intp) * nx + iu
    cells[~inside] = -1
    return cells


def _hermitian(grid):
    """``grid + conj(grid(-k))`` on a periodic FFT grid (adds the conjugate visibilities)."""
    flipped = np.roll(grid[::-1, ::-1], 1, axis=(0, 1))
    return grid + (np.conj(flipped) if np.iscomplexobj(grid) else flipped)


def _grid(cells, values, shape):
    """Sum ``values`` (real or complex) into the cells, with their conjugates at -k."""
    if cells.min(initial=0) < 0:
        keep = cells >= 0
        cells, values = cells[keep], values[keep]
    n = shape[0] * shape[1]
    if np.iscomplexobj(values):
        grid = (np.bincount(cells, values.real, minlength=n)
                + 1j * np.bincount(cells, values.imag, minlength=n))
    else:
        grid = np.bincount(cells, values, minlength=n)
    return _hermitian(grid.reshape(shape))


def _pixel_scale(value):
    return float(_quantity(value, u.arcsec, 'pixel_scale').to_value(u.arcsec))


def imaging_weights(coverage, pixel_scale=1.5 * u.arcsec, *, robust=LOTSS_ROBUST,
                    uv_min=LOTSS_UV_MIN, taper=None):
    """Briggs (robust) imaging weights of every visibility.

    The weight of a visibility is ``1 / (1 + N f**2)`` where ``N`` is the
    number of visibilities in its cell of a `WEIGHTING_GRID` x
    `WEIGHTING_GRID` image grid and ``f**2 = (5 * 10**-robust)**2 /
    (sum N**2 / sum N)`` (Briggs 1995; the CASA and WSClean definition).
    ``robust`` = +2 is close to natural weighting (every visibility weighs
    the same: a PSF with a broad pedestal from the dense core), -2 to
    uniform weighting (a sharp PSF with strong sidelobes and more noise).

    Parameters
    ----------
    coverage : `UVCoverage`
    pixel_scale : `~astropy.units.Quantity`
        Image pixel size (plain numbers: arcsec); the weighting grid covers
        the uv plane up to its Nyquist frequency.
    robust : float
        Briggs robust parameter (LoTSS: -0.5).
    uv_min : `~astropy.units.Quantity`
        Projected baselines shorter than this get zero weight (LoTSS: 100 m).
    taper : `~astropy.units.Quantity`, optional
        FWHM of an image-plane Gaussian whose Fourier transform multiplies
        the weights (an outer uv taper); none by default.

    Returns
    -------
    weights : `numpy.ndarray`
        Same shape as ``coverage.u``, float32, zero for dropped visibilities.

    Examples
    --------
    >>> from lotss_tools.validation import imaging_weights, lofar_uv_coverage
    >>> coverage = lofar_uv_coverage(n_times=60)
    >>> weights = imaging_weights(coverage)
    >>> weights.shape == coverage.shape, bool(weights.max() <= 1)
    (True, True)
    """
    scale = _pixel_scale(pixel_scale)
    robust = float(robust)
    if not -5 <= robust <= 5:
        raise InvalidParameterError(f'robust must be between -5 and 5, not {robust}.')
    cells = _cells(coverage, (WEIGHTING_GRID, WEIGHTING_GRID), scale)
    density = _grid(cells.ravel(), np.ones(cells.size), (WEIGHTING_GRID, WEIGHTING_GRID))
    f2 = (5 * 10 ** -robust) ** 2 / (np.sum(density ** 2) / np.sum(density))
    n = density.ravel()[np.maximum(cells, 0)]
    weights = np.where(cells >= 0, 1.0 / (1.0 + n * np.float32(f2)), np.float32(0))
    length = np.hypot(coverage.u, coverage.v) * coverage.wavelength.astype(np.float32)   # m
    weights[length < _quantity(uv_min, u.m, 'uv_min', positive=False).to_value(u.m)] = 0.0
    if taper is not None:
        sigma = _quantity(taper, u.arcsec, 'taper').to_value(u.rad) / math.sqrt(8 * math.log(2))
        weights *= np.exp(-2 * math.pi ** 2 * sigma ** 2 * (coverage.u.astype(float) ** 2
                                                            + coverage.v.astype(float) ** 2))
    return weights.astype(np.float32)


def _size(size, name='size'):
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    if not (isinstance(size, (tuple, list)) and len(size) == 2 and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 8 for n in size)):
        raise InvalidParameterError(f'{name} must be an integer or a pair (ny, nx) of integers '
                                    '>= 8, '
                         f'not {size!r}.')
    return int(size[0]), int(size[1])


def dirty_beam(coverage, weights, size=256, pixel_scale=1.5 * u.arcsec):
    """The dirty beam (point spread function) of weighted visibilities.

    Parameters
    ----------
    coverage : `UVCoverage`
    weights : `numpy.ndarray`
        Imaging weight of every visibility (`imaging_weights`).
    size : int or tuple of int
        Image size ``n`` or ``(ny, nx)`` in pixels.
    pixel_scale : `~astropy.units.Quantity`
        Pixel size (plain numbers: arcsec).

    Returns
    -------
    psf : `numpy.ndarray`
        The beam, peak 1 at pixel ``(ny // 2, nx // 2)`` (float64).

    Examples
    --------
    >>> from lotss_tools.validation import dirty_beam, imaging_weights, lofar_uv_coverage
    >>> coverage = lofar_uv_coverage(n_times=60)
    >>> psf = dirty_beam(coverage, imaging_weights(coverage), 64)
    >>> float(psf[32, 32]), bool(psf.min() < 0)
    (1.0, True)
    """
    shape = _size(size)
    grid = _grid(_cells(coverage, shape, _pixel_scale(pixel_scale)).ravel(),
                 np.asarray(weights, float).ravel(), shape)
    psf = sfft.fftshift(sfft.ifft2(grid, workers=-1).real)
    return psf / psf[shape[0] // 2, shape[1] // 2]


def _noise_power(coverage, weights, shape, scale):
    """Variance of the gridded noise on the rfft half plane of ``shape`` (float32).

    Grids larger than `WEIGHTING_GRID` on a side are filled from a grid of at
    most that size (nearest cell), which keeps the noise correlations right
    up to about `WEIGHTING_GRID` / 2 pixels.
    """
    ny, nx = shape
    fy, fx = math.ceil(ny / WEIGHTING_GRID), math.ceil(nx / WEIGHTING_GRID)
    gy, gx = math.ceil(ny / fy), math.ceil(nx / fx)
    w2 = np.asarray(weights, float).ravel() ** 2
    coarse = _grid(_cells(coverage, (gy, gx), scale).ravel(), w2, (gy, gx)).astype(np.float32)
    # cell of the coarse grid holding each frequency of the full half plane
    iy = np.rint(sfft.fftfreq(ny) * gy).astype(np.int64) % gy
    ix = np.rint(sfft.rfftfreq(nx) * gx).astype(np.int64) % gx
    return coarse[iy[:, None], ix[None, :]] / np.float32(fy * fx)


def synthesized_noise(coverage, weights, shape, pixel_scale=1.5 * u.arcsec, *, seed=None):
    """Thermal noise of an interferometric image, with unit standard deviation.

    Independent complex Gaussian noise on every uv cell, with variance the
    sum of the squared weights of the visibilities in that cell, Fourier
    transformed to the image (only the half plane is drawn: the image is
    real). The autocorrelation of the result is the transform of the
    squared weights, so the noise is correlated on the scale of the dirty
    beam, anisotropic when the uv coverage is, and carries its sidelobes.

    Parameters
    ----------
    coverage : `UVCoverage`
    weights : `numpy.ndarray`
        Imaging weight of every visibility (`imaging_weights`).
    shape : tuple of int
        Image shape ``(ny, nx)``.
    pixel_scale : `~astropy.units.Quantity`
        Pixel size (plain numbers: arcsec).
    seed : int, `numpy.random.Generator` or None
        Random seed.

    Returns
    -------
    noise : `numpy.ndarray`
        float32 image with zero mean and standard deviation 1.

    Examples
    --------
    >>> import numpy as np
    >>> from lotss_tools.validation import imaging_weights, lofar_uv_coverage, synthesized_noise
    >>> coverage = lofar_uv_coverage(n_times=60)
    >>> noise = synthesized_noise(coverage, imaging_weights(coverage), (128, 128), seed=1)
    >>> noise.dtype, round(float(noise.std()), 3)
    (dtype('float32'), 1.0)
    """
    ny, nx = _size(shape, 'shape')
    rng = np.random.default_rng(seed)
    power = _noise_power(coverage, weights, (ny, nx), _pixel_scale(pixel_scale))
    spectrum = np.empty(power.shape, np.complex64)
    step = max(1, 2 ** 22 // power.shape[1])           # draw in row blocks: bounded memory
    for start in range(0, ny, step):
        rows = slice(start, min(start + step, ny))
        amp = np.sqrt(power[rows] * np.float32(0.5))
        spectrum.real[rows] = rng.standard_normal(amp.shape, dtype=np.float32) * amp
        spectrum.imag[rows] = rng.standard_normal(amp.shape, dtype=np.float32) * amp
    del power
    noise = sfft.irfft2(spectrum, s=(ny, nx), workers=-1)
    del spectrum
    noise -= noise.mean(dtype=np.float64)
    noise /= np.float32(noise.std(dtype=np.float64))
    return noise


class _ErrorPatterns:
    """Makes calibration-error patterns for many directions from one coverage.

    Holds the per-visibility quantities that do not depend on the direction
    (cells on each stamp size, weights, station scales), computed once per
    simulation; it is private and never shared between calls.
    """

    def __init__(self, coverage, weights, pixel_scale, *, time_step=2, channel_step=2,
                 phase_rms=PHASE_ERROR_RMS, phase_scale=PHASE_ERROR_SCALE,
                 coherence_time=PHASE_ERROR_TIME, amplitude_rms=AMPLITUDE_ERROR_RMS):
        self.scale = pixel_scale
        stations = coverage.stations
        core = np.asarray(stations['kind'] == 'core') if 'kind' in stations.colnames else \
            np.zeros(len(stations), bool)
        # Baselines between two core stations see the same ionosphere: no error.
        keep = ~(core[coverage.station1] & core[coverage.station2])
        self.total_weight = float(np.sum(weights, dtype=np.float64)) * 2   # with conjugates
        sub = (slice(None, None, time_step), keep, slice(None, None, channel_step))
        self.u, self.v = coverage.u[sub], coverage.v[sub]
        self.weights = weights[sub] * np.float32(time_step * channel_step)
        self.wavelength = coverage.wavelength[::channel_step]
        self.station1, self.station2 = coverage.station1[keep], coverage.station2[keep]
        xyz = np.stack([u.Quantity(stations[c], u.m).value for c in ('x', 'y', 'z')], axis=1)
        distance = np.linalg.norm(xyz - xyz[core].mean(axis=0) if core.any()
                                  else xyz - xyz.mean(axis=0), axis=1)
        self.phase_rms = (phase_rms.to_value(u.rad)
                          * (np.maximum(distance, 200.0) / phase_scale.to_value(u.m)) ** (5 / 6))
        hours = np.ptp(coverage.hour_angle.to_value(u.hourangle)) if len(coverage.hour_angle) > 1 \
            else 1.0
        n_times = self.u.shape[0]
        self.coherence = coherence_time.to_value(u.h) / max(hours / max(n_times - 1, 1), 1e-9)
        self.amplitude_rms = amplitude_rms
        self.n_stations = len(stations)
        self._cells = {}

    def cells(self, shape):
        if shape not in self._cells:
            self._cells[shape] = _cells(self, shape, self.scale)   # uses self.u, self.v
        return self._cells[shape]

    def _smooth(self, rng, rms):
        """Gaussian random processes in time, one per station, unit variance times ``rms``."""
        n_times = self.u.shape[0]
        white = rng.standard_normal((self.n_stations, n_times))
        if self.coherence > 0.5:
            white = ndimage.gaussian_filter1d(white, self.coherence, axis=1, mode='reflect')
            white /= np.maximum(white.std(axis=1, keepdims=True), 1e-12)
        return white * np.asarray(rms)[:, None] if np.ndim(rms) else white * rms

    def gain_errors(self, rng):
        """Complex gain-error product minus one, per visibility (complex64)."""
        phase = self._smooth(rng, self.phase_rms).T                 # (n_times, n_stations)
        amp = 1.0 + self._smooth(rng, self.amplitude_rms).T
        dispersive = self.wavelength / (_C / 144e6)                  # phase ~ 1 / frequency
        gain = (amp[..., None] * np.exp(1j * phase[..., None] * dispersive)).astype(np.complex64)
        return gain[:, self.station1, :] * np.conj(gain[:, self.station2, :]) - np.float32(1)

    def uv_error(self, rng, shape):
        """Gridded weighted gain errors on an FFT grid of ``shape``, per unit flux."""
        values = (self.weights * self.gain_errors(rng)).ravel()
        return _grid(self.cells(shape).ravel(), values, shape) / self.total_weight


def calibration_error_pattern(coverage, weights, size=512, pixel_scale=1.5 * u.arcsec, *,
                              seed=None, phase_rms=PHASE_ERROR_RMS,
                              amplitude_rms=AMPLITUDE_ERROR_RMS, coherence_time=PHASE_ERROR_TIME):
    """The image of a unit point source seen through direction-dependent gain errors.

    Each station's gain towards the source is ``(1 + a(t)) exp(i phi(t))``,
    with ``phi`` and ``a`` smooth Gaussian random processes in time (coherence
    time ``coherence_time``); the phase rms grows with the station's
    distance from the core as distance**(5/6) (Kolmogorov turbulence,
    `PHASE_ERROR_SCALE`), so core stations share the same phase and the
    remote ones carry the errors; phases scale as 1/frequency (ionospheric
    delay). The result is the dirty beam of the corrupted visibilities
    minus the ideal dirty beam, both with the same imaging weights:
    positive and negative rings, spokes and blobs around the source.

    Parameters
    ----------
    coverage : `UVCoverage`
    weights : `numpy.ndarray`
        Imaging weights (`imaging_weights`).
    size : int or tuple of int
        Stamp size in pixels; the source is at ``(ny // 2, nx // 2)``.
    pixel_scale : `~astropy.units.Quantity`
        Pixel size (plain numbers: arcsec).
    seed : int, `numpy.random.Generator` or None
        Random seed of the gain errors.
    phase_rms : `~astropy.units.Quantity`
        Phase rms of a station `PHASE_ERROR_SCALE` from the core.
    amplitude_rms : float
        Relative amplitude rms of every station.
    coherence_time : `~astropy.units.Quantity`
        Time scale of the errors.

    Returns
    -------
    pattern : `numpy.ndarray`
        The error image in units of the source flux (the ideal dirty beam
        has peak 1), float64.

    Examples
    --------
    >>> from lotss_tools.validation import (calibration_error_pattern, imaging_weights,
    ...                                     lofar_uv_coverage)
    >>> coverage = lofar_uv_coverage(n_times=120)
    >>> pattern = calibration_error_pattern(coverage, imaging_weights(coverage), 128, seed=3)
    >>> bool(pattern.max() > 0 > pattern.min())
    True
    """
    shape = _size(size)
    maker = _ErrorPatterns(coverage, np.asarray(weights, np.float32), _pixel_scale(pixel_scale),
                           phase_rms=_quantity(phase_rms, u.rad, 'phase_rms', positive=False),
                           coherence_time=_quantity(coherence_time, u.min, 'coherence_time'),
                           amplitude_rms=float(amplitude_rms))
    grid = maker.uv_error(np.random.default_rng(seed), shape)
    return sfft.fftshift(sfft.ifft2(grid, norm='forward', workers=-1).real)
