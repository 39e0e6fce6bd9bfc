"""`CrossMatcher`: one-to-one matching of a catalogue against a reference."""

import numpy as np
from astropy import units as u

from ..matching import MATCH_METHODS, match_one_to_one
from ._columns import as_catalog, positions
from .result import MatchResult

__all__ = ['CrossMatcher', 'DEFAULT_RADIUS']

#: Matching radius of the research evaluation against LoTSS DR2.
DEFAULT_RADIUS = 12 * u.arcsec


def as_radius(radius):
    """A positive angular radius from a Quantity, a string (``'12arcsec'``) or arcsec."""
    try:
        radius = u.Quantity(radius, u.arcsec)
    except (TypeError, ValueError) as exc:
        raise ValueError(f'radius must be an angle such as 12 * u.arcsec or "12arcsec", '
                         f'not {radius!r}.') from exc
    if radius.ndim != 0 or not np.isfinite(radius.value) or radius.value <= 0:
        raise ValueError(f'radius must be a single positive finite angle, not {radius!r}.')
    return radius


class CrossMatcher:
    """Match a source catalogue one-to-one against a reference catalogue.

    Each source is used at most once on both sides. With the default
    ``method='optimal'`` the match has the largest possible number of pairs
    closer than ``radius`` and, among those, the smallest total separation;
    the result does not depend on the order of the rows (the research
    code's greedy matching in input order gives too few pairs in crowded
    fields). ``method='nearest'`` accepts the closest remaining pair first.

    Parameters
    ----------
    radius : `~astropy.units.Quantity` or str or float
        Largest separation of a pair (default 12 arcsec, the research
        value; plain numbers are arcsec).
    method : {'optimal', 'nearest'}
        Matching rule, see `lotss_tools.matching.match_one_to_one`.
    suffixes : tuple of two str
        Appended to the catalogue's and the reference's column names in
        `MatchResult.pairs`.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.crossmatch import CrossMatcher
    >>> found = QTable({'ra': [150.0, 150.01, 150.5] * u.deg, 'dec': [2.0, 2.0, 2.0] * u.deg,
    ...                 'total_flux': [1.1, 5.0, 0.4] * u.mJy})
    >>> dr2 = QTable({'ra': [150.0003, 150.0102] * u.deg, 'dec': [2.0, 2.0] * u.deg,
    ...               'total_flux': [0.001, 0.0045] * u.Jy})
    >>> result = CrossMatcher(radius=6 * u.arcsec).match(found, dr2)
    >>> result.n_matched, round(result.recall, 3), round(result.precision, 3)
    (2, 1.0, 0.667)
    >>> result.pairs.colnames
    ['ra_cat', 'dec_cat', 'total_flux_cat', 'ra_ref', 'dec_ref', 'total_flux_ref', 'separation']
    >>> result.pairs['separation'].round(2)
    <Quantity [1.08, 0.72] arcsec>
    >>> result.relative_difference('total_flux').round(3)
    array([0.1  , 0.111])
    """

    def __init__(self, radius=DEFAULT_RADIUS, method='optimal', *, suffixes=('_cat', '_ref')):
        if method not in MATCH_METHODS:
            raise ValueError(f'method must be one of {MATCH_METHODS}, not {method!r}.')
        suffixes = tuple(suffixes)
        if len(suffixes) != 2 or suffixes[0] == suffixes[1] or not all(
                isinstance(s, str) for s in suffixes):
            raise ValueError(f'suffixes must be two different strings, not {suffixes!r}.')
        self.radius = as_radius(radius)
        self.method = method
        self.suffixes = suffixes

    def __repr__(self):
        return f'CrossMatcher(radius={self.radius:g}, method={self.method!r})'

    def match(self, catalog, reference):
        """Match ``catalog`` against ``reference``.

        Parameters
        ----------
        catalog, reference : `~astropy.table.Table` or `~astropy.coordinates.SkyCoord`
            Positions in a ``sky_centroid`` column or ``ra``/``dec``
            columns (degrees when unitless; ``RA``/``DEC`` and
            ``RAJ2000``/``DEJ2000`` also work), as written by
            `~lotss_tools.DendroExtractor` or returned for LoTSS DR2 by
            `lotss_tools.catalogs`. Other columns are carried into the pairs
            and used by the scores.

        Returns
        -------
        `~lotss_tools.crossmatch.MatchResult`

        Raises
        ------
        ValueError
            If a table has no usable positions (the message names it and
            lists its columns) or has rows with non-finite positions.
        """
        catalog = as_catalog(catalog, 'catalogue')
        reference = as_catalog(reference, 'reference')
        coords_catalog = positions(catalog, 'catalogue')
        coords_reference = positions(reference, 'reference')
        index_catalog, index_reference, separation = match_one_to_one(
            coords_catalog, coords_reference, self.radius, method=self.method)
        return MatchResult(catalog, reference, index_catalog, index_reference, separation,
                           radius=self.radius, method=self.method, suffixes=self.suffixes)

    def chance_match_rate(self, catalog, reference, footprint, *, n_trials=10, seed=None):
        """Fraction of random positions that find a match; see `chance_match_rate`."""
        from .chance import chance_match_rate
        return chance_match_rate(catalog, reference, footprint, n_trials=n_trials, seed=seed,
                                 radius=self.radius, method=self.method)
