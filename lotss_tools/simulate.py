"""Simulated LoTSS DR2-like mosaics with a known truth catalogue: the
package's default data for its documentation, tests and benchmarks."""

import math

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import QTable
from astropy.wcs import WCS
from scipy import ndimage

from .mosaic import Mosaic

__all__ = ['simulate_mosaic']

# Calibration constants, fitted once, offline, to the 1348 LoTSS DR2 sources
# of tests/data/lotss-dr2-sample.sky (a 0.5 deg radius field at 13h20m +45d);
# the package never reads that file at run time.
# Counts: a broken power law for N(>S), fitted by maximum likelihood to the
# 591 sources above 1 mJy (the sample's completeness turnover is ~0.5 mJy):
# slope 0.78 +- 0.04 below 9.3 (+10, -3) mJy, 1.21 (+0.36, -0.07) above it
# (bootstrap errors); a single power law (slope 0.83) is worse by 2 ln L = 16.
# The default normalisation, 1000 deg^-2 above 0.3 mJy, matches the DR2 mean
# (4,396,228 sources over 5,634 deg^2: ~780 deg^-2 above ~0.4 mJy = 5 sigma).
#: Slope of the integral source counts below `COUNTS_BREAK`.
COUNTS_SLOPE_FAINT = 0.78
#: Slope of the integral source counts above `COUNTS_BREAK`.
COUNTS_SLOPE_BRIGHT = 1.21
#: Flux density of the break of the integral counts.
COUNTS_BREAK = 9.3 * u.mJy
#: Brightest source of the random population (artifact parents excepted).
MAX_FLUX = 2 * u.Jy
# Resolved sources: those above the LoTSS-DR1 envelope ln(S_int/S_peak) >
# 0.42 + 1.08 / (1 + (SNR / 96.57)**2.49), SNR from an 80 uJy/beam rms: 131 of
# 1348 (9.7 +- 0.8 per cent). Their deconvolved major axes are lognormal
# (median 23.8 arcsec, sigma of ln 0.46: 90% within 14-58 arcsec), their
# minor/major axis ratios Beta(4.4, 3.1) (maximum likelihood; mean 0.58, KS
# p = 0.37). SIZE_RANGE and the artifact constants are choices, not fits.
#: Fraction of sources that are resolved (the default of ``resolved_fraction``).
RESOLVED_FRACTION = 0.10
#: Median deconvolved major-axis FWHM of resolved sources.
SIZE_MEDIAN = 23.8 * u.arcsec
#: Standard deviation of the natural log of the deconvolved major axis.
SIZE_LOG_SIGMA = 0.46
#: Range to which the deconvolved major axes are clipped.
SIZE_RANGE = (3.0, 120.0) * u.arcsec
#: Beta distribution parameters of the minor/major axis ratio.
AXIS_RATIO_BETA = (4.4, 3.1)
#: Flux range of the bright sources that carry radial artifacts.
ARTIFACT_FLUX_RANGE = (0.1, 2.0) * u.Jy
#: Sky density of artifact-bearing sources when ``n_artifact_sources=None``.
ARTIFACT_DENSITY = 0.5 / u.deg ** 2

_FWHM_TO_SIGMA = 1.0 / math.sqrt(8.0 * math.log(2.0))
_FREQUENCY = 144e6  # Hz


def _number(value, unit, name, *, out=None, minimum=0.0, strict=True):
    """``value`` (a Quantity, or a number in ``unit``) as a float in ``out``; range-checked."""
    try:
        result = u.Quantity(value, unit).to_value(out or unit)
    except (u.UnitsError, TypeError, ValueError) as exc:
        raise ValueError(f'{name} must be a quantity in {unit} or a number: {value!r}.') from exc
    if np.ndim(result) != 0 or not np.isfinite(result) or result < minimum or (
            strict and result == minimum):
        raise ValueError(f'{name} must be {">" if strict else ">="} {minimum} {unit}: {value!r}.')
    return float(f'{result:.12g}')     # 80 uJy -> 8e-05 Jy, not 7.999999999999999e-05


def _check_shape(shape):
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2 and all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise ValueError(f'shape must be a pair of positive integers (ny, nx), not {shape!r}.')
    return int(shape[0]), int(shape[1])


