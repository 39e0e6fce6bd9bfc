"""Radio sources at 144 MHz: integral source counts and FR I / FR II morphologies.

The counts are anchored on the real LoTSS DR1 catalogue of the P205+55 and
P218+55 mosaics (15.5 deg^2: 314, 52.6 and 9.5 sources per deg^2 above 1, 10
and 100 mJy total flux) and on the bright 178 MHz counts of the 3CRR sample
(Laing, Riley & Longair 1983: 173 sources above 10.9 Jy over 4.24 sr, i.e.
0.0124 per deg^2, which is 12.6 Jy at 144 MHz for a spectral index of
-0.7). Between the anchors N(>S) is a power law (straight in log-log);
below 1 mJy it keeps the slope `~lotss_tools.simulate.COUNTS_SLOPE_FAINT`
fitted to LoTSS DR2, above 1 Jy it is Euclidean (slope 1.5), which meets the
3CRR anchor. Sizes of single resolved sources reuse the DR2 fits of
`lotss_tools.simulate` (``SIZE_MEDIAN``, ``SIZE_LOG_SIGMA``,
``AXIS_RATIO_BETA``).

A fraction of the sources above 1 mJy (8%, as the multi-component S_Code M
rows of DR1) are radio galaxies made of several components that share a
``group``:

* FR II: two lobes 15-90 arcsec apart (extended Gaussians at 60-85% of the
  arm length, flux ratio up to 2), each with a compact hotspot at the end
  of its arm (70% of the lobes), and a faint core (half of them);
* FR I: a bright core and two-sided jets that widen into plumes, bent by up
  to 35 deg and one-sided-brightened (jet to counter-jet flux ratio 1-3).
"""

import math

import numpy as np
from astropy import units as u
from astropy.table import QTable

from ..simulate import (AXIS_RATIO_BETA, COUNTS_SLOPE_FAINT, SIZE_LOG_SIGMA, SIZE_MEDIAN,
                        SIZE_RANGE)
from ..exceptions import InvalidParameterError

__all__ = ['COUNTS_ANCHORS', 'COUNTS_SLOPE_EUCLIDEAN', 'MULTI_COMPONENT_FRACTION',
           'integral_source_counts', 'random_radio_sources']

#: Anchors ``(flux, N(>flux))`` of the integral source counts at 144 MHz:
#: LoTSS DR1 (P205+55/P218+55) at 1, 10 and 100 mJy, and 1 Jy from the
#: Euclidean extrapolation of the 3CRR density down from 12.6 Jy.
COUNTS_ANCHORS = (np.array([1.0, 10.0, 100.0, 1000.0]) * u.mJy,
                  np.array([314.0, 52.6, 9.5, round(0.0124 * 12.6 ** 1.5, 3)]) / u.deg ** 2)
#: Slope of the integral counts above the last anchor (Euclidean).
COUNTS_SLOPE_EUCLIDEAN = 1.5
#: Fraction of the sources above 1 mJy that are FR I or FR II multi-component sources.
MULTI_COMPONENT_FRACTION = 0.08
_MULTI_MIN_FLUX = 1.0   # mJy


def _log_counts(flux_mjy):
    """ln N(>S) (deg^-2) of the model at fluxes in mJy."""
    s, n = COUNTS_ANCHORS[0].to_value(u.mJy), COUNTS_ANCHORS[1].to_value(u.deg ** -2)
    ls, ln = np.log(s), np.log(n)
    x = np.log(np.asarray(flux_mjy, float))
    inner = np.interp(x, ls, ln)
    faint = ln[0] - COUNTS_SLOPE_FAINT * (x - ls[0])
    bright = ln[-1] - COUNTS_SLOPE_EUCLIDEAN * (x - ls[-1])
    return np.where(x < ls[0], faint, np.where(x > ls[-1], bright, inner))


