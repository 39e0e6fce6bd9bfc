"""Plot of the cleaner's rejection radius against flux."""

import numpy as np
from astropy import units as u

from ..cleaning import rejection_radius
from ..cleaning._catalog import source_ids
from ..schema import catalog_coordinates, read_column

__all__ = ['plot_rejection_radius']


def plot_rejection_radius(radius=None, ax=None, *, flux_range=(0.1 * u.mJy, 10 * u.Jy),
                          catalog=None, rejected=None, label=None, **kwargs):
    """Plot a rejection radius against flux, optionally with the rejected sources.

    Parameters
    ----------
    radius : callable or `~lotss_tools.cleaning.CatalogCleaner`, optional
        Flux -> angle function (default
        `~lotss_tools.cleaning.rejection_radius`, the 2023 research curve),
        or a cleaner whose ``rejection_radius`` to draw.
    ax : `~matplotlib.axes.Axes`, optional
        Axes to draw into; a new figure if None.
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
    >>> from lotss_tools.cleaning import CatalogCleaner
    >>> from lotss_tools.visualization import plot_rejection_radius
    >>> ax = plot_rejection_radius(label='2023')
    >>> ax = plot_rejection_radius(CatalogCleaner.research_2024(), ax, label='2024')
    >>> ax.get_xscale(), len(ax.lines)
    ('log', 2)
    """
    import matplotlib.pyplot as plt


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
            sep = catalog_coordinates(near, purpose='plot_rejection_radius').separation(
                catalog_coordinates(bright, purpose='plot_rejection_radius'))
            ax.scatter(read_column(bright, 'total_flux', u.mJy).value, sep.arcsec, s=8,
                       color='C3', label='near_bright rejections', zorder=3)
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel('flux of the bright source (mJy)')
    ax.set_ylabel('rejection radius (arcsec)')
    if label is not None or (rejected is not None and len(rejected)):
        ax.legend()
    return ax