def _make_header(ny, nx, center, scale, beam, rms, seed, *, name='SIMULATED',
                 maker='lotss_tools.simulate_mosaic',
                 history='Simulated LoTSS-like mosaic made by lotss_tools.simulate_mosaic'):
    """A LoTSS-like FITS header (SIN projection, beam, frequency) for a simulated image.

    Shared by the package's simulators; ``name`` is the ``OBJECT``, ``maker``
    the function named with the seed, ``history`` a HISTORY line.
    """
    header = fits.Header()
    header.update({'NAXIS': 2, 'NAXIS1': nx, 'NAXIS2': ny, 'WCSAXES': 2,
                   'CTYPE1': 'RA---SIN', 'CTYPE2': 'DEC--SIN', 'CRVAL1': center.icrs.ra.deg,
                   'CRVAL2': center.icrs.dec.deg, 'CRPIX1': (nx + 1) / 2, 'CRPIX2': (ny + 1) / 2,
                   'CDELT1': -scale / 3600, 'CDELT2': scale / 3600, 'CUNIT1': 'deg',
                   'CUNIT2': 'deg', 'RADESYS': 'ICRS', 'EQUINOX': 2000.0, 'BMAJ': beam / 3600,
                   'BMIN': beam / 3600, 'BPA': 0.0, 'BUNIT': 'JY/BEAM', 'RESTFRQ': _FREQUENCY,
                   'FREQ': _FREQUENCY, 'TELESCOP': 'LOFAR', 'OBJECT': name,
                   'ORIGIN': maker.rsplit('.', 1)[0]})
    header['SIMRMS'] = (rms, '[Jy/beam] median rms of the simulated noise')
    if isinstance(seed, (int, np.integer)):
        header['SIMSEED'] = (int(seed), f'seed of {maker.rsplit(".", 1)[-1]}')
    header.add_history(history)
    return header


def _footprint_terms(ny, nx, blank_edges):
    """Separable terms of the rounded-square footprint: valid where ty[y] + tx[x] <= 1."""
    # A superellipse slightly larger than the image: corners blanked, the
    # middle of every edge kept.
    def term(n):
        t = np.abs((np.arange(n) - (n - 1) / 2) / (0.55 * n)) ** 4
        return (t if blank_edges else 0 * t).astype(np.float32)
    return term(ny), term(nx)


