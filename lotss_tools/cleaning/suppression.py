"""Brightest-first suppression of neighbours, exact and fast.

The research cleaned a catalogue with a loop over the sources sorted by flux,
brightest first: each source still in the catalogue deleted every fainter
source it "reached" (closer than a duplicate radius, or inside its rejection
radius and faint enough). A deleted source deletes nothing. The result is
fully determined by the directed graph of "i may reject j" pairs, which
only ever point from a brighter to a fainter source:

1. the pairs are found with a KD-tree (`lotss_tools.neighbours.SkyTree`,
   whose `~lotss_tools.neighbours.SkyTree.iter_pairs_within` searches with
   one radius per source and returns arrays; `reach_pairs` is the plain
   version). `~lotss_tools.cleaning.CatalogCleaner` searches each test only
   among the sources that it can reject, which is exact and much faster
   around very bright sources;
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
    may reject ``j``. The search is
    `~lotss_tools.neighbours.SkyTree.iter_pairs_within`: one fixed-radius
    search for the radii up to the ``split_quantile`` quantile, groups of
    similar radius for the few larger ones.

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
    if len(coords) < 2:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0) * u.arcsec
    tree = SkyTree(coords) if tree is None else tree
    parts = [(i, j, sep.to_value(u.arcsec)) for i, j, sep in
             tree.iter_pairs_within(radius, split_quantile=split_quantile)]
    if not parts:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0) * u.arcsec
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
            elif rejected_by[j] == i and kind[e] < reason[j]:
                reason[j] = kind[e]          # a repeated pair: the smallest code
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
    order = np.argsort(i, kind='stable')       # the out-pairs of each source together
    i, j, kind = i[order], j[order], kind[order]
    start = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=start[1:])
    rejected_by, reason = _walk(n, start, j, kind.astype(np.int8))
    return rejected_by, reason
