"""Brightest-first suppression of neighbours, exact and fast.

The research cleaned a catalogue with a loop over the sources sorted by flux,
brightest first: each source still in the catalogue deleted every fainter
source it "reached" (closer than a duplicate radius, or inside its rejection
radius and faint enough). A deleted source deletes nothing. The result is
fully determined by the directed graph of "i may reject j" pairs, which
only ever point from a brighter to a fainter source:

1. the pairs are found with one KD-tree (`lotss_tools.neighbours.SkyTree`):
   a fixed-radius search for the many sources with small radii, a search
   with one radius per source for the few bright ones (`reach_pairs`);
2. the graph is walked once in flux order (a compiled loop, O(N + pairs)):
   a source that no kept brighter source reaches is kept, and rejects its
   out-neighbours that are still present.

This gives exactly the research result (including chains: when A rejects B,
B does not reject C) in O(N log N) instead of O(N^2).
"""

import numpy as np
from astropy import units as u
from .._numba import jit

from ..neighbours import SkyTree

__all__ = ['reach_pairs', 'suppress_in_order']


def reach_pairs(coords, radius, *, tree=None, split_quantile=0.98):
    """Pairs ``i < j`` with ``j`` closer to ``i`` than ``radius[i]``.

    Sources are numbered in processing order, so ``i`` is the source that
    may reject ``j``. Most radii are small: pairs within the
    ``split_quantile`` quantile of the radii come from one fixed-radius
    search of the whole tree (`~lotss_tools.neighbours.SkyTree.self_pairs`);
    the few sources with larger radii are searched one radius each
    (`~lotss_tools.neighbours.SkyTree.within`).

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
        Positions, in processing order.
    radius : `~astropy.units.Quantity`
        Reach of each source (angle, one per source).
    tree : `~lotss_tools.neighbours.SkyTree`, optional
        A tree already built on ``coords``.
    split_quantile : float
        Quantile of the radii up to which the fixed-radius search is used.

    Returns
    -------
    i, j : `~numpy.ndarray` of int
        The pairs, sorted by ``i`` then ``j``.
    separation : `~astropy.units.Quantity`
        Their separations (arcsec), strictly smaller than ``radius[i]``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> coords = SkyCoord([0, 0, 0] * u.deg, [0, 10, 20] * u.arcsec)
    >>> i, j, sep = reach_pairs(coords, [25, 5, 15] * u.arcsec)
    >>> list(zip(i.tolist(), j.tolist()))        # source 1 reaches 5 arcsec: nothing
    [(0, 1), (0, 2)]
    """
    n = len(coords)
    radius = np.nan_to_num(u.Quantity(radius, u.arcsec).value, nan=0.0)
    empty = (np.zeros(0, int), np.zeros(0, int), np.zeros(0) * u.arcsec)
    if n < 2 or not np.any(radius > 0):
        return empty
    tree = SkyTree(coords) if tree is None else tree
    cut = float(np.quantile(radius, split_quantile))
    parts = []
    if cut > 0:
        a, b, sep = tree.self_pairs(cut * u.arcsec)
        sep = sep.to_value(u.arcsec)
        near = (sep < radius[a]) & (radius[a] <= cut)
        parts.append((a[near], b[near], sep[near]))
    wide = np.flatnonzero(radius > cut)
    if wide.size:
        found = tree.within(coords[wide], radius[wide] * u.arcsec)
        counts = np.fromiter(map(len, found), int, wide.size)
        i = np.repeat(wide, counts)
        j = np.fromiter((k for group in found for k in group), int, counts.sum())
        later = j > i
        i, j = i[later], j[later]
        chord = np.linalg.norm(tree.vectors[i] - tree.vectors[j], axis=1)
        sep = (2 * np.arcsin(np.clip(0.5 * chord, 0, 1)) * u.radian).to_value(u.arcsec)
        near = sep < radius[i]
        parts.append((i[near], j[near], sep[near]))
    i, j, sep = (np.concatenate(p) for p in zip(*parts))
    order = np.lexsort((j, i))
    return i[order], j[order], sep[order] * u.arcsec


@jit(nogil=True)
def _walk(n, start, target, kind):
    rejected_by = np.full(n, -1, np.int64)
    reason = np.full(n, -1, np.int8)
    for i in range(n):
        if rejected_by[i] >= 0:
            continue                      # a rejected source rejects nothing
        for e in range(start[i], start[i + 1]):
            j = target[e]
            if rejected_by[j] < 0:
                rejected_by[j] = i
                reason[j] = kind[e]
    return rejected_by, reason


def suppress_in_order(n, i, j, kind):
    """Walk "i may reject j" pairs in order, as the research loop did.

    Parameters
    ----------
    n : int
        Number of sources, numbered in processing order (brightest first).
    i, j : `~numpy.ndarray` of int
        Pairs with ``i < j``: source ``i`` rejects ``j`` if ``i`` is kept
        and ``j`` is still present when ``i`` is processed.
    kind : `~numpy.ndarray` of int
        A code per pair, reported for the rejected source; where several
        pairs join the same two sources the smallest code is used.

    Returns
    -------
    rejected_by : `~numpy.ndarray` of int
        For each source, the index of the source that rejected it, or -1
        for the kept ones. It is always the first kept source that reaches it.
    reason : `~numpy.ndarray` of int8
        The ``kind`` of that pair, -1 for the kept sources.

    Examples
    --------
    A chain: 0 reaches 1 and 1 reaches 2, so 1 is rejected and 2 is kept.

    >>> import numpy as np
    >>> rejected_by, reason = suppress_in_order(3, np.array([0, 1]), np.array([1, 2]),
    ...                                         np.array([0, 0]))
    >>> rejected_by.tolist()
    [-1, 0, -1]
    """
    i, j, kind = (np.asarray(a, np.int64) for a in (i, j, kind))
    if np.any(i >= j):
        raise ValueError('every pair must go from an earlier to a later source (i < j).')
    order = np.lexsort((kind, j, i))
    i, j, kind = i[order], j[order], kind[order]
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=start[1:])
    rejected_by, reason = _walk(n, start, j, kind.astype(np.int8))
    return rejected_by, reason