def integral_source_counts(flux):
    """The model's number of sources per deg^2 brighter than ``flux`` at 144 MHz.

    Parameters
    ----------
    flux : `~astropy.units.Quantity`
        Total flux density (or densities).

    Returns
    -------
    density : `~astropy.units.Quantity`
        N(>flux) in deg**-2.

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.validation import integral_source_counts
    >>> integral_source_counts([1, 10, 100] * u.mJy).round(1)
    <Quantity [314. ,  52.6,   9.5] 1 / deg2>
    """
    try:
        s = u.Quantity(flux, u.mJy).value
    except u.UnitsError as exc:
        raise InvalidParameterError(f'flux must be a flux density, not {flux!r}.') from exc
    if np.any(~np.isfinite(s) | (s <= 0)):
        raise InvalidParameterError('flux must be positive and finite.')
    return np.exp(_log_counts(s)) / u.deg ** 2


def _draw_fluxes(rng, n, s_min, s_max):
    """``n`` fluxes (mJy) from the counts between s_min and s_max (inverse CDF in log N)."""
    # ln N is piecewise linear in ln S between the anchors: interpolate the inverse exactly
    nodes = np.log(COUNTS_ANCHORS[0].to_value(u.mJy))
    inside = nodes[(nodes > math.log(s_min)) & (nodes < math.log(s_max))]
    log_s = np.unique(np.concatenate([np.log([s_min, s_max]), inside]))
    log_n = _log_counts(np.exp(log_s))
    target = np.log(rng.uniform(np.exp(log_n[-1] - log_n[0]), 1.0, n)) + log_n[0]
    return np.exp(np.interp(-target, -log_n, log_s))


def _lognormal_sizes(rng, n):
    lo, hi = SIZE_RANGE.to_value(u.arcsec)
    major = np.clip(rng.lognormal(math.log(SIZE_MEDIAN.to_value(u.arcsec)), SIZE_LOG_SIGMA, n),
                    lo, hi)
    return major, major * rng.beta(*AXIS_RATIO_BETA, n)


def _fr2(rng, flux):
    """Components of an FR II source of total flux ``flux`` (mJy): list of tuples."""
    axis = rng.uniform(0, 180)
    size = math.exp(rng.uniform(math.log(15), math.log(90)))         # lobe separation, arcsec
    core = rng.uniform(0.01, 0.05) * flux if rng.random() < 0.5 else 0.0
    lobes = flux - core
    share = rng.uniform(1 / 3, 2 / 3)                                # flux ratio up to 2
    arm = rng.uniform(0.8, 1.2)                                      # arm-length asymmetry
    comps = []
    for side, (f_lobe, arm_len) in enumerate(((lobes * share, size * arm / (1 + arm)),
                                              (lobes * (1 - share), size / (1 + arm)))):
        direction = axis + 180 * side + rng.normal(0, 5)
        hot = rng.uniform(0.1, 0.4) * f_lobe if rng.random() < 0.7 else 0.0
        centre = rng.uniform(0.6, 0.85) * arm_len
        major = max(rng.uniform(0.35, 0.7) * arm_len, 4.0)
        minor = major * rng.uniform(0.4, 0.9)
        comps.append(('fr2_lobe', f_lobe - hot, direction, centre, major, minor,
                      direction + rng.normal(0, 15)))
        if hot:
            size_hot = rng.uniform(0.5, 3.0)
            comps.append(('hotspot', hot, direction, arm_len, size_hot,
                          size_hot * rng.uniform(0.5, 1.0), direction))
    if core:
        comps.append(('fr2_core', core, 0.0, 0.0, 0.0, 0.0, 0.0))
    return comps


