"""Compiled dendrogram backend reproducing `astrodendro.Dendrogram.compute`.

The algorithm is the one of astrodendro 0.3 (``Dendrogram.compute`` with its
default ``neighbours`` and the ``min_delta``/``min_npix`` independence tests),
re-implemented as a union-find over the pixels sorted by decreasing value and
compiled with numba. For the same image and parameters it yields the same
structures as astrodendro: same structure ids, same ``index_map``, same
parent/child relations, same leaves.

Semantics reproduced (astrodendro 0.3.1)
----------------------------------------
* Pixels with ``data > min_value`` take part (NaN never does). They are
  visited in the order ``np.argsort(data[data > min_value])[::-1]``; this
  exact numpy call is made here too, so ties are broken identically.
* Neighbours are face-connected (4-connectivity in 2-D).
* A pixel touching no structure starts a leaf; touching one structure (the
  ancestor of the neighbouring pixels' structures) it joins it. Touching
  several, each adjacent *leaf* whose peak equals the pixel value, or whose
  ``peak - value < min_delta`` or whose pixel count ``< min_npix`` is merged
  into the structure the pixel joins. If no structure is left, the pixel
  joins the merged leaf with the largest id; if one is left, it joins that
  one; otherwise a new branch is created with the pixel as its first pixel
  and the remaining structures as children.
* At the end, trunk leaves (leaves without parent) that fail
  ``vmax - vmin >= min_delta`` or ``npix >= min_npix`` are removed (their
  pixels get ``-1``). No other pruning takes place.
* Structure ids are the rank of each structure's smallest own pixel (C order).

Arithmetic is done in the data type, as in astrodendro: for float32 images
``peak - value`` is computed in float32 and compared with ``min_delta`` in
``np.result_type(np.float32, min_delta)`` (float32 for a Python float,
float64 for a ``np.float64``; numpy >= 2 promotion rules, NEP 50). Other
dtypes (integers, float16) are handled in float64; for integers this is
exact as long as values are below 2**53 in magnitude and differences do not
overflow the integer type.

Cost: one ``np.argsort`` of the ``n`` selected values plus O(n) near-linear
union-find work; memory is one int32 image plus about 60 bytes per selected
pixel (int32/int64 work arrays, the sorted values), freed on return.
"""

import numbers
import operator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from .._numba import jit

__all__ = ['DendrogramStructures', 'compute_dendrogram']

_MAX_PIXELS = np.iinfo(np.int32).max - 1


# ---------------------------------------------------------------------------
# Compiled kernels
# ---------------------------------------------------------------------------

@jit(nogil=True, inline='always')
def _find(forest, s):
    """Return the root of ``s`` in a union-find forest, compressing paths."""
    root = s
    while forest[root] != root:
        root = forest[root]
    while forest[s] != root:
        nxt = forest[s]
        forest[s] = root
        s = nxt
    return root


@jit(nogil=True, inline='always')
def _is_independent(vmax, npix, value, delta, min_npix):
    """astrodendro's merge-time test: ``vmax - value >= delta`` and npix."""
    return (vmax - value) >= delta and npix >= min_npix


@jit(nogil=True, inline='always')
def _new_structure(s, value, step, up, alias, parent, nchild, vmax, vmin, npix, birth):
    """Initialise structure ``s`` with a pixel of ``value`` visited at ``step``."""
    up[s] = s
    alias[s] = s
    parent[s] = -1
    nchild[s] = 0
    vmax[s] = value
    vmin[s] = value
    npix[s] = 1
    birth[s] = step


@jit(nogil=True, inline='always')
def _adjacent_roots(p, ncols, nrows, label, up, adj):
    """Distinct ancestors of the structures of the 4 neighbours of ``p``."""
    r = p // ncols
    c = p - r * ncols
    nadj = 0
    last = -1
    for d in range(4):
        if d == 0:
            if c + 1 >= ncols:
                continue
            q = p + 1
        elif d == 1:
            if r + 1 >= nrows:
                continue
            q = p + ncols
        elif d == 2:
            if c == 0:
                continue
            q = p - 1
        else:
            if r == 0:
                continue
            q = p - ncols
        s = label[q]
        if s < 0 or s == last:
            continue
        last = s
        a = _find(up, s)
        new = True
        for j in range(nadj):
            if adj[j] == a:
                new = False
        if new:
            adj[nadj] = a
            nadj += 1
    return nadj


