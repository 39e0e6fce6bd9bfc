"""Images on WCS axes: a colour scale for radio maps and the mosaic plot with catalogues."""

import numpy as np
from astropy import units as u
from astropy.visualization import (AsinhStretch, ImageNormalize, LinearStretch,
                                   LogStretch, SqrtStretch)

from ..schema import catalog_coordinates

__all__ = ['plot_mosaic', 'radio_normalization']

_STRETCHES = {'asinh': lambda: AsinhStretch(a=0.1), 'linear': LinearStretch,
              'sqrt': SqrtStretch, 'log': lambda: LogStretch(a=1000)}


def radio_normalization(mosaic, *, stretch='asinh', vmin_rms=-1.0, max_percentile=99.9):
    """An `~astropy.visualization.ImageNormalize` suited to radio images.

    The colour scale starts at ``vmin_rms`` times the global rms (so the
    noise is visible as a grey texture) and ends at the ``max_percentile``
    percentile of the valid pixels, with a non-linear stretch that keeps
    faint sources and bright cores both readable.

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
    stretch : {'asinh', 'sqrt', 'log', 'linear'}
    vmin_rms : float
        Lower limit in units of the global rms.
    max_percentile : float
        Upper limit, as a percentile of the valid pixels.

    Returns
    -------
    norm : `~astropy.visualization.ImageNormalize`
        In the unit of the mosaic's data.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.visualization import radio_normalization
    >>> mosaic, truth = simulate_mosaic((256, 256), seed=1)
    >>> norm = radio_normalization(mosaic, stretch='sqrt')
    >>> bool(norm.vmin < 0 < norm.vmax)
    True
    """
    if stretch not in _STRETCHES:
        raise ValueError(f'stretch must be one of {sorted(_STRETCHES)}, not {stretch!r}.')
    valid = mosaic.data[mosaic.footprint]
    rms = mosaic.global_rms().to_value(mosaic.unit)
    vmin = float(np.median(valid)) + vmin_rms * rms
    vmax = float(np.percentile(valid, max_percentile))
    vmax = max(vmax, vmin + 10 * rms)
    # clip=False: NaN pixels stay NaN (drawn in the colour map's 'bad' colour)
    # instead of being clipped to the top of the scale.
    return ImageNormalize(vmin=vmin, vmax=vmax, stretch=_STRETCHES[stretch](), clip=False)


def plot_mosaic(mosaic, ax=None, *, stretch='asinh', catalog=None, cmap='inferno',
                colorbar=True, marker_size=None, catalog_color='cyan', catalog_label=None,
                norm=None):
    """Show a mosaic on `~astropy.visualization.wcsaxes.WCSAxes`.

    Parameters
    ----------
    mosaic : `~lotss_tools.Mosaic`
    ax : `~astropy.visualization.wcsaxes.WCSAxes`, optional
        Axes to draw into; a new figure with the mosaic's WCS if None.
    stretch : str
        See `radio_normalization`.
    catalog : `~astropy.table.Table` or list of tables, optional
        Sources to overlay as circles (``sky_centroid`` or ``ra``/``dec``
        columns). A list draws each table in its own colour.
    cmap : str
        Colour map.
    colorbar : bool
        Add a colour bar in mJy/beam.
    marker_size : float, optional
        Marker size in points**2 (default scales with the beam).
    catalog_color : str or list of str
        Colour(s) of the catalogue markers.
    catalog_label : str or list of str, optional
        Legend label(s).
    norm : `~astropy.visualization.ImageNormalize`, optional
        Overrides the automatic normalisation (in mJy/beam).

    Returns
    -------
    ax : `~astropy.visualization.wcsaxes.WCSAxes`

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.visualization import plot_mosaic
    >>> mosaic, truth = simulate_mosaic((256, 256), seed=1)
    >>> bright = truth[truth['snr'] > 10]
    >>> ax = plot_mosaic(mosaic, catalog=bright, catalog_label='truth, SNR > 10')
    >>> len(ax.collections[0].get_offsets()) == len(bright)
    True
    """
    import matplotlib.pyplot as plt


    if ax is None:
        fig = plt.figure(figsize=(7, 6))
        ax = fig.add_subplot(projection=mosaic.wcs)
    # Drawn in mJy/beam whatever the stored unit; blank pixels in light grey.
    scale = mosaic.unit.to(u.mJy / u.beam)
    if norm is None:
        norm = radio_normalization(mosaic, stretch=stretch)
        norm.vmin, norm.vmax = norm.vmin * scale, norm.vmax * scale
    base = plt.get_cmap(cmap)
    cmap = base.with_extremes(bad='0.85', under=base(0.0), over=base(1.0))
    data = np.where(mosaic.footprint, mosaic.data * scale, np.nan)
    image = ax.imshow(data, origin='lower', cmap=cmap, norm=norm, interpolation='nearest')
    if colorbar:
        cbar = ax.figure.colorbar(image, ax=ax, pad=0.02, fraction=0.046, extend='both')
        cbar.set_label('mJy/beam')
    if hasattr(ax, 'coords'):
        for coord, side, label in ((ax.coords[0], 'b', 'Right ascension'),
                                   (ax.coords[1], 'l', 'Declination')):
            coord.set_ticklabel_position(side)
            coord.set_axislabel_position(side)
            coord.set_axislabel(label)
    if catalog is not None:
        tables = catalog if isinstance(catalog, (list, tuple)) else [catalog]
        colors = catalog_color if isinstance(catalog_color, (list, tuple)) else [catalog_color]
        labels = catalog_label if isinstance(catalog_label, (list, tuple)) else [catalog_label]
        size = marker_size or max(20.0, 4 * float(np.mean(mosaic.beam_fwhm_pixels)) ** 2
                                  * 100 / max(mosaic.shape))
        for i, table in enumerate(tables):
            coords = catalog_coordinates(table)
            x, y = mosaic.wcs.world_to_pixel(coords)
            ax.scatter(x, y, s=size, facecolor='none', edgecolor=colors[i % len(colors)],
                       linewidth=0.8, label=labels[i % len(labels)])
        if any(label is not None for label in labels):
            ax.legend(loc='upper right', fontsize='small')
    ny, nx = mosaic.shape
    ax.set_xlim(-0.5, nx - 0.5)
    ax.set_ylim(-0.5, ny - 0.5)
    if mosaic.name:
        ax.set_title(str(mosaic.name))
    return ax