def _fr1(rng, flux):
    """Components of an FR I source: a core, and a jet plus a bent plume on each side."""
    axis = rng.uniform(0, 180)
    core = rng.uniform(0.1, 0.4) * flux
    sides = flux - core
    ratio = rng.uniform(1.0, 3.0)                                    # jet / counter-jet
    comps = [('fr1_core', core, 0.0, 0.0, 0.0, 0.0, 0.0)]
    for side, f_side in enumerate((sides * ratio / (1 + ratio), sides / (1 + ratio))):
        direction = axis + 180 * side
        length = math.exp(rng.uniform(math.log(10), math.log(45)))  # arcsec
        jet_major = 0.8 * length
        comps.append(('fr1_jet', 0.4 * f_side, direction, 0.5 * length, jet_major,
                      jet_major * rng.uniform(0.15, 0.3), direction))
        bend = direction + rng.uniform(-35, 35)
        plume_major = rng.uniform(0.6, 1.0) * length
        # the plume starts where the jet ends and bends away from the axis
        d, b = math.radians(direction), math.radians(bend)
        px = length * (math.sin(d) + 0.6 * math.sin(b))
        py = length * (math.cos(d) + 0.6 * math.cos(b))
        comps.append(('fr1_plume', 0.6 * f_side, math.degrees(math.atan2(px, py)),
                      math.hypot(px, py), plume_major, plume_major * rng.beta(*AXIS_RATIO_BETA),
                      bend))
    return comps