@jit(nogil=True, inline='always')
def _sort_small(a, n):
    """Insertion sort of ``a[:n]`` in place (n <= 4)."""
    for j in range(1, n):
        x = a[j]
        m = j - 1
        while m >= 0 and a[m] > x:
            a[m + 1] = a[m]
            m -= 1
        a[m + 1] = x


@jit(nogil=True)
def _grow(sflat, svalues, order, ncols, delta, min_npix,
          label, up, alias, parent, nchild, vmax, vmin, npix, birth):
    """Build the tree, visiting pixels from the end of the sorted arrays.

    ``sflat``/``svalues`` are the flat indices/values sorted by
    ``order = np.argsort(values)``. Structure ids during the build are
    astrodendro's ``idx - 1``: the position, in the unsorted (C-order)
    ``values``, of the pixel that created the structure. ``label`` (full
    image) receives, per visited pixel, the id of the structure it was added
    to; ``alias`` records leaf merges and ``up`` is the union-find towards
    the current ancestor. Values arrive in non-increasing order, so the
    structure receiving a pixel always gets ``vmin = value`` and keeps its
    ``vmax``.
    """
    n = svalues.size
    nrows = label.size // ncols
    adj = np.empty(4, np.int64)
    keep = np.empty(4, np.int64)
    merge = np.empty(4, np.int64)
    for k in range(n - 1, -1, -1):
        v = svalues[k]
        p = sflat[k]
        nadj = _adjacent_roots(p, ncols, nrows, label, up, adj)
        if nadj == 0:
            i = order[k]
            _new_structure(i, v, n - 1 - k, up, alias, parent, nchild, vmax, vmin, npix, birth)
            label[p] = i
            continue
        if nadj == 1:
            b = adj[0]
            npix[b] += 1
            vmin[b] = v
            label[p] = b
            continue

        _sort_small(adj, nadj)  # astrodendro sorts the adjacent structures by idx
        nkeep = 0
        nmerge = 0
        for j in range(nadj):
            s = adj[j]
            if nchild[s] == 0 and (vmax[s] == v or not _is_independent(
                    vmax[s], npix[s], v, delta, min_npix)):
                merge[nmerge] = s
                nmerge += 1
            else:
                keep[nkeep] = s
                nkeep += 1

        if nkeep == 0:
            nmerge -= 1
            b = merge[nmerge]  # merge.pop(): the leaf with the largest idx
            npix[b] += 1
        elif nkeep == 1:
            b = keep[0]
            npix[b] += 1
        else:
            b = order[k]
            _new_structure(b, v, n - 1 - k, up, alias, parent, nchild, vmax, vmin, npix, birth)
            nchild[b] = nkeep
            for j in range(nkeep):
                parent[keep[j]] = b
                up[keep[j]] = b
        vmin[b] = v
        label[p] = b
        for j in range(nmerge):  # astrodendro Structure._merge
            m = merge[j]
            npix[b] += npix[m]
            if vmax[m] > vmax[b]:
                vmax[b] = vmax[m]
            alias[m] = b
            up[m] = b


