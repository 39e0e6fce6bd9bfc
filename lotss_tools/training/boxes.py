"""Axis-aligned boxes: intersection over union and non-maximum suppression.

A box is ``(xmin, ymin, xmax, ymax)`` in continuous pixel coordinates (the
package convention: pixel centres at integers, so pixel ``j`` spans ``j -
0.5 .. j + 0.5``); its area is ``(xmax - xmin) * (ymax - ymin)``. Arrays of
boxes have shape ``(n, 4)``.

Two overlap measures come from the research code (``Patch_Management.py``,
functions ``fct_classical_IoU`` and ``fct_IoU``):

- ``'classical'``: ``IoU = area(A & B) / area(A | B)``, in [0, 1]; 0 for
  disjoint boxes (and for two boxes of zero area).
- ``'centre_offset'``: ``IoU - d / c``, where ``d`` is the distance between
  the box centres and ``c`` the diagonal of the smallest box enclosing both,
  in (-1, 1]. It penalises boxes whose centres are far apart even when they
  overlap. This is the research's variant of the distance-IoU (DIoU) of
  Zheng et al. (2020, AAAI 34, 12993), which uses ``(d / c)**2``; the
  research used ``d / c`` and so do we.

`nms` is greedy non-maximum suppression; `nms_across_patches` and
`nms_across_mosaics` run it on boxes found in overlapping patches of a mosaic,
or in overlapping mosaics, after bringing them to one pixel grid.
"""

import numpy as np
from scipy.spatial import cKDTree

__all__ = ['iou', 'nms', 'nms_across_patches', 'nms_across_mosaics', 'IOU_VARIANTS']

#: The overlap measures `iou` knows.
IOU_VARIANTS = ('classical', 'centre_offset')


def _as_boxes(boxes, name='boxes'):
    array = np.asarray(boxes, dtype=float)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f'{name} must have shape (n, 4) (xmin, ymin, xmax, ymax), not '
                         f'{np.shape(boxes)}.')
    if not np.all(np.isfinite(array)):
        raise ValueError(f'{name} contain NaN or infinite coordinates.')
    if np.any(array[:, 2] < array[:, 0]) or np.any(array[:, 3] < array[:, 1]):
        raise ValueError(f'{name} must have xmax >= xmin and ymax >= ymin.')
    return array


def _check_variant(variant):
    if variant not in IOU_VARIANTS:
        raise ValueError(f'variant must be one of {IOU_VARIANTS}, not {variant!r}.')


def _paired_iou(a, b, variant):
    """IoU of boxes ``a[..., :]`` and ``b[..., :]``, broadcast against each other."""
    ax0, ay0, ax1, ay1 = np.moveaxis(a, -1, 0)
    bx0, by0, bx1, by1 = np.moveaxis(b, -1, 0)
    inter = (np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0, None)
             * np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0, None))
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    with np.errstate(invalid='ignore', divide='ignore'):
        result = np.where(union > 0, inter / union, 0.0)
        if variant == 'centre_offset':
            distance = np.hypot(0.5 * (ax0 + ax1 - bx0 - bx1), 0.5 * (ay0 + ay1 - by0 - by1))
            diagonal = np.hypot(np.maximum(ax1, bx1) - np.minimum(ax0, bx0),
                                np.maximum(ay1, by1) - np.minimum(ay0, by0))
            result = result - np.where(diagonal > 0, distance / diagonal, 0.0)
    return result


def iou(boxes_a, boxes_b, variant='classical'):
    """Intersection over union of every box of ``boxes_a`` with every box of ``boxes_b``.

    Parameters
    ----------
    boxes_a, boxes_b : array-like, shape (n, 4) and (m, 4)
        Boxes ``(xmin, ymin, xmax, ymax)``; a single box may be given as a
        sequence of four numbers.
    variant : {'classical', 'centre_offset'}
        ``'classical'``: ``area(A & B) / area(A | B)``; ``'centre_offset'``:
        that minus ``d / c`` (centre distance over the diagonal of the
        enclosing box). See the module docstring.

    Returns
    -------
    iou : `~numpy.ndarray`, shape (n, m)

    Raises
    ------
    ValueError
        For boxes of the wrong shape, with non-finite coordinates or with
        ``xmax < xmin`` or ``ymax < ymin``.

    Examples
    --------
    Two 2x2 boxes sharing a 1x2 strip: intersection 2, union 6.

    >>> from lotss_tools.training import iou
    >>> iou([0, 0, 2, 2], [[1, 0, 3, 2], [5, 5, 6, 6]])
    array([[0.33333333, 0.        ]])

    Their centres are 1 apart and the enclosing box (3 x 2) has a diagonal
    of sqrt(13):

    >>> print(f"{iou([0, 0, 2, 2], [1, 0, 3, 2], 'centre_offset')[0, 0]:.4f}")
    0.0560
    """
    _check_variant(variant)
    a, b = _as_boxes(boxes_a, 'boxes_a'), _as_boxes(boxes_b, 'boxes_b')
    return _paired_iou(a[:, None, :], b[None, :, :], variant)


