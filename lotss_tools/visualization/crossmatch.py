"""Plot of recall and precision against flux or SNR."""

import numpy as np
from astropy import units as u

__all__ = ['plot_completeness']

_LABELS = {'flux': 'total flux density', 'total_flux': 'total flux density', 'snr': 'SNR',
           'peak_flux': 'peak brightness'}


def plot_completeness(result, ax=None, *, bins=10, quantity='flux', recall=True,
                      precision=True, label=None, **kwargs):
    """Draw recall and precision per bin, with their 68% binomial intervals.

    Parameters
    ----------
    result : `~lotss_tools.crossmatch.MatchResult` or `~astropy.table.QTable`
        A match (its `~lotss_tools.crossmatch.MatchResult.completeness` is
        computed with ``bins`` and ``quantity``) or a table it returned.
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw into; a new figure if None.
    bins, quantity
        See `~lotss_tools.crossmatch.MatchResult.completeness`.
    recall, precision : bool
        Which curves to draw.
    label : str, optional
        Prefix of the legend entries (e.g. the mosaic name).
    **kwargs
        Passed to `matplotlib.axes.Axes.errorbar`.

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.crossmatch import CrossMatcher
    >>> from lotss_tools.visualization import plot_completeness
    >>> truth = QTable({'ra': [150.0, 150.1, 150.2] * u.deg, 'dec': [2.0, 2.0, 2.0] * u.deg,
    ...                 'total_flux': [0.5, 2.0, 8.0] * u.mJy})
    >>> result = CrossMatcher().match(truth[1:], truth)
    >>> ax = plot_completeness(result, bins=[0.1, 1, 10] * u.mJy)
    >>> ax.get_ylabel()
    'fraction matched'
    """
    import matplotlib.pyplot as plt
    table = result.completeness(bins=bins, quantity=quantity) if hasattr(
        result, 'completeness') else result
    needed = {'center'} | ({'recall', 'recall_low', 'recall_high'} if recall else set()) | (
        {'precision', 'precision_low', 'precision_high'} if precision else set())
    missing = sorted(needed - set(table.colnames))
    if missing:
        raise ValueError(f'plot_completeness needs a MatchResult or a completeness table; '
                         f'missing columns: {", ".join(missing)}.')
    if ax is None:
        ax = plt.figure(figsize=(6, 4)).add_subplot()
    center = table['center']
    x = center.value if isinstance(center, u.Quantity) else np.asarray(center)
    prefix = f'{label}: ' if label else ''
    for name, show, marker, style in (('recall', recall, 'o', '-'),
                                      ('precision', precision, 's', '--')):
        if not show:
            continue
        y = np.asarray(table[name], float)
        err = np.abs(np.vstack([y - np.asarray(table[f'{name}_low']),
                                np.asarray(table[f'{name}_high']) - y]))
        options = dict(marker=marker, linestyle=style, capsize=2, label=f'{prefix}{name}')
        options.update(kwargs)
        ax.errorbar(x, y, yerr=err, **options)
    quantity = table.meta.get('quantity', quantity)
    unit = center.unit if isinstance(center, u.Quantity) else None
    name = _LABELS.get(quantity, quantity)
    ax.set_xlabel(f'{name} ({unit.to_string()})' if unit not in (None, u.dimensionless_unscaled)
                  else name)
    ax.set_ylabel('fraction matched')
    if x.size and np.all(x[np.isfinite(x)] > 0):
        ax.set_xscale('log')
    ax.set_ylim(0, 1.05)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax
