"""Source counts: Euclidean-normalised differential counts against flux density."""

import numpy as np
from astropy import units as u

from ..stats.counts import source_counts

__all__ = ['plot_source_counts']


def plot_source_counts(counts, ax=None, *, area=None, bins=None, euclidean=True, label=None,
                       **kwargs):
    """Draw source counts with their 68% Poisson intervals.

    Parameters
    ----------
    counts : `~astropy.table.QTable`
        A table from `~lotss_tools.stats.source_counts`, or a catalogue (its
        counts are then computed with ``area`` and ``bins``).
    ax : `matplotlib.axes.Axes`, optional
    area, bins
        See `~lotss_tools.stats.source_counts` (catalogue input only).
    euclidean : bool
        Draw ``S**2.5 dN/dS`` (Jy**1.5 / sr), otherwise ``dN/dS``
        (1 / (Jy sr)).
    label : str, optional
        Legend label (followed by the number of sources and the area);
        without it, these go in the title.
    **kwargs
        Passed to `matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    ax : `matplotlib.axes.Axes`
        Logarithmic axes; empty bins are not drawn.

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.catalogs import load_catalog, sample_catalog_path
    >>> from lotss_tools.stats import cone_area
    >>> from lotss_tools.visualization import plot_source_counts
    >>> dr2 = load_catalog(sample_catalog_path())
    >>> ax = plot_source_counts(dr2, area=cone_area(31 * u.arcmin), label='DR2 sample')
    >>> ax.get_xlabel()
    'total flux density (mJy)'
    """
    import matplotlib.pyplot as plt

    if 'euclidean_counts' not in counts.colnames:
        counts = source_counts(counts, area, bins=bins)
    elif area is not None or bins is not None:
        raise ValueError('plot_source_counts: area and bins apply to a catalogue, not to a '
                         'table of counts.')
    if ax is None:
        ax = plt.figure(figsize=(6, 4.5), layout='constrained').add_subplot()
    shown = np.asarray(counts['n_sources']) > 0
    x = counts['flux_center'].to_value(u.mJy)[shown]
    if euclidean:
        unit = u.Jy ** 1.5 / u.sr
        y = counts['euclidean_counts'].to_value(unit)[shown]
        low = counts['euclidean_counts_low'].to_value(unit)[shown]
        high = counts['euclidean_counts_high'].to_value(unit)[shown]
        ylabel = r'$S^{2.5}\,\mathrm{d}N/\mathrm{d}S$ (Jy$^{1.5}$ sr$^{-1}$)'
    else:
        unit = 1 / (u.Jy * u.sr)
        y = counts['dn_ds'].to_value(unit)[shown]
        scale = np.divide(y, counts['euclidean_counts'].to_value(u.Jy ** 1.5 / u.sr)[shown])
        low = counts['euclidean_counts_low'].to_value(u.Jy ** 1.5 / u.sr)[shown] * scale
        high = counts['euclidean_counts_high'].to_value(u.Jy ** 1.5 / u.sr)[shown] * scale
        ylabel = r'$\mathrm{d}N/\mathrm{d}S$ (Jy$^{-1}$ sr$^{-1}$)'
    xerr = np.vstack([x - counts['flux_low'].to_value(u.mJy)[shown],
                      counts['flux_high'].to_value(u.mJy)[shown] - x])
    area = counts.meta.get('area')
    total = int(np.sum(counts['n_sources']))
    about = (f'{total} sources over {u.Quantity(area).to_value(u.deg ** 2):.3g} deg$^2$'
             if area is not None else f'{total} sources')
    options = dict(marker='o', linestyle='none', capsize=2, markersize=4,
                   label=None if label is None else f'{label} ({about})')
    options.update(kwargs)
    ax.errorbar(x, y, xerr=xerr, yerr=np.vstack([y - low, high - y]), **options)
    ax.set_xscale('log')
    ax.set_yscale('log')
    column = counts.meta.get('flux_column', 'total_flux')
    name = 'peak brightness' if column == 'peak_flux' else 'total flux density'
    ax.set_xlabel(f'{name} (mJy)')
    ax.set_ylabel(ylabel)
    if label is None:
        ax.set_title(about, fontsize='small')
    else:
        ax.legend(fontsize='small')
    return ax