def _overlapping_pairs(boxes):
    """Pairs ``i < j`` of boxes that may intersect (a superset of the intersecting pairs)."""
    centres = 0.5 * (boxes[:, :2] + boxes[:, 2:])
    extent = float(np.max(boxes[:, 2:] - boxes[:, :2])) if len(boxes) else 0.0
    # Intersecting boxes have |dx| < (wa + wb) / 2 <= max extent (same for y).
    pairs = cKDTree(centres).query_pairs(extent, p=np.inf, output_type='ndarray')
    return pairs[:, 0], pairs[:, 1]


def nms(boxes, scores, threshold=0.5, variant='classical', min_score=None):
    """Greedy non-maximum suppression.

    Boxes are visited from the highest score down; a box is kept unless its
    IoU with an already kept box is larger than ``threshold``. Only boxes
    that can overlap are compared (a KD-tree on the box centres), so this
    runs on hundreds of thousands of boxes.

    Parameters
    ----------
    boxes : array-like, shape (n, 4)
        ``(xmin, ymin, xmax, ymax)`` in one pixel grid.
    scores : array-like, shape (n,)
        Higher is better (objectness, signal-to-noise, ...). Ties are broken
        by the order of the rows.
    threshold : float
        A box is suppressed when its IoU with a kept box is ``> threshold``
        (0 <= threshold <= 1).
    variant : {'classical', 'centre_offset'}
        The IoU of `iou`. The research code's intra-patch NMS
        (``NMS_1st``) used ``'centre_offset'``.
    min_score : float, optional
        Drop boxes scoring below this before suppression (the research used
        0.05 for network objectness).

    Returns
    -------
    keep : `~numpy.ndarray` of int
        Indices of the kept boxes, highest score first.

    Examples
    --------
    The second box overlaps the first with IoU 0.68 and scores lower; the
    third is alone.

    >>> from lotss_tools.training import nms
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 25, 25]]
    >>> nms(boxes, [0.9, 0.8, 0.5], threshold=0.5)
    array([0, 2])
    """
    _check_variant(variant)
    boxes = _as_boxes(boxes) if len(boxes) else np.zeros((0, 4))
    scores = np.asarray(scores, dtype=float).reshape(-1)
    if scores.shape != (len(boxes),):
        raise ValueError(f'need one score per box: {len(boxes)} boxes, {scores.size} scores.')
    if np.any(np.isnan(scores)):
        raise ValueError('scores contain NaN.')
    if not 0 <= threshold <= 1:
        raise ValueError(f'threshold must be between 0 and 1, not {threshold!r}.')
    candidates = np.arange(len(boxes))
    if min_score is not None:
        candidates = candidates[scores >= min_score]
    if candidates.size == 0:
        return np.zeros(0, int)
    order = candidates[np.argsort(-scores[candidates], kind='stable')]
    sub = boxes[order]                       # boxes in visiting order
    i, j = _overlapping_pairs(sub)           # positions in the visiting order
    conflict = _paired_iou(sub[i], sub[j], variant) > threshold
    first, later = np.minimum(i, j)[conflict], np.maximum(i, j)[conflict]
    by_first = np.argsort(first, kind='stable')
    first, later = first[by_first], later[by_first]
    starts = np.searchsorted(first, np.arange(order.size + 1))
    suppressed = np.zeros(order.size, bool)
    kept = []
    for position in range(order.size):
        if suppressed[position]:
            continue
        kept.append(position)
        suppressed[later[starts[position]:starts[position + 1]]] = True
    return order[np.asarray(kept, int)]


def nms_across_patches(boxes, scores, origins, threshold=0.5, variant='classical'):
    """NMS of boxes found in overlapping patches of one mosaic.

    Each box is shifted from its patch's pixel grid to the grid the patches
    were cut from (``box + origin``), where copies of one source seen in two
    overlapping patches coincide, and `nms` keeps the best-scoring copy.
    Boxes of one patch are compared with each other too.

    Parameters
    ----------
    boxes : array-like, shape (n, 4)
        Boxes in the pixel grid of their patch.
    scores : array-like, shape (n,)
    origins : array-like, shape (n, 2)
        ``(y0, x0)``: the pixel of the (pooled) mosaic at pixel ``(0, 0)``
        of each box's patch (`~lotss_tools.training.TrainingSet` records it
        for every patch).
    threshold : float
    variant : {'classical', 'centre_offset'}

    Returns
    -------
    keep : `~numpy.ndarray` of int
        Indices of the kept boxes, highest score first.

    Examples
    --------
    The same source seen by two patches whose origins differ by 240 pixels:

    >>> import numpy as np
    >>> boxes = [[245.0, 10, 250, 14], [5.0, 10, 10, 14]]
    >>> nms_across_patches(boxes, [0.7, 0.9], origins=[(0, 0), (0, 240)])
    array([1])
    """
    boxes = _as_boxes(boxes) if len(boxes) else np.zeros((0, 4))
    origins = np.asarray(origins, dtype=float).reshape(-1, 2)
    if len(origins) != len(boxes):
        raise ValueError(f'need one origin per box: {len(boxes)} boxes, {len(origins)} origins.')
    shift = np.column_stack([origins[:, 1], origins[:, 0], origins[:, 1], origins[:, 0]])
    return nms(boxes + shift, scores, threshold, variant)


