"""The rejection radius around bright sources.

Artifacts of LOFAR images (radial spokes, rings) reach further from brighter
sources. The research modelled the radius inside which fainter detections
are suspect as an exponential in ``log10(flux)`` through two anchor points,
which is a power law in flux::

    R(S) = r1 * (r2 / r1) ** (log10(S / flux1) / log10(flux2 / flux1))
         = r1 * (S / flux1) ** alpha,   alpha = log(r2 / r1) / log(flux2 / flux1)
"""

import numpy as np
from astropy import units as u

__all__ = ['rejection_radius']


def rejection_radius(flux, r1=6 * u.arcsec, flux1=1 * u.mJy, r2=600 * u.arcsec,
                     flux2=1e5 * u.mJy):
    """Radius around a source of a given flux inside which fainter detections are suspect.

    The curve passes through ``(flux1, r1)`` and ``(flux2, r2)`` and is a
    straight line in ``log(R)`` against ``log10(flux)``: the research's
    "exponential in log10 flux" with anchors ``R1`` at ``P1 = log10(flux1 /
    mJy)`` and ``R2`` at ``P2``. The defaults are the 2023 research anchors
    (6 arcsec at 1 mJy, 600 arcsec at 1e5 mJy, i.e. ``R = 6 arcsec x (S /
    mJy) ** 0.4``); the 2024 research used 400 arcsec at 1e4 mJy. Zero,
    negative and NaN fluxes have a radius of 0.

    Parameters
    ----------
    flux : `~astropy.units.Quantity`
        Flux density (any flux unit), scalar or array.
    r1, r2 : `~astropy.units.Quantity`
        Radii (any angle unit) at the two anchor fluxes; both positive.
    flux1, flux2 : `~astropy.units.Quantity`
        The anchor fluxes; positive and different.

    Returns
    -------
    radius : `~astropy.units.Quantity`
        In arcsec, same shape as ``flux``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.cleaning import rejection_radius
    >>> rejection_radius([1, 1e5, 0] * u.mJy)
    <Quantity [  6., 600.,   0.] arcsec>
    >>> rejection_radius(10 * u.Jy, r2=400 * u.arcsec, flux2=1e4 * u.mJy).round(1)
    <Quantity 400. arcsec>
    """
    try:
        flux = u.Quantity(flux).to_value(u.mJy)
        f1, f2 = u.Quantity(flux1).to_value(u.mJy), u.Quantity(flux2).to_value(u.mJy)
        a1, a2 = u.Quantity(r1).to_value(u.arcsec), u.Quantity(r2).to_value(u.arcsec)
    except u.UnitsError as exc:
        raise u.UnitsError(f'rejection_radius needs fluxes in flux units and radii in angle '
                           f'units: {exc}') from exc
    if not (a1 > 0 and a2 > 0 and f1 > 0 and f2 > 0 and f1 != f2):
        raise ValueError(f'the anchors of the rejection radius must be positive radii at two '
                         f'different positive fluxes, not r1={r1}, flux1={flux1}, r2={r2}, '
                         f'flux2={flux2}.')
    alpha = np.log(a2 / a1) / np.log(f2 / f1)
    with np.errstate(invalid='ignore', divide='ignore'):
        radius = a1 * (np.where(flux > 0, flux, 0.0) / f1) ** alpha
    return np.where(np.isfinite(radius), radius, 0.0) * u.arcsec