@jit(nogil=True)
def _finalize(label, alias, parent, nchild, vmax, vmin, npix, delta, min_npix, floor):
    """Remove failing trunk leaves, renumber, turn ``label`` into index_map.

    An isolated leaf's height is ``vmax - vmin`` (astrodendro), or
    ``vmax - floor`` when ``floor`` is not NaN. Returns the old id of every
    final structure, ordered by new id, and the new parent ids.
    """
    n = alias.size
    newid = np.full(n, -1, np.int64)
    for s in range(n):
        low = vmin[s] if np.isnan(floor) else floor
        if (alias[s] == s and parent[s] < 0 and nchild[s] == 0 and not
                ((vmax[s] - low) >= delta and npix[s] >= min_npix)):
            newid[s] = -2  # orphan leaf removed by astrodendro's _make_trunk
    count = 0
    old_of_new = np.empty(n, np.int64)
    for p in range(label.size):  # C order: first pixel met = smallest index
        s = label[p]
        if s < 0:
            continue
        s = _find(alias, s)
        t = newid[s]
        if t == -2:
            label[p] = -1
            continue
        if t == -1:
            t = count
            newid[s] = t
            old_of_new[t] = s
            count += 1
        label[p] = t
    old_of_new = old_of_new[:count]
    new_parent = np.empty(count, np.int32)
    for t in range(count):
        ps = parent[old_of_new[t]]
        new_parent[t] = -1 if ps < 0 else newid[ps]
    return old_of_new, new_parent


@jit(nogil=True)
def _subtree_stats(imap_flat, data_flat, parent, birth, vmax, vmin, npix):
    """Subtree pixel counts, subtree peaks (value, first pixel), heights."""
    n = parent.size
    peak = np.full(n, -np.inf)
    peak_pix = np.full(n, -1, np.int64)
    for p in range(imap_flat.size):
        s = imap_flat[p]
        if s >= 0 and data_flat[p] > peak[s]:
            peak[s] = data_flat[p]
            peak_pix[s] = p
    # astrodendro Structure.height: vmax for a leaf, min of children's vmin
    height = vmax.copy()
    seen = np.zeros(n, np.bool_)
    for s in range(n):
        ps = parent[s]
        if ps >= 0 and (not seen[ps] or vmin[s] < height[ps]):
            height[ps] = vmin[s]
            seen[ps] = True
    # children are born before their parent: increasing birth is bottom-up
    npix_sub = npix.copy()
    for s in np.argsort(birth):
        ps = parent[s]
        if ps < 0:
            continue
        npix_sub[ps] += npix_sub[s]
        if peak[s] > peak[ps] or (peak[s] == peak[ps] and peak_pix[s] < peak_pix[ps]):
            peak[ps] = peak[s]
            peak_pix[ps] = peak_pix[s]
    return npix_sub, peak, peak_pix, height


@jit(nogil=True)
def _propagate_down(marks, parent, birth):
    """Give every structure the nearest mark on its path to the trunk."""
    out = marks.copy()
    for s in np.argsort(birth)[::-1]:  # top-down
        if out[s] == 0 and parent[s] >= 0:
            out[s] = out[parent[s]]
    return out


@jit(nogil=True)
def _pixel_index(imap_flat, parent, npix):
    """Flat pixel indices grouped so that every subtree is contiguous.

    Structures are laid out in prefix order (children by increasing id);
    returns the pixel array and each structure's offset into it.
    """
    n = parent.size
    nch = np.zeros(n + 1, np.int64)
    for s in range(n):
        if parent[s] >= 0:
            nch[parent[s] + 1] += 1
    for s in range(n):
        nch[s + 1] += nch[s]
    children = np.empty(max(nch[n], 1), np.int64)
    fill = nch[:n].copy()
    for s in range(n):
        ps = parent[s]
        if ps >= 0:
            children[fill[ps]] = s
            fill[ps] += 1
    offset = np.empty(n, np.int64)
    stack = np.empty(n, np.int64)
    pos = 0
    for t in range(n - 1, -1, -1):
        if parent[t] >= 0:
            continue
        top = 0
        stack[0] = t
        top = 1
        while top > 0:
            top -= 1
            s = stack[top]
            offset[s] = pos
            pos += npix[s]
            for j in range(nch[s + 1] - 1, nch[s] - 1, -1):
                stack[top] = children[j]
                top += 1
    pixels = np.empty(pos, np.int64)
    cursor = offset.copy()
    for p in range(imap_flat.size):
        s = imap_flat[p]
        if s >= 0:
            pixels[cursor[s]] = p
            cursor[s] += 1
    return pixels, offset


