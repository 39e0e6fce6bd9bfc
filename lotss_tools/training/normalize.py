"""Pixel normalisation of the network input: clip, rescale to [0, 1], stretch.

The research used two versions (``method.md``, step 10 and the 2024
follow-up):

- **fixed clip** (2023): pixel values clipped to ``[0.4e-6, 0.4e-4]`` Jy/beam
  (`FIXED_CLIP`), after 2x2 mean pooling;
- **percentile clip** (2024): clipped between the 90th and 95th percentiles
  (`PERCENTILE_CLIP`) of the finite pixels of the mosaic, after mean pooling
  by ``round(BMAJ / 1.5 arcsec)`` (see
  `~lotss_tools.training.beam_pooling_factor`).

In both, the clipped values are rescaled linearly to ``[0, 1]`` (`rescale`)
and passed through ``tanh(3 x)`` (`tanh_stretch`), so the output lies in
``[0, tanh(3)] = [0, 0.995]``. NaN pixels stay NaN.
"""

import numpy as np
from astropy import units as u

__all__ = ['FIXED_CLIP', 'PERCENTILE_CLIP', 'percentile_limits', 'rescale', 'tanh_stretch',
           'normalize']

#: The 2023 research clip limits of the network input.
FIXED_CLIP = (0.4e-6, 0.4e-4) * u.Jy / u.beam
#: The 2024 research clip percentiles of the network input.
PERCENTILE_CLIP = (90.0, 95.0)


def _values(image):
    return (image.value if isinstance(image, u.Quantity) else np.asarray(image, float),
            image.unit if isinstance(image, u.Quantity) else None)


def percentile_limits(image, percentiles=PERCENTILE_CLIP):
    """Clip limits at two percentiles of the finite pixels of an image.

    Parameters
    ----------
    image : array-like or `~astropy.units.Quantity`
    percentiles : tuple of two float
        Lower and upper percentile (0-100).

    Returns
    -------
    limits : `~astropy.units.Quantity` or `~numpy.ndarray`
        ``(low, high)``, in the image's unit.

    Raises
    ------
    ValueError
        If the image has no finite pixel or the percentiles are not
        increasing within [0, 100].

    Examples
    --------
    >>> import numpy as np
    >>> percentile_limits(np.arange(101.0), (90, 95))
    array([90., 95.])
    """
    low, high = (float(p) for p in percentiles)
    if not 0 <= low < high <= 100:
        raise ValueError(f'percentiles must be increasing within [0, 100], not {percentiles!r}.')
    values, unit = _values(image)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError('the image has no finite pixel to take percentiles of.')
    limits = np.percentile(finite, [low, high])
    return limits * unit if unit is not None else limits


def _check_limits(limits, unit):
    if isinstance(limits, u.Quantity):
        if unit is None:
            raise TypeError(f'the clip limits have a unit ({limits.unit}); give the image as a '
                            'Quantity too, so the limits can be converted.')
        try:
            limits = limits.to_value(unit)
        except u.UnitConversionError as exc:
            raise ValueError(f'clip limits in {limits.unit} do not apply to an image in '
                             f'{unit}.') from exc
    limits = np.asarray(limits, float)
    if limits.shape != (2,) or not np.all(np.isfinite(limits)) or limits[0] >= limits[1]:
        raise ValueError(f'clip limits must be two finite increasing values, not {limits!r}.')
    return limits


def rescale(image, limits):
    """Clip an image to ``limits`` and map it linearly onto ``[0, 1]``.

    Parameters
    ----------
    image : array-like or `~astropy.units.Quantity`
    limits : `~astropy.units.Quantity` or tuple of two float
        ``(low, high)``; a Quantity is converted to the image's unit.

    Returns
    -------
    scaled : `~numpy.ndarray`
        ``(clip(image, low, high) - low) / (high - low)``; NaN stays NaN.

    Examples
    --------
    >>> import astropy.units as u
    >>> rescale([0.1, 20.2, 100.0] * u.uJy / u.beam, FIXED_CLIP)
    array([0. , 0.5, 1. ])
    """
    values, unit = _values(image)
    low, high = _check_limits(limits, unit)
    return (np.clip(values, low, high) - low) / (high - low)


def tanh_stretch(values, scale=3.0):
    """The research stretch ``tanh(scale * x)`` of values rescaled to [0, 1].

    Parameters
    ----------
    values : array-like
    scale : float

    Returns
    -------
    stretched : `~numpy.ndarray`

    Examples
    --------
    >>> print(round(float(tanh_stretch(1.0)), 4))
    0.9951
    """
    return np.tanh(float(scale) * np.asarray(values, float))


def normalize(image, clip=FIXED_CLIP, *, percentiles=PERCENTILE_CLIP, stretch='tanh',
              tanh_scale=3.0):
    """Normalise an image for the network: clip, rescale to [0, 1], stretch.

    Parameters
    ----------
    image : `~astropy.units.Quantity` or array-like
        The (pooled) image, in Jy/beam or an equivalent unit.
    clip : `~astropy.units.Quantity` or 'percentile'
        Fixed limits ``(low, high)`` (default: the 2023 research
        `FIXED_CLIP`), or ``'percentile'`` for limits at ``percentiles`` of
        the image's finite pixels (the 2024 research rule).
    percentiles : tuple of two float
        Used with ``clip='percentile'``.
    stretch : {'tanh', 'linear'}
        ``'tanh'`` applies `tanh_stretch` after rescaling; ``'linear'``
        stops at the rescaled values.
    tanh_scale : float
        The ``3`` of ``tanh(3 x)``.

    Returns
    -------
    normalized : `~numpy.ndarray` of float32
        Values in ``[0, tanh(tanh_scale)]`` (or [0, 1] for ``'linear'``);
        NaN where the image is NaN.
    limits : `~astropy.units.Quantity` or `~numpy.ndarray`
        The clip limits used.

    Examples
    --------
    >>> import astropy.units as u
    >>> out, limits = normalize([0.0, 20.2, 1000.0] * u.uJy / u.beam)
    >>> out.round(3), limits
    (array([0.   , 0.905, 0.995], dtype=float32), <Quantity [4.e-07, 4.e-05] Jy / beam>)
    """
    if isinstance(clip, str):
        if clip != 'percentile':
            raise ValueError(f"clip must be a pair of limits or 'percentile', not {clip!r}.")
        limits = percentile_limits(image, percentiles)
    else:
        limits = clip
    if stretch not in ('tanh', 'linear'):
        raise ValueError(f"stretch must be 'tanh' or 'linear', not {stretch!r}.")
    scaled = rescale(image, limits)
    if stretch == 'tanh':
        scaled = tanh_stretch(scaled, tanh_scale)
    return scaled.astype(np.float32), limits