def _corners_to_grid(boxes, wcs, reference_wcs):
    """Bounding boxes, in ``reference_wcs`` pixels, of boxes given in ``wcs`` pixels."""
    xs = boxes[:, [0, 2, 2, 0]]
    ys = boxes[:, [1, 1, 3, 3]]
    sky = wcs.pixel_to_world(xs.ravel(), ys.ravel())
    x, y = reference_wcs.world_to_pixel(sky)
    x, y = np.reshape(x, xs.shape), np.reshape(y, ys.shape)
    return np.column_stack([x.min(1), y.min(1), x.max(1), y.max(1)])


def nms_across_mosaics(boxes, scores, wcs, threshold=0.5, variant='classical',
                       reference_wcs=None):
    """NMS of boxes found in several overlapping mosaics.

    The four corners of every box are taken through the sky into the pixel
    grid of ``reference_wcs`` (default: the first mosaic's WCS), and each
    box is replaced there by the axis-aligned bounding box of its corners;
    `nms` then keeps the best-scoring copy of each source. (The 2024 research
    kept the copy from the patch with the lower rms: use ``-rms`` as score.)
    Boxes whose corners cannot be projected (for example beyond the
    horizon of a SIN projection) are always kept.

    Parameters
    ----------
    boxes : list of array-like, each (n_k, 4)
        Boxes of each mosaic, in that mosaic's pixel grid.
    scores : list of array-like, each (n_k,)
    wcs : list of `~astropy.wcs.WCS`
        The WCS of each mosaic's pixel grid (for boxes on pooled mosaics,
        `~lotss_tools.training.pooled_wcs`).
    threshold : float
    variant : {'classical', 'centre_offset'}
    reference_wcs : `~astropy.wcs.WCS`, optional
        The common grid; the first mosaic's WCS by default.

    Returns
    -------
    keep : list of `~numpy.ndarray` of int
        For each mosaic, the indices of its kept boxes, in increasing order.

    Examples
    --------
    >>> from astropy.wcs import WCS
    >>> def grid(ra):
    ...     w = WCS(naxis=2)
    ...     w.wcs.ctype = ['RA---SIN', 'DEC--SIN']
    ...     w.wcs.crval, w.wcs.crpix = [ra, 55.0], [50.0, 50.0]
    ...     w.wcs.cdelt = [-1 / 1200, 1 / 1200]   # 3 arcsec pixels
    ...     return w
    >>> # Two mosaics 32 pixels apart in RA: pixel x of the first is x + 32 in the second.
    >>> first = [[0.0, 0, 4, 4], [60, 60, 64, 64]]   # the second box ...
    >>> second = [[92.2, 60.3, 96.2, 64.3]]          # ... seen again, with a higher score
    >>> nms_across_mosaics([first, second], [[1.0, 1.0], [2.0]],
    ...                    [grid(218.0), grid(218.0 + 32 / 1200 / 0.573576)])
    [array([0]), array([0])]
    """
    if not (len(boxes) == len(scores) == len(wcs)):
        raise ValueError(f'need boxes, scores and a WCS for every mosaic: got {len(boxes)}, '
                         f'{len(scores)} and {len(wcs)}.')
    if len(boxes) == 0:
        return []
    reference_wcs = wcs[0] if reference_wcs is None else reference_wcs
    grids, all_scores, counts = [], [], []
    for k, (b, s, w) in enumerate(zip(boxes, scores, wcs)):
        b = _as_boxes(b, f'boxes of mosaic {k}') if len(b) else np.zeros((0, 4))
        s = np.asarray(s, dtype=float).reshape(-1)
        if s.size != len(b):
            raise ValueError(f'mosaic {k}: {len(b)} boxes but {s.size} scores.')
        grids.append(_corners_to_grid(b, w, reference_wcs) if len(b) else b)
        all_scores.append(s)
        counts.append(len(b))
    common = np.concatenate(grids)
    scores_all = np.concatenate(all_scores)
    finite = np.all(np.isfinite(common), axis=1)
    keep = np.zeros(len(common), bool)
    keep[~finite] = True
    index = np.flatnonzero(finite)
    keep[index[nms(common[finite], scores_all[finite], threshold, variant)]] = True
    bounds = np.cumsum([0] + counts)
    return [np.flatnonzero(keep[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]