# ---------------------------------------------------------------------------
# Result object
# ---------------------------------------------------------------------------

def _read_only(array):
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class DendrogramStructures:
    """Structures of a dendrogram, indexed by structure id.

    Ids run from 0 to ``n_structures - 1`` and equal astrodendro's
    ``Structure.idx`` for the same input and parameters. Per-structure
    arrays are read-only.

    Attributes
    ----------
    index_map : ndarray of int32, shape of the image
        Id of the structure owning each pixel (excluding sub-structures),
        ``-1`` where no structure; as ``astrodendro.Dendrogram.index_map``.
    parent : ndarray of int32
        Parent id of each structure, ``-1`` for trunk structures.
    is_leaf : ndarray of bool
        Whether each structure has no children.
    vmax, vmin : ndarray
        Maximum and minimum of the structure's own pixels (astrodendro
        ``Structure.vmax``/``vmin``), in the arithmetic dtype.
    height : ndarray
        astrodendro ``Structure.height``: ``vmax`` for leaves, the minimum
        ``vmin`` of the children for branches.
    npix, npix_subtree : ndarray of int64
        Number of own pixels, and of pixels including all sub-structures.
    peak_value : ndarray of float64
        Maximum value over the structure and its sub-structures.
    peak_pixel : ndarray of int64
        Flat (C-order) index of that maximum; ties go to the smallest index.
    birth : ndarray of int64
        Step (0 = first visited pixel) at which the structure was created;
        children are always born before their parent.
    min_value, min_delta : float
        Parameters used.
    min_npix : int
        Parameter used.
    """

    index_map: np.ndarray
    parent: np.ndarray
    is_leaf: np.ndarray
    vmax: np.ndarray
    vmin: np.ndarray
    height: np.ndarray
    npix: np.ndarray
    npix_subtree: np.ndarray
    peak_value: np.ndarray
    peak_pixel: np.ndarray
    birth: np.ndarray
    min_value: float
    min_delta: float
    min_npix: int

    def __post_init__(self):
        for name in ('index_map', 'parent', 'is_leaf', 'vmax', 'vmin', 'height',
                     'npix', 'npix_subtree', 'peak_value', 'peak_pixel', 'birth'):
            _read_only(getattr(self, name))

    def __len__(self):
        return self.n_structures

    def __repr__(self):
        return (f'<DendrogramStructures shape={self.shape} '
                f'n_structures={self.n_structures} n_leaves={self.leaves.size}>')

    @property
    def shape(self):
        """Shape of the image."""
        return self.index_map.shape

    @property
    def n_structures(self):
        """Number of structures (leaves and branches)."""
        return self.parent.size

    @cached_property
    def leaves(self):
        """Ids of the leaves, increasing."""
        return _read_only(np.flatnonzero(self.is_leaf))

    @cached_property
    def trunk(self):
        """Ids of the structures without parent, increasing."""
        return _read_only(np.flatnonzero(self.parent < 0))

    @cached_property
    def ancestor(self):
        """Trunk id of every structure (itself for trunk structures)."""
        marks = np.where(self.parent < 0, np.arange(1, self.n_structures + 1), 0)
        return _read_only(_propagate_down(marks, self.parent, self.birth) - 1)

    def children(self, sid):
        """Ids of the children of structure ``sid``, increasing."""
        self._check_id(sid)
        return np.flatnonzero(self.parent == sid)

    @cached_property
    def _pixel_index(self):
        pixels, offset = _pixel_index(self.index_map.ravel(), self.parent, self.npix)
        return _read_only(pixels), offset

    def structure_pixels(self, sid, subtree=True):
        """Flat (C-order) pixel indices of a structure.

        Parameters
        ----------
        sid : int
            Structure id.
        subtree : bool, optional
            Include the pixels of all sub-structures (default, as in
            astrodendro), else only the structure's own pixels.

        Returns
        -------
        ndarray of int64
            Own pixels in increasing order, followed (with ``subtree``)
            by the pixels of the descendants. Read-only view.
        """
        self._check_id(sid)
        pixels, offset = self._pixel_index
        count = self.npix_subtree[sid] if subtree else self.npix[sid]
        return pixels[offset[sid]:offset[sid] + count]

    def structure_indices(self, sid, subtree=True):
        """Pixel coordinates ``(rows, cols)`` of a structure.

        Same convention as astrodendro's ``Structure.indices(subtree=...)``
        (the order of the pixels may differ); see `structure_pixels`.
        """
        return np.unravel_index(self.structure_pixels(sid, subtree), self.shape)

    def subtree_labels(self, structure_ids):
        """Label image of the subtrees of the given structures.

        Parameters
        ----------
        structure_ids : array-like of int
            Structure ids; label ``j + 1`` is given to every pixel of the
            subtree of ``structure_ids[j]``. For nested ids the innermost
            structure wins.

        Returns
        -------
        ndarray of int32
            Label image, 0 where no listed subtree.
        """
        ids = np.asarray(structure_ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.n_structures):
            raise ValueError('structure id out of range')
        marks = np.zeros(self.n_structures, np.int32)
        marks[ids] = np.arange(1, ids.size + 1, dtype=np.int32)
        per_structure = _propagate_down(marks, self.parent, self.birth)
        lookup = np.concatenate((per_structure, np.zeros(1, np.int32)))
        return lookup[self.index_map]  # index -1 picks the trailing 0

    def leaf_labels(self):
        """Label image of the leaves: ``j + 1`` for ``leaves[j]``, else 0."""
        return self.subtree_labels(self.leaves)

    def trunk_labels(self):
        """Label image of whole trunk subtrees: ``j + 1`` for ``trunk[j]``."""
        return self.subtree_labels(self.trunk)

    def _check_id(self, sid):
        if not 0 <= sid < self.n_structures:
            raise IndexError(f'structure id {sid} out of range '
                             f'[0, {self.n_structures})')