def random_radio_sources(area, *, seed=None, min_flux=0.1 * u.mJy, max_flux=10 * u.Jy,
                         resolved_fraction=0.10, multi_component_fraction=MULTI_COMPONENT_FRACTION,
                         fr2_fraction=0.5):
    """A random population of 144 MHz radio sources over a sky area, component by component.

    The number of sources is Poisson with the mean given by
    `integral_source_counts` between ``min_flux`` and ``max_flux`` over
    ``area``; each source (a ``group``) is single, point-like or a resolved
    elliptical Gaussian, or, above 1 mJy and with probability
    ``multi_component_fraction``, an FR I or FR II radio galaxy made of
    several components (see the module notes). Positions are not drawn:
    every component carries its offset from its group's centre.

    Parameters
    ----------
    area : `~astropy.units.Quantity`
        Sky area (plain numbers: deg^2).
    seed : int, `numpy.random.Generator` or None
        Random seed.
    min_flux, max_flux : `~astropy.units.Quantity`
        Range of the sources' total flux densities.
    resolved_fraction : float
        Fraction of the single sources that are resolved.
    multi_component_fraction : float
        Fraction of the sources above 1 mJy that are FR I or FR II.
    fr2_fraction : float
        Fraction of those that are FR II.

    Returns
    -------
    components : `~astropy.table.QTable`
        One row per component, the components of a group in consecutive rows:

        ``group``
            Source number (0, 1, ...), shared by the components of a source.
        ``kind``
            ``point``, ``extended``, ``fr1_core``, ``fr1_jet``, ``fr1_plume``,
            ``fr2_core``, ``fr2_lobe`` or ``hotspot``.
        ``group_flux`` (mJy)
            Total flux density of the whole source.
        ``total_flux`` (mJy)
            Flux density of the component.
        ``east_offset``, ``north_offset`` (arcsec)
            Position of the component relative to the source centre.
        ``dc_major_fwhm``, ``dc_minor_fwhm`` (arcsec)
            Intrinsic (deconvolved) FWHM; 0 for point-like components.
        ``pa`` (deg)
            Position angle of the major axis, east of north, in [0, 180).

        ``meta`` holds ``area``, ``n_groups`` and the parameters.

    Raises
    ------
    ValueError
        For a negative area, fluxes with ``min_flux >= max_flux`` or
        fractions outside [0, 1].

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.validation import random_radio_sources
    >>> sources = random_radio_sources(10 * u.deg ** 2, seed=1, min_flux=1 * u.mJy)
    >>> bright = sources.meta['n_groups'] / 10
    >>> 250 < bright < 380       # DR1: 314 per deg^2 above 1 mJy
    True
    >>> sorted(set(str(kind) for kind in sources['kind']))[:3]
    ['extended', 'fr1_core', 'fr1_jet']
    """
    try:
        area_deg2 = u.Quantity(area, u.deg ** 2).value
        s_min, s_max = u.Quantity(min_flux, u.mJy).value, u.Quantity(max_flux, u.mJy).value
    except u.UnitsError as exc:
        raise InvalidParameterError(
            f'random_radio_sources: bad area or flux unit ({exc}).') from exc
    if np.ndim(area_deg2) or not np.isfinite(area_deg2) or area_deg2 < 0:
        raise InvalidParameterError(f'area must be a non-negative solid angle, not {area!r}.')
    if not (0 < s_min < s_max < np.inf):
        raise InvalidParameterError(
            f'need 0 < min_flux < max_flux, not {min_flux!r} and {max_flux!r}.')
    for name, value in (('resolved_fraction', resolved_fraction),
                        ('multi_component_fraction', multi_component_fraction),
                        ('fr2_fraction', fr2_fraction)):
        if not 0 <= value <= 1:
            raise InvalidParameterError(f'{name} must be between 0 and 1, not {value!r}.')
    rng = np.random.default_rng(seed)
    mean = area_deg2 * (math.exp(_log_counts(s_min)) - math.exp(_log_counts(s_max)))
    n = rng.poisson(mean)
    flux = _draw_fluxes(rng, n, s_min, s_max)
    multi = (flux >= _MULTI_MIN_FLUX) & (rng.random(n) < multi_component_fraction)
    fr2 = rng.random(n) < fr2_fraction
    resolved = rng.random(n) < resolved_fraction
    major, minor = _lognormal_sizes(rng, n)
    pa = rng.uniform(0, 180, n)
    # single sources, vectorised
    single = ~multi
    rows = {'group': np.flatnonzero(single),
            'kind': np.where(resolved[single], 'extended', 'point'),
            'total_flux': flux[single], 'east_offset': np.zeros(single.sum()),
            'north_offset': np.zeros(single.sum()),
            'dc_major_fwhm': np.where(resolved[single], major[single], 0.0),
            'dc_minor_fwhm': np.where(resolved[single], minor[single], 0.0), 'pa': pa[single]}
    extra = []
    for g in np.flatnonzero(multi):
        for kind, f, direction, dist, maj, mnr, ang in (_fr2 if fr2[g] else _fr1)(rng, flux[g]):
            extra.append((g, kind, f, dist * math.sin(math.radians(direction)),
                          dist * math.cos(math.radians(direction)), maj, mnr, ang))
    if extra:
        cols = list(zip(*extra))
        rows = {k: np.concatenate([rows[k], np.asarray(c)]) for k, c in zip(rows, cols)}
    order = np.argsort(rows['group'], kind='stable')
    table = QTable()
    table['group'] = rows['group'][order].astype(np.int64)
    table['kind'] = rows['kind'][order].astype('U9')
    table['group_flux'] = flux[table['group']] * u.mJy
    table['total_flux'] = rows['total_flux'][order] * u.mJy
    table['east_offset'] = rows['east_offset'][order] * u.arcsec
    table['north_offset'] = rows['north_offset'][order] * u.arcsec
    table['dc_major_fwhm'] = rows['dc_major_fwhm'][order] * u.arcsec
    table['dc_minor_fwhm'] = rows['dc_minor_fwhm'][order] * u.arcsec
    table['pa'] = rows['pa'][order] % 180 * u.deg
    descriptions = {
        'group': 'source number shared by the components of one source',
        'kind': 'component type (point, extended, fr1_core, fr1_jet, fr1_plume, fr2_core, '
                'fr2_lobe, hotspot)',
        'group_flux': 'total flux density of the whole source',
        'total_flux': 'flux density of the component',
        'east_offset': 'offset of the component east of the source centre',
        'north_offset': 'offset of the component north of the source centre',
        'dc_major_fwhm': 'deconvolved major-axis FWHM (0: point-like)',
        'dc_minor_fwhm': 'deconvolved minor-axis FWHM (0: point-like)',
        'pa': 'position angle of the major axis, east of north'}
    for name, text in descriptions.items():
        table[name].info.description = text
    table.meta.update(area=area_deg2 * u.deg ** 2, n_groups=int(n), min_flux=s_min * u.mJy,
                      max_flux=s_max * u.mJy, resolved_fraction=resolved_fraction,
                      multi_component_fraction=multi_component_fraction, fr2_fraction=fr2_fraction)
    return table
