"""The assignment algorithm: one-to-one sky matching of two catalogues.

Candidate pairs closer than the radius are found with a KD-tree
(`lotss_tools.neighbours`); each source is then used at most once, on both
sides. Two rules choose among the candidates:

``'optimal'`` (default)
    The most pairs and, among all assignments with that many pairs, the
    smallest total separation. Sources whose only candidate is each other
    (the vast majority at survey densities) are paired directly; every group
    of mutually reachable sources with more than one candidate pair is
    solved, all groups at once, as one sparse linear assignment problem
    (`scipy.sparse.csgraph.min_weight_full_bipartite_matching`).
``'nearest'``
    Closest pair first: the globally closest candidate pair is accepted, its
    two sources removed, and so on. Simple and fast, but in crowded fields it
    can leave sources unmatched that the optimal rule pairs.

Both are independent of the order of the rows (up to exact ties in
separation). The research code's rule -- each catalogue row, in input
order, takes its nearest unused reference -- depends on the row order and is
not provided.
"""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching

from ..neighbours import pairs_within
from ..radii import MATCH_RADIUS
from ..schema import catalog_coordinates

__all__ = ['match_one_to_one', 'assign_pairs', 'recall_precision', 'MATCH_METHODS']

#: Matching rules understood by `match_one_to_one`.
MATCH_METHODS = ('optimal', 'nearest')


def _optimal(ia, ib, scaled, n_catalog, n_reference):
    """Indices of the chosen pairs under the optimal rule (``scaled``: separation / radius)."""
    graph = coo_matrix((np.ones(ia.size), (ia, ib + n_catalog)),
                       shape=(n_catalog + n_reference,) * 2)
    _, component = connected_components(graph, directed=False)
    pair_component = component[ia]
    pairs_per_component = np.bincount(pair_component)
    multi = np.flatnonzero(pairs_per_component[pair_component] > 1)
    chosen = [np.flatnonzero(pairs_per_component[pair_component] == 1)]
    if multi.size:
        # All multi-pair groups in one sparse assignment problem. Rows: the
        # catalogue sources, then one "unmatched" dummy per reference source;
        # columns: the reference sources, then one dummy per catalogue source.
        # A source left unmatched pays `penalty` (through its dummy), a match
        # pays its scaled separation (<= 1), and a dummy-dummy edge exists for
        # every candidate pair so that a full matching always exists. One more
        # match saves 2 * penalty and costs at most the size of its group in
        # separation, so the count of matches is maximised first.
        rows, row_of = np.unique(ia[multi], return_inverse=True)
        cols, col_of = np.unique(ib[multi], return_inverse=True)
        p, q = rows.size, cols.size
        penalty = float(pairs_per_component.max()) + 1.0
        p_range, q_range = np.arange(p), np.arange(q)
        # +1 on every weight: the solver needs non-zero weights.
        weights = np.concatenate([scaled[multi] + 1.0, np.full(p + q, penalty + 1.0),
                                  np.ones(multi.size)])
        matrix_rows = np.concatenate([row_of, p_range, p + q_range, p + col_of])
        matrix_cols = np.concatenate([col_of, q + p_range, q_range, q + row_of])
        biadjacency = csr_matrix((weights, (matrix_rows, matrix_cols)), shape=(p + q, p + q))
        r, c = min_weight_full_bipartite_matching(biadjacency)
        real = (r < p) & (c < q)
        key = row_of.astype(np.int64) * q + col_of        # sorted: pairs come sorted by (ia, ib)
        chosen.append(multi[np.searchsorted(key, r[real].astype(np.int64) * q + c[real])])
    return np.sort(np.concatenate(chosen))


def _nearest(ia, ib, scaled, n_catalog, n_reference):
    """Indices of the chosen pairs under the closest-pair-first rule.

    Implemented as rounds of "mutual best" pairs, which gives the same
    result as accepting pairs one by one in order of separation.
    """
    order = np.lexsort((ib, ia, scaled))         # priority order, ties broken by row
    chosen = []
    used_catalog = np.zeros(n_catalog, bool)
    used_reference = np.zeros(n_reference, bool)
    while order.size:
        a, b = ia[order], ib[order]
        first_a = np.zeros(order.size, bool)
        first_a[np.unique(a, return_index=True)[1]] = True
        first_b = np.zeros(order.size, bool)
        first_b[np.unique(b, return_index=True)[1]] = True
        accept = first_a & first_b
        chosen.append(order[accept])
        used_catalog[a[accept]] = True
        used_reference[b[accept]] = True
        order = order[~(used_catalog[a] | used_reference[b])]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, int)


