"""Compiled kernels of `lotss_tools.noise.NoiseModel`: box statistics and mesh evaluation.

`photutils.background.Background2D` (what `lotss_tools.noise.local_background`
returns) computes its box statistics with astropy's sigma clipping on a copy
of the whole image and re-interpolates the full-resolution maps at every read
of ``background`` or ``background_rms``. On an 8192 x 8192 mosaic that was
80 % of an extraction and 1.2 GB of temporaries. These kernels compute the
same numbers without full-size temporaries, on any number of threads (they
release the GIL):

* `box_statistics`: per box, the valid pixels are sorted once (an LSD radix
  sort for float32: numpy's sort holds the GIL and is 3-4x slower on boxes
  of 10,000 values); astropy's iterative clipping (``SigmaClip(sigma,
  maxiters)``: median centre, standard deviation, bounds ``cen +- sigma *
  std`` kept inclusively, stop when nothing changes) then moves two indices
  over the sorted values, and the final median (photutils
  ``MedianBackground``) and ``1.4826 x`` median absolute deviation
  (``MADStdBackgroundRMS``) are read off them. Each step computes in the
  precision astropy and numpy use (clipping bounds in float64, the median and
  MAD in the data type), so the box values equal photutils' to the last bit
  except when a pixel lies within rounding (1e-16) of a clipping bound.
* `evaluate_rows` / `evaluate_points`: photutils' cubic zoom of the mesh
  (`scipy.ndimage.zoom`, ``order=3, mode='reflect', grid_mode=True``, then
  clipped to the mesh range) is separable: spline coefficients of the mesh
  (`scipy.ndimage.spline_filter`) times at most four B-spline weights per
  output row and column, which the caller takes from `scipy.ndimage.zoom`
  itself (`zoom_taps`). A pixel's value therefore costs 8 multiply-adds and
  does not depend on the window it is evaluated in, so tiles and the whole
  mosaic see bit-identical maps.
"""

import numpy as np
from scipy.ndimage import zoom

from ._numba import jit

__all__ = ['box_statistics', 'along_columns', 'evaluate_rows', 'evaluate_points', 'zoom_taps',
           'count_valid', 'take_valid', 'MAD_TO_STD', 'BACKGROUND', 'RMS', 'FLUX', 'SNR']

#: astropy's ``mad_std`` factor, 1 / Phi^-1(3/4).
MAD_TO_STD = 1.482602218505602
#: What `evaluate_rows` writes.
BACKGROUND, RMS, FLUX, SNR = 0, 1, 2, 3
_SIGN32 = np.uint32(0x80000000)


@jit(nogil=True)
def _radix_sort_f32(values, n, keys, spare, counts):
    """Sort ``values[:n]`` (finite float32) in place.

    LSD radix sort on order-preserving unsigned keys, three digits of 11
    bits, the three histograms counted in one pass. ``keys``, ``spare``:
    uint32 work arrays of at least ``n``; ``counts``: int64 ``(3, 2048)``.
    """
    bits = values[:n].view(np.uint32)
    counts[:, :] = 0
    for i in range(n):
        u = bits[i]
        key = ~u if u & _SIGN32 else u | _SIGN32
        keys[i] = key
        counts[0, key & 2047] += 1
        counts[1, (key >> 11) & 2047] += 1
        counts[2, (key >> 22) & 2047] += 1
    for digit in range(3):
        total = 0
        for b in range(2048):
            c = counts[digit, b]
            counts[digit, b] = total
            total += c
    source, target = keys, spare
    for digit in range(3):
        shift = 11 * digit
        for i in range(n):
            key = source[i]
            slot = (key >> shift) & 2047
            target[counts[digit, slot]] = key
            counts[digit, slot] += 1
        source, target = target, source
    for i in range(n):
        key = source[i]
        bits[i] = key & ~_SIGN32 if key & _SIGN32 else ~key


@jit(nogil=True, inline='always')
def _deviation(values, split, centre, side, j):
    """``j``-th smallest deviation below (``side`` 0) or above (1) ``values[split]``."""
    if side == 0:
        return abs(values[split - 1 - j] - centre)
    return abs(values[split + j] - centre)


