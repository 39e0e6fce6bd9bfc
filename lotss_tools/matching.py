"""One-to-one sky matching of two catalogues and the scores it gives.

Matching is optimal, not greedy: candidate pairs closer than the radius are
found with a KD-tree (`lotss_tools.neighbours`), and inside each
group of mutually reachable sources the assignment with the most matches and,
among those, the smallest total separation is solved with
`scipy.optimize.linear_sum_assignment`. The result does not depend on the
order of the rows.
"""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .neighbours import pairs_within

__all__ = ['match_one_to_one', 'catalog_coordinates', 'recall_precision']


def catalog_coordinates(catalog):
    """Sky positions of a catalogue: its ``sky_centroid`` or ``ra``/``dec`` columns."""
    if 'sky_centroid' in catalog.colnames:
        return catalog['sky_centroid']
    for ra, dec in (('ra', 'dec'), ('RA', 'DEC'), ('RAJ2000', 'DEJ2000')):
        if ra in catalog.colnames and dec in catalog.colnames:
            return SkyCoord(u.Quantity(catalog[ra], u.deg), u.Quantity(catalog[dec], u.deg))
    raise ValueError(f'the catalogue has neither sky_centroid nor ra/dec columns '
                     f'(columns: {", ".join(catalog.colnames[:12])}).')


def match_one_to_one(catalog, reference, radius=6 * u.arcsec):
    """Optimal one-to-one match of two catalogues within a radius.

    Parameters
    ----------
    catalog, reference : `~astropy.table.Table` or `~astropy.coordinates.SkyCoord`
        Tables with ``sky_centroid`` or ``ra``/``dec`` columns, or coordinates.
    radius : `~astropy.units.Quantity`
        Largest separation of a match.

    Returns
    -------
    index_catalog, index_reference : `~numpy.ndarray` of int
        Row pairs that match, each row used at most once.
    separation : `~astropy.coordinates.Angle`
        Their separations.

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
    a = catalog if isinstance(catalog, SkyCoord) else catalog_coordinates(catalog)
    b = reference if isinstance(reference, SkyCoord) else catalog_coordinates(reference)
    empty = (np.zeros(0, int), np.zeros(0, int), np.zeros(0) * u.deg)
    if len(a) == 0 or len(b) == 0:
        return empty
    ia, ib, sep = pairs_within(a, b, radius)
    if ia.size == 0:
        return empty
    na = len(a)
    graph = coo_matrix((np.ones(ia.size), (ia, ib + na)), shape=(na + len(b),) * 2)
    _, component = connected_components(graph, directed=False)
    pair_component = component[ia]
    order = np.argsort(pair_component, kind='stable')
    bounds = np.flatnonzero(np.diff(pair_component[order])) + 1
    degrees = sep.to_value(u.arcsec)
    big = 1e6 + 2 * radius.to_value(u.arcsec)
    chosen = []
    for group in np.split(order, bounds):
        if group.size == 1:
            chosen.append(group)
            continue
        rows, row_of = np.unique(ia[group], return_inverse=True)
        cols, col_of = np.unique(ib[group], return_inverse=True)
        cost = np.full((rows.size, cols.size), big)
        cost[row_of, col_of] = degrees[group]
        r, c = linear_sum_assignment(cost)
        ok = cost[r, c] < big
        lookup = {(ri, ci): g for g, ri, ci in zip(group, row_of, col_of)}
        chosen.append(np.array([lookup[(ri, ci)] for ri, ci in zip(r[ok], c[ok])], int))
    chosen = np.sort(np.concatenate(chosen))
    return ia[chosen], ib[chosen], sep[chosen]


def recall_precision(catalog, reference, radius=6 * u.arcsec):
    """Recall (matched / reference rows) and precision (matched / catalogue rows).

    Parameters
    ----------
    catalog, reference : `~astropy.table.Table`
    radius : `~astropy.units.Quantity`

    Returns
    -------
    recall, precision : float
        NaN when the corresponding catalogue is empty.
    """
    matched = len(match_one_to_one(catalog, reference, radius)[0])
    recall = matched / len(reference) if len(reference) else np.nan
    precision = matched / len(catalog) if len(catalog) else np.nan
    return recall, precision