def match_one_to_one(catalog, reference, radius=MATCH_RADIUS, *, method='optimal'):
    """One-to-one match of two catalogues within a radius.

    Parameters
    ----------
    catalog, reference : `~astropy.table.Table` or `~astropy.coordinates.SkyCoord`
        Tables with ``sky_centroid`` or ``ra``/``dec`` columns (read by
        `~lotss_tools.schema.catalog_coordinates`), or coordinates.
    radius : `~astropy.units.Quantity`
        Largest separation of a match (default
        `~lotss_tools.radii.MATCH_RADIUS`, one LoTSS beam).
    method : {'optimal', 'nearest'}
        ``'optimal'``: the most pairs, then the smallest total separation.
        ``'nearest'``: closest pair first (see the module description).

    Returns
    -------
    index_catalog, index_reference : `~numpy.ndarray` of int
        Row pairs that match, each row used at most once, sorted by
        ``index_catalog``.
    separation : `~astropy.units.Quantity`
        Their separations (arcsec).

    Examples
    --------
    >>> from astropy.coordinates import SkyCoord
    >>> import astropy.units as u
    >>> a = SkyCoord([10.0, 10.001] * u.deg, [20.0, 20.0] * u.deg)
    >>> b = SkyCoord([10.0005, 10.0013] * u.deg, [20.0, 20.0] * u.deg)
    >>> ia, ib, sep = match_one_to_one(a, b, 3 * u.arcsec)
    >>> ia.tolist(), ib.tolist()
    ([0, 1], [0, 1])
    """
    if method not in MATCH_METHODS:
        raise ValueError(f'method must be one of {MATCH_METHODS}, not {method!r}.')
    a = catalog if isinstance(catalog, SkyCoord) else catalog_coordinates(catalog)
    b = reference if isinstance(reference, SkyCoord) else catalog_coordinates(reference)
    empty = (np.zeros(0, int), np.zeros(0, int), np.zeros(0) * u.arcsec)
    if len(a) == 0 or len(b) == 0:
        return empty
    ia, ib, sep = pairs_within(a, b, radius)
    if ia.size == 0:
        return empty
    scaled = (sep / radius).to_value(u.dimensionless_unscaled)
    chosen = assign_pairs(ia, ib, scaled, len(a), len(b), method=method)
    return ia[chosen], ib[chosen], sep[chosen]


def assign_pairs(index_a, index_b, cost, n_a, n_b, *, method='optimal'):
    """Choose one-to-one pairs among candidate pairs of two sets.

    The assignment step of `match_one_to_one`, for candidates found another
    way (for example a detection against every component of a true source).

    Parameters
    ----------
    index_a, index_b : `~numpy.ndarray` of int
        The candidate pairs (each pair at most once).
    cost : `~numpy.ndarray`
        Cost of each pair, between 0 and 1 (separation / radius).
    n_a, n_b : int
        Sizes of the two sets.
    method : {'optimal', 'nearest'}
        As in `match_one_to_one`.

    Returns
    -------
    chosen : `~numpy.ndarray` of int
        Indices of the chosen candidate pairs, sorted.

    Examples
    --------
    >>> import numpy as np
    >>> from lotss_tools.crossmatch import assign_pairs
    >>> assign_pairs(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.1, 0.5, 0.2]),
    ...              2, 2).tolist()                 # two pairs beat the closest one
    [1, 2]
    """
    if method not in MATCH_METHODS:
        raise ValueError(f'method must be one of {MATCH_METHODS}, not {method!r}.')
    index_a, index_b = np.asarray(index_a, int), np.asarray(index_b, int)
    if index_a.size == 0:
        return np.zeros(0, int)
    solve = _optimal if method == 'optimal' else _nearest
    return solve(index_a, index_b, np.asarray(cost, float), int(n_a), int(n_b))


def recall_precision(catalog, reference, radius=MATCH_RADIUS, *, method='optimal'):
    """Recall (matched / reference rows) and precision (matched / catalogue rows).

    Parameters
    ----------
    catalog, reference : `~astropy.table.Table`
    radius : `~astropy.units.Quantity`
        Default `~lotss_tools.radii.MATCH_RADIUS`.
    method : {'optimal', 'nearest'}
        See `match_one_to_one`.

    Returns
    -------
    recall, precision : float
        NaN when the corresponding catalogue is empty.
    """
    matched = len(match_one_to_one(catalog, reference, radius, method=method)[0])
    recall = matched / len(reference) if len(reference) else np.nan
    precision = matched / len(catalog) if len(catalog) else np.nan
    return recall, precision
