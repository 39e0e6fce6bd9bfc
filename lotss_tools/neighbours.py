"""Fast neighbour searches on the sky, shared by matching and cleaning.

Positions become 3-D unit vectors and a `scipy.spatial.cKDTree` is searched
with the chord length that corresponds to an angular radius, which is exact
for any separation and scales to millions of sources.
"""

import numpy as np
from astropy import units as u
from scipy.spatial import cKDTree

__all__ = ['unit_vectors', 'chord_length', 'pairs_within', 'SkyTree']


def unit_vectors(coords):
    """ICRS unit vectors, shape ``(n, 3)``, of a `~astropy.coordinates.SkyCoord`."""
    icrs = coords.icrs
    ra, dec = icrs.ra.radian, icrs.dec.radian
    cos_dec = np.cos(dec)
    return np.column_stack([cos_dec * np.cos(ra), cos_dec * np.sin(ra), np.sin(dec)])


def chord_length(angle):
    """Chord length on the unit sphere of an angular separation."""
    return 2.0 * np.sin(0.5 * u.Quantity(angle, u.radian).value)


def _angle_from_chord(chord):
    return (2.0 * np.arcsin(np.clip(0.5 * chord, 0, 1)) * u.radian).to(u.arcsec)


class SkyTree:
    """A KD-tree over sky positions.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> tree = SkyTree(SkyCoord([10, 10.001, 11] * u.deg, [0, 0, 0] * u.deg))
    >>> [sorted(group) for group in tree.within(SkyCoord([10] * u.deg, [0] * u.deg), 5 * u.arcsec)]
    [[0, 1]]
    """

    def __init__(self, coords):
        self.vectors = unit_vectors(coords)
        self.tree = cKDTree(self.vectors)

    def __len__(self):
        return len(self.vectors)

    def within(self, coords, radius):
        """Indices of tree points within ``radius`` of each position.

        ``radius`` may be one angle or one angle per position.
        """
        chord = chord_length(radius)
        return self.tree.query_ball_point(unit_vectors(coords), chord)

    def pairs(self, other, radius):
        """All pairs closer than ``radius`` between this tree and another.

        Returns
        -------
        index_self, index_other : `~numpy.ndarray` of int
        separation : `~astropy.units.Quantity` (arcsec)
        """
        matrix = self.tree.sparse_distance_matrix(other.tree, chord_length(radius),
                                                  output_type='ndarray')
        order = np.lexsort((matrix['j'], matrix['i']))
        matrix = matrix[order]
        return (matrix['i'].astype(int), matrix['j'].astype(int), _angle_from_chord(matrix['v']))

    def self_pairs(self, radius):
        """Pairs ``i < j`` of this tree's points closer than ``radius``."""
        pairs = self.tree.query_pairs(chord_length(radius), output_type='ndarray')
        if len(pairs) == 0:
            return np.zeros(0, int), np.zeros(0, int), np.zeros(0) * u.arcsec
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        chord = np.linalg.norm(self.vectors[pairs[:, 0]] - self.vectors[pairs[:, 1]], axis=1)
        return pairs[:, 0].astype(int), pairs[:, 1].astype(int), _angle_from_chord(chord)


def pairs_within(coords_a, coords_b, radius):
    """All pairs of positions of two catalogues closer than ``radius``.

    Parameters
    ----------
    coords_a, coords_b : `~astropy.coordinates.SkyCoord`
    radius : `~astropy.units.Quantity`

    Returns
    -------
    index_a, index_b : `~numpy.ndarray` of int
    separation : `~astropy.units.Quantity` (arcsec)
    """
    if len(coords_a) == 0 or len(coords_b) == 0:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0) * u.arcsec
    return SkyTree(coords_a).pairs(SkyTree(coords_b), radius)