# ---------------------------------------------------------------------------
# Parameter handling
# ---------------------------------------------------------------------------

def _is_real_scalar(x):
    return (isinstance(x, (numbers.Real, np.floating, np.integer))
            and not isinstance(x, (bool, np.bool_)))


def _validate_data(data):
    data = np.asarray(data)
    if data.dtype.kind not in 'fiu':
        raise TypeError(f'data must be a real numeric array, not {data.dtype}')
    if data.ndim != 2:
        raise ValueError(f'data must be 2-D, got {data.ndim} dimension(s)')
    if data.size > _MAX_PIXELS:
        raise ValueError(f'image too large ({data.size} pixels)')
    return data


def _resolve_min_value(data, min_value):
    if isinstance(min_value, str):
        if min_value != 'min':
            raise ValueError(f"min_value must be a number or 'min', not {min_value!r}")
        finite = data[np.isfinite(data)]
        if finite.size == 0:
            raise ValueError("min_value='min' needs at least one finite pixel")
        return np.min(finite) - 1  # as astrodendro
    if not _is_real_scalar(min_value) or np.isnan(min_value):
        raise ValueError(f'min_value must be a real number or "min", not {min_value!r}')
    return min_value


def _validate_min_delta(min_delta):
    if not _is_real_scalar(min_delta) or not np.isfinite(min_delta) or min_delta < 0:
        raise ValueError(f'min_delta must be a finite number >= 0, not {min_delta!r}')
    return min_delta


def _validate_min_npix(min_npix):
    if isinstance(min_npix, (bool, np.bool_)):
        raise ValueError('min_npix must be an integer >= 0, not a bool')
    try:
        value = operator.index(min_npix)
    except TypeError:
        raise ValueError(f'min_npix must be an integer >= 0, not {min_npix!r}') from None
    if value < 0:
        raise ValueError(f'min_npix must be an integer >= 0, not {value}')
    return value


def _arithmetic_types(dtype, min_delta):
    """Value dtype used for arithmetic and ``min_delta`` cast for comparison."""
    arith = np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
    compare = np.result_type(arith, min_delta)
    if compare not in (np.float32, np.float64):
        compare = np.dtype(np.float64)
    return arith, compare.type(min_delta)


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------