@jit(nogil=True)
def _kth_deviation(values, lo, hi, centre, k):
    """k-th smallest (0-based) of ``|values[i] - centre|`` over sorted ``values[lo:hi]``.

    The deviations of the values below ``centre`` and of those above are two
    sorted runs; the k-th smallest of their union is found by bisection on
    how many come from the first run (O(log n)). Subtraction is in the data
    type, as astropy's ``mad_std``.
    """
    split = lo + np.searchsorted(values[lo:hi], centre, side='left')
    n_low, n_high = split - lo, hi - split
    first, last = max(0, k + 1 - n_high), min(k + 1, n_low)
    while first < last:
        i = (first + last) // 2          # taken from below; k + 1 - i from above
        j = k + 1 - i
        if j > 0 and _deviation(values, split, centre, 0, i) < _deviation(values, split, centre,
                                                                           1, j - 1):
            first = i + 1
        else:
            last = i
    i = first
    j = k + 1 - i
    if i == 0:
        return _deviation(values, split, centre, 1, j - 1)
    if j == 0:
        return _deviation(values, split, centre, 0, i - 1)
    return max(_deviation(values, split, centre, 0, i - 1),
               _deviation(values, split, centre, 1, j - 1))


@jit(nogil=True, error_model='numpy')
def _clipped_statistics(values, n, sigma, maxiters, constants, sum1, sum2):
    """Median, MAD standard deviation and count of sorted ``values[:n]`` after clipping.

    Reproduces astropy's C sigma clipping (``cenfunc='median'``,
    ``stdfunc='std'``: median of the kept values, population standard
    deviation, keep ``median - sigma std <= v <= median + sigma std``, until
    nothing changes or ``maxiters``) and the final mask photutils applies
    (every value inside the last bounds), then numpy's ``nanmedian`` and
    astropy's ``mad_std`` in the data type. ``constants`` holds ``(0.5,
    MAD_TO_STD)`` in the data type. The kept values are always a contiguous
    run of the sorted values, so each iteration costs O(1) with prefix sums
    (``sum1``, ``sum2``: work arrays of ``n + 1`` float64) of the values
    shifted by their median (no cancellation).
    """
    shift = np.float64(values[n // 2])
    total1 = 0.0
    total2 = 0.0
    sum1[0] = 0.0
    sum2[0] = 0.0
    for i in range(n):
        d = values[i] - shift
        total1 += d
        total2 += d * d
        sum1[i + 1] = total1
        sum2[i + 1] = total2
    lo, hi = 0, n
    lower, upper = -np.inf, np.inf
    iteration = 0
    while hi > lo:
        m = hi - lo
        if m % 2 == 0:
            median = 0.5 * (np.float64(values[lo + m // 2]) + np.float64(values[lo + m // 2 - 1]))
        else:
            median = np.float64(values[lo + (m - 1) // 2])
        mean = (sum1[hi] - sum1[lo]) / m
        variance = (sum2[hi] - sum2[lo]) / m - mean * mean
        std = np.sqrt(max(variance, 0.0))
        lower, upper = median - sigma * std, median + sigma * std
        new_lo, new_hi = lo, hi
        while new_lo < new_hi and values[new_lo] < lower:
            new_lo += 1
        while new_hi > new_lo and values[new_hi - 1] > upper:
            new_hi -= 1
        if new_hi - new_lo == m or new_hi == new_lo:
            break
        lo, hi = new_lo, new_hi
        iteration += 1
        if iteration >= maxiters:
            break
    # photutils masks every value outside the final bounds (values clipped by
    # an earlier, wider iteration may come back).
    lo = np.searchsorted(values[:n], lower, side='left')
    hi = np.searchsorted(values[:n], upper, side='right')
    count = hi - lo
    if count == 0:
        return np.nan, np.nan, 0
    half = count // 2
    if count % 2 == 1:
        centre = values[lo + half]
        mad = _kth_deviation(values, lo, hi, centre, half)
    else:
        centre = (values[lo + half - 1] + values[lo + half]) * constants[0]
        mad = ((_kth_deviation(values, lo, hi, centre, half - 1)
                + _kth_deviation(values, lo, hi, centre, half)) * constants[0])
    return centre, mad * constants[1], count


@jit(nogil=True)
def box_statistics(data, mask, has_mask, box_y, box_x, first_row, last_row, sigma, maxiters,
                   good_threshold, constants, radix, background, rms, n_good):
    """Clipped median, MAD rms and pixel count of the boxes in mesh rows ``[first_row, last_row)``.

    Boxes are ``box_y x box_x`` pixels from the image origin; the last row
    and column of boxes may be partial, as in photutils. A box keeping at
    most ``good_threshold`` pixels after clipping gets NaN. Writes into
    ``background``, ``rms`` and ``n_good`` (mesh-shaped). ``radix``: the
    data are float32 (radix sort), else numba's sort is used.
    """
    ny, nx = data.shape
    n_columns = background.shape[1]
    size = box_y * box_x
    values = np.empty(size, data.dtype)
    sum1 = np.empty(size + 1)
    sum2 = np.empty(size + 1)
    keys = np.empty(size, np.uint32)
    spare = np.empty(size, np.uint32)
    count = np.empty((3, 2048), np.int64)
    for row in range(first_row, last_row):
        y0 = row * box_y
        y1 = min(y0 + box_y, ny)
        for column in range(n_columns):
            x0 = column * box_x
            x1 = min(x0 + box_x, nx)
            n = 0
            for y in range(y0, y1):
                for x in range(x0, x1):
                    v = data[y, x]
                    if np.isfinite(v) and not (has_mask and mask[y, x]):
                        values[n] = v
                        n += 1
            if n == 0:
                background[row, column] = np.nan
                rms[row, column] = np.nan
                n_good[row, column] = 0
                continue
            if radix:
                _radix_sort_f32(values, n, keys, spare, count)
            else:
                values[:n].sort()
            centre, scale, kept = _clipped_statistics(values, n, sigma, maxiters, constants,
                                                      sum1, sum2)
            n_good[row, column] = kept
            if kept <= good_threshold:
                background[row, column] = np.nan
                rms[row, column] = np.nan
            else:
                background[row, column] = centre
                rms[row, column] = scale


@jit(nogil=True)
def along_columns(coefficients, col_index, col_weight, x0, x1):
    """The coefficients interpolated along x: ``(n_mesh_rows, x1 - x0)`` float64."""
    n_rows = coefficients.shape[0]
    out = np.empty((n_rows, x1 - x0))
    for i in range(n_rows):
        for x in range(x0, x1):
            value = 0.0
            for m in range(4):
                value += col_weight[x, m] * coefficients[i, col_index[x, m]]
            out[i, x - x0] = value
    return out


@jit(nogil=True, error_model='numpy')
def evaluate_rows(data, mask, has_mask, y0, y1, x0, x1, row_index, row_weight,
                  background_along, rms_along, limits, single, what, out):
    """Background, rms, flux or signal-to-noise over pixels ``[y0:y1, x0:x1]``.

    ``background_along``, ``rms_along``: the spline coefficients
    interpolated along x over the window's columns (`along_columns`); each
    output row combines four of their rows. ``what`` is `BACKGROUND`, `RMS`,
    `FLUX` (``data - background``) or `SNR` (``(data - background) / rms``).
    Every result is what photutils' maps and numpy's arithmetic give: each
    map value rounded to the data type (``single``: float32) and clipped to
    the mesh range (``limits``: background min/max, rms min/max), the flux
    rounded to the data type before the division. Computing a float32
    operation in float64 and rounding once gives the float32 result exactly
    (53 >= 2 x 24 + 2 bits). Pixels that are not finite or are masked get
    NaN. Division follows numpy (a zero rms gives inf or NaN, no error).
    Writes ``out`` (``(y1 - y0, x1 - x0)``).
    """
    low_b, high_b, low_r, high_r = limits[0], limits[1], limits[2], limits[3]
    width = x1 - x0
    b = np.empty(width)
    r = np.empty(width)
    for y in range(y0, y1):
        _combine_rows(background_along, row_index[y], row_weight[y], single, low_b, high_b, b)
        if what != BACKGROUND:
            _combine_rows(rms_along, row_index[y], row_weight[y], single, low_r, high_r, r)
        row_data = data[y, x0:x1]
        row_out = out[y - y0]
        # Simple loops without branches, so that they vectorise.
        if what == BACKGROUND:
            for x in range(width):
                row_out[x] = b[x]
        elif what == RMS:
            for x in range(width):
                row_out[x] = r[x]
        elif what == FLUX:
            for x in range(width):
                row_out[x] = row_data[x] - b[x]
        elif single:
            for x in range(width):
                row_out[x] = np.float64(np.float32(row_data[x] - b[x])) / r[x]
        else:
            for x in range(width):
                row_out[x] = (row_data[x] - b[x]) / r[x]
        for x in range(width):          # NaN off the footprint: not finite, or masked
            v = row_data[x]
            if not (v - v == 0.0):
                row_out[x] = np.nan
        if has_mask:
            row_mask = mask[y, x0:x1]
            for x in range(width):
                if row_mask[x]:
                    row_out[x] = np.nan


@jit(nogil=True)
def _combine_rows(along, index, weight, single, low, high, out):
    """One output row of a map: four rows of ``along`` combined, rounded, clipped."""
    a0, a1, a2, a3 = along[index[0]], along[index[1]], along[index[2]], along[index[3]]
    w0, w1, w2, w3 = weight[0], weight[1], weight[2], weight[3]
    for x in range(out.size):
        value = w0 * a0[x] + w1 * a1[x] + w2 * a2[x] + w3 * a3[x]
        if single:
            value = np.float64(np.float32(value))
        value = value if value > low else low
        out[x] = value if value < high else high


@jit(nogil=True)
def evaluate_points(ys, xs, row_index, row_weight, col_index, col_weight, coefficients,
                    low, high, out):
    """Map values at pixels ``(ys, xs)``, summed as `along_columns` then `evaluate_rows`
    do (the same rounding), rounded to ``out``'s type and clipped to ``[low, high]``."""
    for p in range(ys.size):
        y, x = ys[p], xs[p]
        value = 0.0
        for k in range(4):
            along = 0.0
            for m in range(4):
                along += col_weight[x, m] * coefficients[row_index[y, k], col_index[x, m]]
            value += row_weight[y, k] * along
        out[p] = value
        if out[p] < low:
            out[p] = low
        if out[p] > high:
            out[p] = high


@jit(nogil=True)
def count_valid(data, mask, has_mask, y0, y1):
    """Number of finite, unmasked pixels in rows ``[y0, y1)``."""
    n = 0
    for y in range(y0, y1):
        for x in range(data.shape[1]):
            if np.isfinite(data[y, x]) and not (has_mask and mask[y, x]):
                n += 1
    return n


@jit(nogil=True)
def take_valid(data, mask, has_mask, y0, y1, seen, stride, out, taken):
    """Every ``stride``-th finite, unmasked pixel in C order (``data[valid][::stride]``),
    over rows ``[y0, y1)`` preceded by ``seen`` valid pixels, written from ``out[taken]``."""
    skip = (stride - seen % stride) % stride       # valid pixels before the next one taken
    for y in range(y0, y1):
        for x in range(data.shape[1]):
            v = data[y, x]
            if np.isfinite(v) and not (has_mask and mask[y, x]):
                if skip == 0:
                    out[taken] = v
                    taken += 1
                    skip = stride
                skip -= 1
    return taken


def zoom_taps(n_mesh, box, n_out):
    """Indices and weights of photutils' cubic zoom along one axis.

    Row ``p`` of the result gives the (at most four) spline coefficients
    that `scipy.ndimage.zoom` (``order=3, mode='reflect', grid_mode=True``,
    as `photutils.background.Background2D` calls it) combines into output
    pixel ``p``, read from zoom itself applied to each unit vector without
    prefiltering.

    Returns
    -------
    index : ndarray of int64, shape (n_out, 4)
    weight : ndarray of float64, shape (n_out, 4)
        Unused taps have weight 0.
    """
    dense = np.empty((n_out, n_mesh))
    unit = np.zeros(n_mesh)
    for i in range(n_mesh):
        unit[:] = 0.0
        unit[i] = 1.0
        dense[:, i] = zoom(unit, box, order=3, mode='reflect', grid_mode=True,
                           prefilter=False)[:n_out]
    nonzero = dense != 0
    if nonzero.sum(axis=1).max() > 4:
        raise RuntimeError('a cubic zoom combines more than four coefficients')
    # The non-zero columns first (stable), padded with zero weights (adding
    # 0 x a coefficient changes no sum).
    if n_mesh < 4:
        dense = np.hstack((dense, np.zeros((n_out, 4 - n_mesh))))
    index = np.argsort(~(dense != 0), axis=1, kind='stable')[:, :4]
    weight = np.take_along_axis(dense, index, axis=1)
    index = np.minimum(index, n_mesh - 1)     # padding columns point at a real coefficient
    return np.ascontiguousarray(index, np.int64), np.ascontiguousarray(weight)
