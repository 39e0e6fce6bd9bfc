"""The rejection radius around bright sources and a plot of its curve.

Artifacts of LOFAR images (radial spokes, rings) reach further from brighter
sources. The research modelled the radius inside which fainter detections
are suspect as an exponential in ``log10(flux)`` through two anchor points,
which is a power law in flux::

    R(S) = r1 * (r2 / r1) ** (log10(S / flux1) / log10(flux2 / flux1))
         = r1 * (S / flux1) ** alpha,   alpha = log(r2 / r1) / log(flux2 / flux1)
"""

import numpy as np
from astropy import units as u

__all__ = ['rejection_radius', 'plot_rejection_radius']


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


def plot_rejection_radius(ax=None, radius=None, *, flux_range=(0.1 * u.mJy, 10 * u.Jy),
                          catalog=None, rejected=None, label=None, **kwargs):
    """Plot a rejection radius against flux, optionally with the rejected sources.

    Parameters
    ----------
    ax : `~matplotlib.axes.Axes`, optional
        Axes to draw into; a new figure if None.
    radius : callable or `~lotss_tools.cleaning.CatalogCleaner`, optional
        Flux -> angle function (default `rejection_radius`, the 2023
        research curve), or a cleaner whose ``rejection_radius`` to draw.
    flux_range : tuple of `~astropy.units.Quantity`
        Flux interval of the curve (log-spaced).
    catalog, rejected : `~astropy.table.Table`, optional
        A catalogue and the ``rejected`` table of
        `~lotss_tools.cleaning.CatalogCleaner.clean`: each ``near_bright``
        rejection is drawn as a point at (flux of the bright source,
        separation), which lies under the curve.
    label : str, optional
        Legend label of the curve.
    **kwargs
        Passed to `~matplotlib.axes.Axes.plot` for the curve.

    Returns
    -------
    ax : `~matplotlib.axes.Axes`

    Examples
    --------
    >>> from lotss_tools.cleaning import plot_rejection_radius, CatalogCleaner
    >>> ax = plot_rejection_radius(label='2023')
    >>> ax = plot_rejection_radius(ax, CatalogCleaner.research_2024(), label='2024')
    >>> ax.get_xscale(), len(ax.lines)
    ('log', 2)
    """
    import matplotlib.pyplot as plt

    from ._catalog import positions, source_ids

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4), layout='constrained')
    if radius is None:
        radius = rejection_radius
    elif hasattr(radius, 'clean'):          # a CatalogCleaner: draw its curve
        radius = radius.rejection_radius
    lo, hi = (u.Quantity(f).to_value(u.mJy) for f in flux_range)
    flux = np.geomspace(lo, hi, 200) * u.mJy
    ax.plot(flux.value, u.Quantity(radius(flux)).to_value(u.arcsec), label=label, **kwargs)
    if catalog is not None and rejected is not None and len(rejected):
        near = rejected[rejected['reason'] == 'near_bright']
        row_of = {int(i): k for k, i in enumerate(source_ids(catalog))}
        rows = np.array([row_of[int(i)] for i in near['rejected_by']], int)
        if rows.size:
            bright = catalog[rows]
            sep = positions(near, 'plot_rejection_radius').separation(
                positions(bright, 'plot_rejection_radius'))
            ax.scatter(u.Quantity(bright['total_flux']).to_value(u.mJy), sep.arcsec, s=8,
                       color='C3', label='near_bright rejections', zorder=3)
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel('flux of the bright source (mJy)')
    ax.set_ylabel('rejection radius (arcsec)')
    if label is not None or (rejected is not None and len(rejected)):
        ax.legend()
    return ax