def _rms_model(rng, ny, nx, rms, variation, foot):
    """Separable smooth rms map ``ry[y] * rx[x]`` and a function giving it at (x, y).

    The log of the rms is a random quadratic in x plus one in y (highest
    towards one side or corner); it spans a factor ``variation`` over the
    footprint, where its median is ``rms``.
    """
    curv, tilt, scale = rng.uniform(0.5, 1.0, 2), rng.uniform(-0.6, 0.6, 2), max(ny, nx) / 2

    def poly(n, k, pos):
        t = (np.asarray(pos, float) - (n - 1) / 2) / scale
        return curv[k] * t ** 2 + tilt[k] * t
    step = max(1, min(ny, nx) // 512)
    g = poly(ny, 0, np.arange(0, ny, step))[:, None] + poly(nx, 1, np.arange(0, nx, step))
    g = g[(foot[0][::step, None] + foot[1][::step]) <= 1]
    lo, span, log_v = g.min(), max(np.ptp(g), 1e-12), math.log(variation)
    norm = rms / np.median(np.exp(log_v * (g - lo) / span))

    def rms_at(x, y):
        return norm * np.exp(log_v * (poly(nx, 1, x) + poly(ny, 0, y) - lo) / span)
    ry = norm * np.exp(log_v * (poly(ny, 0, np.arange(ny)) - lo) / span)
    rx = np.exp(log_v * poly(nx, 1, np.arange(nx)) / span)
    return ry.astype(np.float32), rx.astype(np.float32), rms_at


def _noise(rng, ny, nx, beam_sigma_pix, ry, rx):
    """Gaussian noise correlated like the beam, scaled by the rms map (float32)."""
    image = rng.standard_normal((ny, nx), dtype=np.float32)
    sigma = beam_sigma_pix / math.sqrt(2.0)   # autocorrelation = the beam
    ndimage.gaussian_filter(image, sigma, output=image, mode='reflect', truncate=4.0)
    # Exact std of filtered unit white noise: sum of the squared 2-D weights.
    radius = int(4.0 * sigma + 0.5)
    w = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    image *= np.float32(w.sum() ** 2 / np.sum(w ** 2))
    image *= ry[:, None]
    image *= rx[None, :]
    return image


def _log_counts(s):
    """ln N(>s) / N(>COUNTS_BREAK) of the calibrated broken power law (s in mJy)."""
    s = np.asarray(s, float) / COUNTS_BREAK.to_value(u.mJy)
    return -np.log(s) * np.where(s < 1, COUNTS_SLOPE_FAINT, COUNTS_SLOPE_BRIGHT)


def _draw_fluxes(rng, n, s_min, s_max):
    """Fluxes (mJy) drawn from the calibrated counts between s_min and s_max."""
    top = np.exp(_log_counts(s_max) - _log_counts(s_min))
    log_n = np.log(1.0 - rng.random(n) * (1.0 - top)) + _log_counts(s_min)
    slope = np.where(log_n > 0, COUNTS_SLOPE_FAINT, COUNTS_SLOPE_BRIGHT)
    return COUNTS_BREAK.to_value(u.mJy) * np.exp(-log_n / slope)


def _random_sources(rng, ny, nx, area, density, s_lim, s_min, resolved_fraction):
    """The random population: positions (pixels), fluxes and deconvolved shapes."""
    s_max = MAX_FLUX.to_value(u.mJy)
    counts = np.exp(_log_counts([s_min, s_max]) - _log_counts(s_lim))
    n = rng.poisson(density * area * max(counts[0] - counts[1], 0.0))
    resolved = rng.random(n) < resolved_fraction
    lo, hi = SIZE_RANGE.to_value(u.arcsec)
    median = math.log(SIZE_MEDIAN.to_value(u.arcsec))
    major = np.clip(rng.lognormal(median, SIZE_LOG_SIGMA, n), lo, hi)
    minor = major * rng.beta(*AXIS_RATIO_BETA, n)
    return dict(x=rng.uniform(-0.5, nx - 0.5, n), y=rng.uniform(-0.5, ny - 0.5, n),
                flux=_draw_fluxes(rng, n, s_min, s_max), dc_major=np.where(resolved, major, 0.0),
                dc_minor=np.where(resolved, minor, 0.0), pa=rng.uniform(0.0, 180.0, n))


def _user_sources(sources, wcs):
    """Explicit sources from a table (ra/dec or x/y, total_flux, sizes, pa)."""
    t = QTable(sources)
    if 'total_flux' not in t.colnames:
        raise ValueError('sources must have a total_flux column.')

    def col(name, unit, default=0.0):
        if name not in t.colnames:
            return np.full(len(t), default)
        return np.asarray(u.Quantity(t[name], unit).value, float)
    if 'ra' in t.colnames and 'dec' in t.colnames:
        x, y = wcs.wcs_world2pix(col('ra', u.deg), col('dec', u.deg), 0)
    elif 'x' in t.colnames and 'y' in t.colnames:
        x, y = col('x', u.pix), col('y', u.pix)
    else:
        raise ValueError('sources must have ra and dec (or x and y pixel) columns.')
    major, minor = col('dc_major_fwhm', u.arcsec), col('dc_minor_fwhm', u.arcsec)
    pa = col('pa', u.deg)
    swap = minor > major             # keep major >= minor: rotate such sources by 90 deg
    major[swap], minor[swap], pa[swap] = minor[swap], major[swap], pa[swap] + 90
    return dict(x=np.asarray(x, float), y=np.asarray(y, float), flux=col('total_flux', u.mJy),
                dc_major=major, dc_minor=minor, pa=pa)


def _pixel_jacobian(wcs, x, y):
    """d(x, y)/d(east, north) in pixels per arcsec at each position, shape (n, 2, 2)."""
    dec0 = wcs.wcs_pix2world(x, y, 0)[1]
    cols = []
    for dx, dy in ((0.5, 0.0), (0.0, 0.5)):
        ra1, dec1 = wcs.wcs_pix2world(x + dx, y + dy, 0)
        ra2, dec2 = wcs.wcs_pix2world(x - dx, y - dy, 0)
        cols.append((((ra1 - ra2 + 180) % 360 - 180) * np.cos(np.deg2rad(dec0)) * 3600,
                     (dec1 - dec2) * 3600))
    sky_per_pix = np.array([[cols[0][0], cols[1][0]], [cols[0][1], cols[1][1]]])
    return np.linalg.inv(np.moveaxis(sky_per_pix, -1, 0).reshape(-1, 2, 2))


def _artifacts(rng, n_parents, ny, nx, beam, wcs):
    """Bright parent point sources, the knots of their radial streaks, their rings."""
    lo, hi = ARTIFACT_FLUX_RANGE.to_value(u.mJy)
    parents = dict(x=rng.uniform(0.25, 0.75, n_parents) * nx - 0.5,
                   y=rng.uniform(0.25, 0.75, n_parents) * ny - 0.5,
                   flux=_draw_fluxes(rng, n_parents, lo, hi), dc_major=np.zeros(n_parents),
                   dc_minor=np.zeros(n_parents), pa=np.zeros(n_parents))
    knots, rings = [], []
    jac = _pixel_jacobian(wcs, parents['x'], parents['y'])
    for k in range(n_parents):
        for _ in range(rng.integers(6, 13)):                    # spokes
            angle, length = rng.uniform(0, 360), rng.uniform(1.5, 4.0) * 60
            amp, size = rng.uniform(0.01, 0.04), rng.uniform(2.0, 4.0) * beam
            r = r0 = rng.uniform(3.0, 4.5) * beam
            while r < length:                                   # knots along the spoke
                phi = angle + rng.normal(0, 1.5)
                dx, dy = jac[k] @ (r * np.sin(np.deg2rad(phi)), r * np.cos(np.deg2rad(phi)))
                knots.append((parents['x'][k] + dx, parents['y'][k] + dy,
                               parents['flux'][k] * amp * (r0 / r) ** 1.5 * rng.uniform(0.7, 1.3),
                               size * rng.uniform(0.85, 1.15), beam * rng.uniform(1.0, 1.2),
                               phi % 180, k))
                r += size * rng.uniform(1.1, 1.6)
        rings.append((rng.uniform(60, 120), -rng.uniform(5e-4, 2e-3) * parents['flux'][k]))
    knots = np.array(knots, float).reshape(-1, 7)
    x, y = knots[:, 0], knots[:, 1]
    knots = knots[(x >= -0.5) & (x < nx - 0.5) & (y >= -0.5) & (y < ny - 0.5)]
    return parents, dict(zip(('x', 'y', 'peak', 'major', 'minor', 'pa', 'parent'), knots.T)), rings


def _render(image, x, y, peak, major, minor, pa, jac, level):
    """Add elliptical Gaussians (sky FWHM in arcsec, PA east of north) with clipped stamps."""
    smaj, smin = major * _FWHM_TO_SIGMA, minor * _FWHM_TO_SIGMA
    s, c = np.sin(np.deg2rad(pa)), np.cos(np.deg2rad(pa))
    sky = np.empty((len(pa), 2, 2))          # covariance in (east, north), arcsec^2
    sky[:, 0, 0] = smaj ** 2 * s ** 2 + smin ** 2 * c ** 2
    sky[:, 1, 1] = smaj ** 2 * c ** 2 + smin ** 2 * s ** 2
    sky[:, 0, 1] = sky[:, 1, 0] = (smaj ** 2 - smin ** 2) * s * c
    cov = jac @ sky @ np.swapaxes(jac, 1, 2)  # in pixels^2
    prec = np.linalg.inv(cov) if len(pa) else cov
    nsig = np.clip(np.sqrt(2 * np.log(np.maximum(np.abs(peak) / level, 1.0))), 4.0, 8.0)
    ny, nx = image.shape
    for xi, yi, pk, a, b, c, hx, hy in zip(*(v.tolist() for v in (
            x, y, peak, prec[:, 0, 0], 2 * prec[:, 0, 1], prec[:, 1, 1],
            nsig * np.sqrt(cov[:, 0, 0]), nsig * np.sqrt(cov[:, 1, 1])))):
        x0, x1 = max(math.ceil(xi - hx), 0), min(math.floor(xi + hx) + 1, nx)
        y0, y1 = max(math.ceil(yi - hy), 0), min(math.floor(yi + hy) + 1, ny)
        if x0 < x1 and y0 < y1:
            dx, dy = np.arange(x0, x1) - xi, np.arange(y0, y1)[:, None] - yi
            image[y0:y1, x0:x1] += pk * np.exp(-0.5 * (a * dx * dx + b * dy * dx + c * dy * dy))


def _render_ring(image, x, y, radius, width, amplitude):
    """Add a ring with a Gaussian radial profile centred on (x, y) (pixels)."""
    h, (ny, nx) = radius + 4 * width, image.shape
    x0, x1 = max(math.ceil(x - h), 0), min(math.floor(x + h) + 1, nx)
    y0, y1 = max(math.ceil(y - h), 0), min(math.floor(y + h) + 1, ny)
    if x0 < x1 and y0 < y1:
        r = np.hypot(np.arange(x0, x1) - x, np.arange(y0, y1)[:, None] - y)
        image[y0:y1, x0:x1] += amplitude * np.exp(-0.5 * ((r - radius) / width) ** 2)


def _blank(rng, image, foot, n_holes):
    """Set NaN outside the footprint and in ``n_holes`` irregular holes."""
    ny, nx = image.shape
    if foot[0].any() or foot[1].any():
        image[np.add.outer(foot[0], foot[1]) > 1] = np.nan
    for _ in range(n_holes):
        cy, cx = rng.uniform(0.2, 0.8) * ny, rng.uniform(0.2, 0.8) * nx
        size = rng.uniform(0.02, 0.045) * min(ny, nx) + 1
        for _ in range(3):                       # a blob of three overlapping discs
            r = size * rng.uniform(0.6, 1.0)
            oy, ox = cy + rng.uniform(-0.6, 0.6) * size, cx + rng.uniform(-0.6, 0.6) * size
            y0, y1 = max(int(oy - r), 0), min(int(oy + r) + 2, ny)
            x0, x1 = max(int(ox - r), 0), min(int(ox + r) + 2, nx)
            disc = np.hypot(np.arange(x0, x1) - ox, np.arange(y0, y1)[:, None] - oy) <= r
            image[y0:y1, x0:x1][disc] = np.nan


def simulate_mosaic(shape=(2048, 2048), *, seed=None, center=None, pixel_scale=1.5 * u.arcsec,
                    beam=6 * u.arcsec, rms=80 * u.uJy / u.beam, rms_variation=2.0,
                    source_density=1000 / u.deg ** 2, flux_limit=0.3 * u.mJy,
                    min_flux=0.1 * u.mJy, resolved_fraction=RESOLVED_FRACTION,
                    n_artifact_sources=None, holes=True, blank_edges=True, sources=None):
    """Simulate a LoTSS DR2-like mosaic and its truth catalogue.

    The image (float32, Jy/beam, 144 MHz, SIN projection) is the sum of
    Gaussian noise correlated on the beam scale, whose rms varies smoothly
    by a factor ``rms_variation`` across the field; point and resolved
    sources drawn from the LoTSS DR2 source counts and sizes (module
    constants ``COUNTS_*``, ``SIZE_*``, ``AXIS_RATIO_BETA``), convolved with
    the circular beam; a few bright sources with radial streak artifacts
    (lines of elongated knots, plus a faint negative ring that is not in the
    truth); NaN corners and NaN holes. Positions are uniform and continuous
    over the whole image. Source position angles are east of north on the
    sky, using the local WCS orientation.

    Parameters
    ----------
    shape : tuple of two int
        Image shape ``(ny, nx)``.
    seed : int, `numpy.random.Generator` or None
        Random seed; the same integer gives a bit-identical image and truth.
    center : `~astropy.coordinates.SkyCoord`, optional
        Sky position of the image centre; default RA 218 deg, Dec 55 deg.
    pixel_scale, beam : `~astropy.units.Quantity`
        Pixel size and circular beam FWHM (plain numbers: arcsec).
    rms : `~astropy.units.Quantity`
        Median noise over the footprint (plain numbers: uJy/beam); 0 for a
        noiseless image.
    rms_variation : float
        Ratio of the highest to the lowest rms over the footprint (>= 1).
    source_density : `~astropy.units.Quantity`
        Sources per deg^2 above ``flux_limit`` (plain numbers: deg^-2).
    flux_limit, min_flux : `~astropy.units.Quantity`
        Flux at which ``source_density`` applies, and faintest simulated
        source (plain numbers: mJy).
    resolved_fraction : float
        Fraction of sources that are resolved elliptical Gaussians.
    n_artifact_sources : int, optional
        Number of bright (0.1-2 Jy) point sources with artifacts. Default:
        0.5 per deg^2, at least one for images of 1024 pixels or more a
        side; 0 when ``sources`` is given.
    holes : bool or int
        Add NaN holes inside the field (True: two).
    blank_edges : bool
        Set to NaN the corners outside a rounded-square footprint.
    sources : `~astropy.table.Table`, optional
        Explicit sources replacing the random population: ``ra`` and
        ``dec`` (or pixel ``x`` and ``y``), ``total_flux`` and optionally
        ``dc_major_fwhm``, ``dc_minor_fwhm`` (default 0: point source) and
        ``pa`` (east of north).

    Returns
    -------
    mosaic : `~lotss_tools.Mosaic`
        The image, named ``'simulated'``; its header records the beam,
        frequency and simulation parameters.
    truth : `~astropy.table.QTable`
        One row per simulated component, ``meta`` holding the parameters:

        - ``id``: row number; random sources first, then artifact parents,
          then artifact knots.
        - ``ra``, ``dec``: position (deg, ICRS).
        - ``x``, ``y``: 0-based pixel position (plain floats), the pixel
          being ``data[round(y), round(x)]``.
        - ``total_flux`` (mJy) and ``peak_flux`` (mJy/beam).
        - ``major_fwhm``, ``minor_fwhm``: FWHM convolved with the beam
          (arcsec), as in the survey catalogue.
        - ``dc_major_fwhm``, ``dc_minor_fwhm``: deconvolved FWHM (arcsec);
          0 for point sources.
        - ``pa``: position angle east of north (deg, in [0, 180)).
        - ``local_rms``: the rms map at the source (mJy/beam).
        - ``snr``: ``peak_flux / local_rms``.
        - ``resolved``: True for a non-zero deconvolved size.
        - ``artifact``: True for the knots of artifact streaks.
        - ``artifact_of``: ``id`` of the knot's bright parent, -1 otherwise.
        - ``in_footprint``: True if the source's pixel is finite.

    Raises
    ------
    ValueError
        For a shape that is not two positive integers or out-of-range
        parameters.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((256, 256), seed=42)
    >>> mosaic.shape
    (256, 256)
    >>> mosaic.beam.major.to('arcsec')
    <Quantity 6. arcsec>
    >>> truth['total_flux'].unit, truth['local_rms'].unit
    (Unit("mJy"), Unit("mJy / beam"))
    >>> bool((truth['snr'] == truth['peak_flux'] / truth['local_rms']).all())
    True
    """
    ny, nx = _check_shape(shape)
    scale, beam = _number(pixel_scale, u.arcsec, 'pixel_scale'), _number(beam, u.arcsec, 'beam')
    rms = _number(rms, u.uJy / u.beam, 'rms', out=u.Jy / u.beam, strict=False)
    variation = _number(rms_variation, u.one, 'rms_variation', minimum=1.0, strict=False)
    density = _number(source_density, u.deg ** -2, 'source_density', strict=False)
    s_lim, s_min = _number(flux_limit, u.mJy, 'flux_limit'), _number(min_flux, u.mJy, 'min_flux')
    resolved_fraction = _number(resolved_fraction, u.one, 'resolved_fraction', strict=False)
    if resolved_fraction > 1:
        raise ValueError(f'resolved_fraction must be between 0 and 1, not {resolved_fraction}.')
    center = SkyCoord(218.0 * u.deg, 55.0 * u.deg) if center is None else center
    if not isinstance(center, SkyCoord) or not center.isscalar:
        raise ValueError(f'center must be a scalar SkyCoord, not {center!r}.')
    area = ny * nx * (scale / 3600) ** 2
    if n_artifact_sources is None:
        n_artifact_sources = 0 if sources is not None else max(
            round(area * ARTIFACT_DENSITY.to_value(u.deg ** -2)), int(min(ny, nx) >= 1024))
    if not isinstance(n_artifact_sources, (int, np.integer)) or n_artifact_sources < 0:
        raise ValueError(f'n_artifact_sources must be an integer >= 0, not {n_artifact_sources!r}.')

    rng = np.random.default_rng(seed)
    header = _make_header(ny, nx, center, scale, beam, rms, seed)
    wcs = WCS(header)
    foot = _footprint_terms(ny, nx, blank_edges)
    ry, rx, rms_at = _rms_model(rng, ny, nx, rms, variation, foot)
    image = _noise(rng, ny, nx, beam * _FWHM_TO_SIGMA / scale, ry, rx)
    if sources is None:
        pop = _random_sources(rng, ny, nx, area, density, s_lim, s_min, resolved_fraction)
    else:
        pop = _user_sources(sources, wcs)
    parents, knots, rings = _artifacts(rng, n_artifact_sources, ny, nx, beam, wcs)

    # Sources: convolve the deconvolved sizes with the beam; artifact knots
    # are defined by their convolved size and peak.
    n_pop, n_real = len(pop['x']), len(pop['x']) + len(parents['x'])
    c = {k: np.concatenate([pop[k], parents[k]]) for k in pop}
    c['major'], c['minor'] = np.hypot(c['dc_major'], beam), np.hypot(c['dc_minor'], beam)
    c['peak'] = c['flux'] * beam ** 2 / (c['major'] * c['minor'])
    knots['flux'] = knots['peak'] * knots['major'] * knots['minor'] / beam ** 2
    knots['dc_major'] = np.sqrt(np.maximum(knots['major'] ** 2 - beam ** 2, 0))
    knots['dc_minor'] = np.sqrt(np.maximum(knots['minor'] ** 2 - beam ** 2, 0))
    c = {k: np.concatenate([c[k], knots[k]]) for k in c}
    c['pa'] %= 180.0
    x, y = c['x'], c['y']
    _render(image, x, y, c['peak'] * 1e-3, c['major'], c['minor'], c['pa'],
            _pixel_jacobian(wcs, x, y), level=max(rms, 1e-7) * 1e-3)
    for k, (radius, amplitude) in enumerate(rings):
        _render_ring(image, parents['x'][k], parents['y'][k], radius / scale,
                     beam * _FWHM_TO_SIGMA / scale, amplitude * 1e-3)
    _blank(rng, image, foot, 2 * bool(holes) if isinstance(holes, (bool, np.bool_)) else int(holes))

    ix, iy = np.rint(x).astype(int), np.rint(y).astype(int)
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    in_footprint = np.zeros(len(x), bool)
    in_footprint[inside] = np.isfinite(image[iy[inside], ix[inside]])
    ra, dec = wcs.wcs_pix2world(x, y, 0)
    local_rms = rms_at(x, y) * 1e3
    mjy_beam = u.mJy / u.beam
    with np.errstate(divide='ignore', invalid='ignore'):
        snr = c['peak'] / local_rms
    truth = QTable([np.arange(len(x)), ra % 360 * u.deg, dec * u.deg, x, y, c['flux'] * u.mJy,
                    c['peak'] * mjy_beam, c['major'] * u.arcsec, c['minor'] * u.arcsec,
                    c['dc_major'] * u.arcsec, c['dc_minor'] * u.arcsec, c['pa'] * u.deg,
                    local_rms * mjy_beam, snr, c['dc_major'] > 0, np.arange(len(x)) >= n_real,
                    np.concatenate([np.full(n_real, -1), n_pop + knots['parent'].astype(int)]),
                    in_footprint],
                   names=['id', 'ra', 'dec', 'x', 'y', 'total_flux', 'peak_flux', 'major_fwhm',
                          'minor_fwhm', 'dc_major_fwhm', 'dc_minor_fwhm', 'pa', 'local_rms', 'snr',
                          'resolved', 'artifact', 'artifact_of', 'in_footprint'])
    truth.meta.update(
        seed=int(seed) if isinstance(seed, (int, np.integer)) else None, shape=(ny, nx),
        center=center, pixel_scale=scale * u.arcsec / u.pix, beam=beam * u.arcsec,
        rms=rms * u.Jy / u.beam, rms_variation=variation, source_density=density / u.deg ** 2,
        flux_limit=s_lim * u.mJy, min_flux=s_min * u.mJy, resolved_fraction=resolved_fraction,
        n_sources=n_pop, n_artifact_sources=len(parents['x']), area=area * u.deg ** 2)
    header['SIMRMSV'] = (variation, 'max/min ratio of the simulated rms')
    header['SIMDENS'] = (density, f'[deg-2] source density above {s_lim:g} mJy')
    header['SIMNSRC'] = (n_pop, 'number of simulated sources')
    header['SIMNART'] = (len(parents['x']), 'number of sources with artifacts')
    return Mosaic(image, wcs=wcs, unit=u.Jy / u.beam, meta=header, name='simulated'), truth
