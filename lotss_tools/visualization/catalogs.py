"""Catalogue statistics figures: flux distribution, flux against size, axes, resolved sources.

These are the figures the research notebook drew of LoTSS DR2, for any
catalogue with the package's column names. Sources can be split by a column
such as ``s_code`` (PyBDSF's S, C, M); catalogues without it (a
`DendroExtractor` catalogue, the shipped DR2 sample) are drawn as one group.
"""

import numpy as np
from astropy import units as u

from ..stats._columns import missing_column_error, quantity, text
from ..stats.morphology import DR2_ENVELOPE, S_CODES, is_unresolved, resolved_envelope, \
    signal_to_noise

__all__ = ['plot_flux_distribution', 'plot_flux_size', 'plot_major_minor',
           'plot_resolved_envelope']

#: Colours of the S_Code groups, the same in every figure.
GROUP_COLORS = {'S': 'C0', 'C': 'C1', 'M': 'C2'}
_NAMES = {'total_flux': 'total flux density', 'peak_flux': 'peak brightness',
          'major_fwhm': 'major axis FWHM', 'minor_fwhm': 'minor axis FWHM',
          'dc_major_fwhm': 'deconvolved major axis FWHM',
          'dc_minor_fwhm': 'deconvolved minor axis FWHM'}


def _new_axes(ax, figsize=(6, 4.5)):
    import matplotlib.pyplot as plt
    if ax is None:
        ax = plt.figure(figsize=figsize, layout='constrained').add_subplot()
    return ax


def _groups(catalog, by):
    """``[(label, color, row mask)]``: one group per value of ``by``, or all rows."""
    everything = [('all sources', 'C0', np.ones(len(catalog), bool))]
    if by is None:
        return everything
    values = text(catalog, by)
    if values is None or not np.any(values != ''):
        return everything
    groups = []
    names = [name for name in S_CODES if name in values] + sorted(
        set(values.tolist()) - set(S_CODES) - {''})
    for k, name in enumerate(names):
        color = GROUP_COLORS.get(name, f'C{3 + k}') if by == 's_code' else f'C{k}'
        groups.append((f'{by} = {name}', color, values == name))
    if np.any(values == ''):
        groups.append((f'no {by}', '0.5', values == ''))
    return groups


def _log_edges(values, per_decade):
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return np.array([0.1, 1.0])
    low = np.floor(np.log10(values.min()) * per_decade) / per_decade
    high = np.ceil(np.log10(values.max()) * per_decade) / per_decade
    return 10 ** np.linspace(low, max(high, low + 1 / per_decade),
                             max(int(round((high - low) * per_decade)), 1) + 1)


def plot_flux_distribution(catalog, ax=None, *, column='total_flux', bins=None, by='s_code',
                           label=None, **kwargs):
    """Histogram of the logarithm of the flux density, optionally split by a column.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
    ax : `matplotlib.axes.Axes`, optional
    column : str
        ``'total_flux'`` (mJy) or ``'peak_flux'`` (mJy/beam).
    bins : `~astropy.units.Quantity` or int, optional
        Bin edges, or the number of bins per decade (default 10).
    by : str or None
        Also draw one histogram per value of this column (default
        ``'s_code'``, skipped when the column is missing or empty).
    label : str, optional
        Legend label of the histogram of all sources.
    **kwargs
        Passed to `matplotlib.axes.Axes.hist` for all sources.

    Returns
    -------
    ax : `matplotlib.axes.Axes`
        Logarithmic flux axis; sources with NaN or non-positive flux are left
        out (their number is in the title).

    Examples
    --------
    >>> from lotss_tools.catalogs import load_catalog, sample_catalog_path
    >>> from lotss_tools.visualization import plot_flux_distribution
    >>> ax = plot_flux_distribution(load_catalog(sample_catalog_path()))
    >>> ax.get_xscale(), ax.get_xlabel()
    ('log', 'total flux density (mJy)')
    """
    unit = u.mJy / u.beam if column == 'peak_flux' else u.mJy
    flux = quantity(catalog, column, unit, caller='plot_flux_distribution', required=True).value
    valid = np.isfinite(flux) & (flux > 0)
    if isinstance(bins, u.Quantity):
        edges = bins.to_value(unit)
    else:
        edges = _log_edges(flux[valid], 10 if bins is None else int(bins))
    ax = _new_axes(ax)
    options = dict(histtype='stepfilled', color='0.8', edgecolor='0.3',
                   label=label or f'all sources ({valid.sum()})')
    options.update(kwargs)
    ax.hist(flux[valid], bins=edges, **options)
    groups = _groups(catalog, by)
    if len(groups) > 1:
        for name, color, rows in groups:
            ax.hist(flux[valid & rows], bins=edges, histtype='step', color=color, lw=1.5,
                    label=f'{name} ({np.count_nonzero(valid & rows)})')
    ax.set_xscale('log')
    ax.set_xlabel(f'{_NAMES.get(column, column)} ({unit.to_string()})')
    ax.set_ylabel('sources per bin')
    if np.any(~valid):
        ax.set_title(f'{np.count_nonzero(~valid)} sources without a positive {column} left out',
                     fontsize='small')
    ax.legend(fontsize='small')
    return ax


