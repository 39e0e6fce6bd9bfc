"""Block pooling of images (the network input is a pooled mosaic) and the pooled WCS.

One function, `pool`, reduces ``factor x factor`` blocks of pixels to one
pixel; `pooled_wcs` gives the WCS of its output, so sky positions can be
placed on the pooled grid. Pooled pixel ``(i, j)`` covers the original pixels
``factor*i .. factor*i + factor - 1`` (rows) and ``factor*j .. factor*j +
factor - 1`` (columns); its centre is the original pixel ``factor*i + (factor
- 1) / 2``.
"""

import math
import warnings

import numpy as np
from astropy import units as u
from astropy.nddata import block_reduce

__all__ = ['pool', 'pooled_shape', 'pooled_wcs', 'beam_pooling_factor']

_REDUCERS = {'mean': np.nanmean, 'max': np.nanmax}
_PADDINGS = ('nan', 'crop')


def _check_factor(factor):
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f'the pooling factor must be an integer >= 1, not {factor!r}.')
    return int(factor)


def pooled_shape(shape, factor, padding='nan'):
    """Shape of the output of `pool` for an image of ``shape``.

    Parameters
    ----------
    shape : tuple of int
        ``(ny, nx)`` of the input.
    factor : int
    padding : {'nan', 'crop'}
        See `pool`.

    Returns
    -------
    shape : tuple of int

    Examples
    --------
    >>> pooled_shape((101, 64), 2), pooled_shape((101, 64), 2, padding='crop')
    ((51, 32), (50, 32))
    """
    factor = _check_factor(factor)
    if padding not in _PADDINGS:
        raise ValueError(f"padding must be 'nan' or 'crop', not {padding!r}.")
    if padding == 'nan':
        return tuple(math.ceil(int(n) / factor) for n in shape)
    return tuple(int(n) // factor for n in shape)


def pool(image, factor, method='mean', padding='nan'):
    """Reduce ``factor x factor`` blocks of a 2-D image to one pixel.

    Blanked (NaN) pixels are ignored: a block is the mean (or maximum) of its
    finite pixels, and a block with no finite pixel is NaN. The reduction is
    `astropy.nddata.block_reduce` with `numpy.nanmean` or `numpy.nanmax`.

    Parameters
    ----------
    image : array-like or `~astropy.units.Quantity`
        2-D image; a Quantity keeps its unit.
    factor : int
        Side of the blocks, in pixels (1 returns a float copy).
    method : {'mean', 'max'}
        Mean pooling (the research choice for the network input) or max
        pooling.
    padding : {'nan', 'crop'}
        What to do with the last rows and columns when a side is not a
        multiple of ``factor``:

        - ``'nan'`` (default): pad the end of each axis with NaN up to a
          multiple of ``factor``, so the last, partial blocks are the mean (or
          maximum) of the real pixels they hold. No pixel is lost; the output
          shape is ``ceil(n / factor)``.
        - ``'crop'``: drop the last ``n % factor`` rows and columns (the rule
          of `~astropy.nddata.block_reduce` and the research code's default);
          the output shape is ``floor(n / factor)``.

        Either way pooled pixel ``(i, j)`` starts at original pixel
        ``(factor*i, factor*j)``, so `pooled_wcs` applies to both.

    Returns
    -------
    pooled : `~numpy.ndarray` or `~astropy.units.Quantity`
        Floating point (float32 input stays float32), shape `pooled_shape` ``(image.shape, factor, padding)``.

    Raises
    ------
    ValueError
        For an image that is not 2-D, a factor that is not a positive
        integer, or an unknown method or padding.

    Examples
    --------
    >>> import numpy as np
    >>> from lotss_tools.training import pool
    >>> image = np.arange(15.0).reshape(3, 5)
    >>> pool(image, 2)
    array([[ 3. ,  5. ,  6.5],
           [10.5, 12.5, 14. ]])
    >>> pool(image, 2, method='max', padding='crop')
    array([[6., 8.]])
    """
    unit = image.unit if isinstance(image, u.Quantity) else None
    data = np.asarray(image.value if unit is not None else image)
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(float)
    if data.ndim != 2:
        raise ValueError(f'pool needs a 2-D image, not an array of shape {data.shape}.')
    factor = _check_factor(factor)
    if method not in _REDUCERS:
        raise ValueError(f"method must be 'mean' or 'max', not {method!r}.")
    shape = pooled_shape(data.shape, factor, padding)
    if min(shape) == 0:
        raise ValueError(f'an image of shape {data.shape} is smaller than one {factor}x{factor} '
                         "block; use padding='nan'.")
    if factor == 1:
        result = data.copy()
    else:
        if padding == 'nan':
            ny, nx = data.shape
            data = np.pad(data, ((0, (-ny) % factor), (0, (-nx) % factor)),
                          constant_values=np.nan)
        with warnings.catch_warnings():   # all-NaN blocks give NaN, which is what we want
            warnings.simplefilter('ignore', RuntimeWarning)
            result = block_reduce(data, factor, func=_REDUCERS[method])
    return result * unit if unit is not None else result


def pooled_wcs(wcs, factor):
    """The WCS of an image pooled by `pool` with ``factor``.

    Parameters
    ----------
    wcs : `~astropy.wcs.WCS`
        Celestial WCS of the original image.
    factor : int

    Returns
    -------
    wcs : `~astropy.wcs.WCS`
        A WCS in which pooled pixel ``(i, j)`` is at the sky position of the
        centre of its block.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, _ = simulate_mosaic((64, 64), seed=0)
    >>> coarse = pooled_wcs(mosaic.wcs, 4)
    >>> sky = coarse.pixel_to_world(2, 3)
    >>> [round(float(v), 6) for v in mosaic.wcs.world_to_pixel(sky)]
    [9.5, 13.5]
    """
    factor = _check_factor(factor)
    if factor == 1:
        return wcs.deepcopy()
    if not wcs.wcs.has_cd():
        # astropy's slicing with a step is exactly block binning.
        return wcs.slice((slice(None, None, factor), slice(None, None, factor)))
    new = wcs.deepcopy()
    new.wcs.crpix = (np.asarray(wcs.wcs.crpix) - 1.0) / factor + 0.5 + 0.5 / factor
    new.wcs.cd = np.asarray(wcs.wcs.cd) * factor
    new.wcs.set()
    return new


def beam_pooling_factor(beam_major, pixel_scale):
    """Pooling factor that makes a pooled pixel about one beam wide.

    The 2024 research pooled mosaics by ``round(BMAJ / 1.5 arcsec)`` (4 for
    LoTSS: 6 arcsec beam, 1.5 arcsec pixels); this is ``round(beam_major /
    pixel_scale)``, the same number for LoTSS, at least 1.

    Parameters
    ----------
    beam_major : `~astropy.units.Quantity`
        Beam major-axis FWHM (angle).
    pixel_scale : `~astropy.units.Quantity`
        Pixel size (angle, or angle per pixel).

    Returns
    -------
    factor : int

    Examples
    --------
    >>> import astropy.units as u
    >>> beam_pooling_factor(6 * u.arcsec, 1.5 * u.arcsec / u.pix)
    4
    """
    scale = u.Quantity(pixel_scale)
    if scale.unit.is_equivalent(u.deg / u.pix):
        scale = scale * u.pix
    ratio = (u.Quantity(beam_major) / scale).to_value(u.one)
    if not np.isfinite(ratio) or ratio <= 0:
        raise ValueError(f'cannot derive a pooling factor from beam {beam_major} and pixel '
                         f'scale {pixel_scale}.')
    return max(1, int(round(ratio)))
