"""The mirrored-histogram diagnostic of the research thresholds."""

import numpy as np
from astropy import units as u

__all__ = ['plot_threshold_diagnostic']


def plot_threshold_diagnostic(thresholds, ax=None):
    """The mirrored-histogram diagnostic of `~lotss_tools.noise.research_thresholds`.

    Shows the pixel histogram, the Gaussian fitted to the noise peak, the
    negative side mirrored about the fitted mean, and the chosen
    ``min_value`` and ``min_value + min_delta``.

    Parameters
    ----------
    thresholds : `~lotss_tools.noise.HistogramThresholds`
    ax : `matplotlib.axes.Axes`, optional

    Returns
    -------
    ax : `matplotlib.axes.Axes`

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.visualization import plot_threshold_diagnostic
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=3)
    >>> ax = plot_threshold_diagnostic(mosaic.research_thresholds())
    >>> ax.get_yscale(), len(ax.lines)
    ('log', 5)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    unit = thresholds.mean.unit
    to_micro = (unit.to(u.uJy / u.beam) if unit.is_equivalent(u.Jy / u.beam) else 1.0)
    label_unit = 'uJy/beam' if unit.is_equivalent(u.Jy / u.beam) else str(unit)
    x = thresholds.bin_centers * to_micro
    mean = thresholds.mean.value
    sigma = thresholds.sigma.value
    gauss = np.exp(-0.5 * ((thresholds.bin_centers - mean) / sigma) ** 2)
    near = np.abs(thresholds.bin_centers - mean) < sigma / 2
    amplitude = thresholds.counts[near].mean() if np.any(near) else thresholds.counts.max()
    ax.step(x, thresholds.counts, where='mid', color='k', lw=1, label='pixel histogram')
    right = thresholds.bin_centers >= mean
    ax.plot(x[right], thresholds.mirrored_counts[right], color='tab:blue', lw=1, ls='--',
            label='negative side mirrored')
    ax.plot(x, amplitude * gauss, color='tab:orange', lw=1,
            label=f'Gaussian fit, sigma = {sigma * to_micro:.1f} {label_unit}')
    min_value = thresholds.min_value.value * to_micro
    ax.axvline(min_value, color='tab:red', lw=1.2,
               label=f'min_value = {min_value:.1f} {label_unit}')
    ax.axvline(min_value + thresholds.min_delta.value * to_micro, color='tab:green', lw=1, ls=':',
               label='min_value + min_delta')
    ax.set_yscale('log')
    ax.set_ylim(0.8, 3 * max(thresholds.counts.max(), 1))
    ax.set_xlim(mean * to_micro - 6 * sigma * to_micro, mean * to_micro + 10 * sigma * to_micro)
    ax.set_xlabel(f'pixel value ({label_unit})')
    ax.set_ylabel('pixels per bin')
    ax.legend(fontsize='small')
    if not thresholds.fit_succeeded:
        ax.set_title('Gaussian fit failed: fallback values shown')
    return ax