def plot_flux_size(catalog, ax=None, *, size='major_fwhm', flux='total_flux', bins=40,
                   cmap='viridis', colorbar=True, beam=6 * u.arcsec):
    """2-D histogram of the flux density against a source size, both logarithmic.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
    ax : `matplotlib.axes.Axes`, optional
    size : str
        Size column (arcsec): ``'major_fwhm'``, ``'minor_fwhm'``, or the
        deconvolved ``'dc_major_fwhm'``/``'dc_minor_fwhm'`` (zero sizes,
        PyBDSF's "not resolved", are left out of a log axis).
    flux : str
        Flux column (``'total_flux'`` or ``'peak_flux'``).
    bins : int
        Number of logarithmic bins on each axis.
    cmap : str
    colorbar : bool
        Add a colour bar (sources per cell, logarithmic).
    beam : `~astropy.units.Quantity` or None
        Draw a dashed line at this FWHM (the 6 arcsec LoTSS beam).

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> from lotss_tools.catalogs import load_catalog, sample_catalog_path
    >>> from lotss_tools.visualization import plot_flux_size
    >>> ax = plot_flux_size(load_catalog(sample_catalog_path()))
    >>> ax.get_ylabel()
    'major axis FWHM (arcsec)'
    """
    from matplotlib.colors import LogNorm

    caller = 'plot_flux_size'
    unit = u.mJy / u.beam if flux == 'peak_flux' else u.mJy
    x = quantity(catalog, flux, unit, caller=caller, required=True).value
    y = quantity(catalog, size, u.arcsec, caller=caller, required=True).value
    valid = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    ax = _new_axes(ax)
    x_edges = np.geomspace(*_range(x[valid]), bins + 1)
    y_edges = np.geomspace(*_range(y[valid]), bins + 1)
    *_, image = ax.hist2d(x[valid], y[valid], bins=[x_edges, y_edges], cmap=cmap,
                          norm=LogNorm(), cmin=1)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label='sources per cell')
    if beam is not None:
        ax.axhline(u.Quantity(beam).to_value(u.arcsec), color='k', ls='--', lw=1,
                   label=f'beam FWHM {u.Quantity(beam).to_value(u.arcsec):g} arcsec')
        ax.legend(fontsize='small', loc='upper left')
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel(f'{_NAMES.get(flux, flux)} ({unit.to_string()})')
    ax.set_ylabel(f'{_NAMES.get(size, size)} (arcsec)')
    ax.set_title(f'{np.count_nonzero(valid)} sources', fontsize='small')
    return ax


def _range(values):
    if values.size == 0:
        return 0.1, 1.0
    low, high = values.min(), values.max()
    return (low / 1.1, high * 1.1) if high > low else (low / 2, high * 2)


def plot_major_minor(catalog, ax=None, *, deconvolved=False, by='s_code', limit=None,
                     markersize=4, alpha=0.6):
    """Major against minor axis FWHM, coloured by a column such as ``s_code``.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
    ax : `matplotlib.axes.Axes`, optional
    deconvolved : bool
        Use ``dc_major_fwhm``/``dc_minor_fwhm`` (deconvolved from the beam,
        as in LoTSS DR2) instead of ``major_fwhm``/``minor_fwhm``.
    by : str or None
        Colour the points by this column (default ``'s_code'``; one colour
        when it is missing or empty).
    limit : `~astropy.units.Quantity`, optional
        Upper limit of both axes (default: 1.05 x the 99.5th percentile of
        the major axis).
    markersize, alpha
        Marker size (points**2) and transparency.

    Returns
    -------
    ax : `matplotlib.axes.Axes`
        One `~matplotlib.collections.PathCollection` per group, and the line
        ``minor = major``.

    Raises
    ------
    ValueError
        If the size columns are missing.

    Examples
    --------
    >>> from astropy.table import QTable
    >>> import astropy.units as u
    >>> from lotss_tools.visualization import plot_major_minor
    >>> table = QTable({'major_fwhm': [6.5, 9.0, 20.0] * u.arcsec,
    ...                 'minor_fwhm': [6.0, 7.0, 8.0] * u.arcsec, 's_code': ['S', 'S', 'M']})
    >>> ax = plot_major_minor(table)
    >>> [len(c.get_offsets()) for c in ax.collections]
    [2, 1]
    """
    prefix = 'dc_' if deconvolved else ''
    caller = 'plot_major_minor'
    major = quantity(catalog, f'{prefix}major_fwhm', u.arcsec, caller=caller, required=True).value
    minor = quantity(catalog, f'{prefix}minor_fwhm', u.arcsec, caller=caller, required=True).value
    valid = np.isfinite(major) & np.isfinite(minor)
    ax = _new_axes(ax, figsize=(5.5, 5))
    for name, color, rows in _groups(catalog, by):
        selected = valid & rows
        ax.scatter(major[selected], minor[selected], s=markersize, color=color, alpha=alpha,
                   linewidths=0, label=f'{name} ({np.count_nonzero(selected)})')
    if limit is None:
        top = np.percentile(major[valid], 99.5) * 1.05 if np.any(valid) else 10.0
    else:
        top = u.Quantity(limit).to_value(u.arcsec)
    ax.plot([0, top], [0, top], color='k', lw=0.8, ls=':', label='minor = major')
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect('equal')
    kind = 'deconvolved ' if deconvolved else ''
    ax.set_xlabel(f'{kind}major axis FWHM (arcsec)')
    ax.set_ylabel(f'{kind}minor axis FWHM (arcsec)')
    ax.set_title('deconvolved from the beam' if deconvolved else 'convolved with the beam',
                 fontsize='small')
    ax.legend(fontsize='small', markerscale=2, loc='upper left')
    return ax


def plot_resolved_envelope(catalog, ax=None, *, snr='peak', rms=None,
                           parameters=DR2_ENVELOPE, markersize=4):
    """Integrated-to-peak flux ratio against SNR, with the LoTSS DR2 envelope.

    Sources on or below the envelope (`~lotss_tools.stats.is_unresolved`)
    are drawn in blue, those above in orange.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        With ``total_flux``, ``peak_flux`` and what the SNR needs.
    ax : `matplotlib.axes.Axes`, optional
    snr, rms, parameters
        See `~lotss_tools.stats.is_unresolved`.
    markersize : float

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> import astropy.units as u
    >>> from lotss_tools.catalogs import load_catalog, sample_catalog_path
    >>> from lotss_tools.visualization import plot_resolved_envelope
    >>> dr2 = load_catalog(sample_catalog_path())
    >>> ax = plot_resolved_envelope(dr2, rms=83 * u.uJy / u.beam)
    >>> ax.get_legend_handles_labels()[1][:2]
    ['unresolved (1217)', 'resolved (131)']
    """
    caller = 'plot_resolved_envelope'
    if not {'total_flux', 'peak_flux'} <= set(catalog.colnames):
        missing = 'total_flux' if 'total_flux' not in catalog.colnames else 'peak_flux'
        raise missing_column_error(catalog, missing, caller)
    flags = is_unresolved(catalog, snr=snr, rms=rms, parameters=parameters)
    values = signal_to_noise(catalog, snr, rms)
    total = quantity(catalog, 'total_flux', u.mJy, caller=caller).value
    peak = quantity(catalog, 'peak_flux', u.mJy / u.beam, caller=caller).value
    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = total / peak
    known = ~np.ma.getmaskarray(flags)
    ax = _new_axes(ax)
    for name, color, rows in (('unresolved', 'C0', known & flags.data),
                              ('resolved', 'C1', known & ~flags.data)):
        ax.scatter(values[rows], ratio[rows], s=markersize, color=color, linewidths=0,
                   label=f'{name} ({np.count_nonzero(rows)})')
    if np.any(known):
        low, high = np.nanmin(values[known]), np.nanmax(values[known])
        curve = np.geomspace(max(low, 1e-3), max(high, low * 10), 200)
        ax.plot(curve, np.exp(resolved_envelope(curve, parameters)), color='k', lw=1.2,
                label='LoTSS DR2 envelope')
    ax.axhline(1.0, color='0.5', lw=0.8, ls=':')
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel('signal-to-noise ratio' + (' (peak / local rms)' if snr == 'peak' else ''))
    ax.set_ylabel('total flux / peak brightness (beams)')
    ax.legend(fontsize='small')
    return ax