def compute_dendrogram(data, min_value, min_delta=0.0, min_npix=0, *, isolated_floor=None):
    """Compute the dendrogram of a 2-D image, identical to astrodendro's.

    Equivalent to ``astrodendro.Dendrogram.compute(data, min_value,
    min_delta, min_npix)`` (default neighbours, no custom
    ``is_independent``), with the same structure ids.

    Parameters
    ----------
    data : array-like, 2-D
        Image; NaN pixels never belong to a structure.
    min_value : float or 'min'
        Only pixels with ``data > min_value`` are used. ``'min'`` means the
        minimum finite value minus one, as in astrodendro.
    min_delta : float, optional
        Minimum height of a leaf above the level where it merges (or above
        its lowest pixel for an isolated leaf). Must be finite and >= 0.
    min_npix : int, optional
        Minimum number of pixels of a leaf. Must be >= 0.
    isolated_floor : float, optional
        Measure the height of an isolated leaf (one that never merges) from
        this level instead of from its lowest pixel: it is kept when
        ``vmax - isolated_floor >= min_delta``. astrodendro's rule
        (``vmax - vmin``) drops every structure of a single pixel, which is
        what an unresolved source is on an undersampled image (a beam of
        fewer than about 2.5 pixels); the extractor passes ``min_value``
        there, and gives astrodendro the same rule through ``is_independent``.
        Default: astrodendro's rule.

    Returns
    -------
    DendrogramStructures
        Structures, index map and per-structure properties.

    Raises
    ------
    TypeError
        If ``data`` is not a real numeric array.
    ValueError
        If ``data`` is not 2-D or a parameter is invalid.
    """
    data = _validate_data(data)
    min_value = _resolve_min_value(data, min_value)
    min_delta = _validate_min_delta(min_delta)
    min_npix = _validate_min_npix(min_npix)
    floor = np.nan if isolated_floor is None else isolated_floor
    if isolated_floor is not None and not (_is_real_scalar(floor) and np.isfinite(floor)):
        raise ValueError(f'isolated_floor must be a finite number, not {isolated_floor!r}')

    # Exactly astrodendro's selection and visiting order (ties included).
    keep = data > min_value
    values = data[keep]
    order = np.argsort(values)  # visited from the end
    sflat = np.flatnonzero(keep)[order]
    del keep

    arith, delta = _arithmetic_types(data.dtype, min_delta)
    svalues = values[order].astype(arith, copy=False)
    del values
    n = svalues.size
    label = np.full(data.size, -1, np.int32)
    up = np.empty(n, np.int32)
    alias = np.full(n, -1, np.int32)
    parent = np.empty(n, np.int32)
    nchild = np.empty(n, np.int32)
    vmax = np.empty(n, arith)
    vmin = np.empty(n, arith)
    npix = np.empty(n, np.int64)
    birth = np.empty(n, np.int64)
    if n:
        _grow(sflat, svalues, order, data.shape[1], delta, min_npix,
              label, up, alias, parent, nchild, vmax, vmin, npix, birth)
    del sflat, svalues, order, up
    old, new_parent = _finalize(label, alias, parent, nchild, vmax, vmin,
                                npix, delta, min_npix, arith.type(floor))
    is_leaf = nchild[old] == 0
    vmax, vmin, npix, birth = vmax[old], vmin[old], npix[old], birth[old]
    del alias, parent, nchild

    data_flat = np.ascontiguousarray(data, dtype=arith).ravel()
    npix_sub, peak, peak_pix, height = _subtree_stats(
        label, data_flat, new_parent, birth, vmax, vmin, npix)
    return DendrogramStructures(
        index_map=label.reshape(data.shape), parent=new_parent, is_leaf=is_leaf,
        vmax=vmax, vmin=vmin, height=height, npix=npix, npix_subtree=npix_sub,
        peak_value=peak, peak_pixel=peak_pix, birth=birth,
        min_value=float(min_value), min_delta=float(min_delta), min_npix=min_npix)
