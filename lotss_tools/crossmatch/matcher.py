"""`CrossMatcher`: one-to-one matching of a catalogue against a reference."""

import numpy as np
from astropy import units as u

from .._params import ParamsMixin
from ..footprint import Footprint
from ..radii import MATCH_RADIUS, as_radius
from ._columns import as_catalog, binning_values, positions
from .chance import chance_match_rate
from .assignment import MATCH_METHODS, match_one_to_one
from .result import MatchResult

__all__ = ['CrossMatcher']


class CrossMatcher(ParamsMixin):
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
        Largest separation of a pair (plain numbers are arcsec). Default
        `~lotss_tools.radii.MATCH_RADIUS`, 6 arcsec, one LoTSS beam; the
        research evaluated at `~lotss_tools.radii.RESEARCH_MATCH_RADIUS`
        (12 arcsec), which gives four times as many chance matches.
    method : {'optimal', 'nearest'}
        Matching rule, see `lotss_tools.crossmatch.match_one_to_one`.
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
    >>> result = CrossMatcher().match(found, dr2)
    >>> result.n_matched, round(result.recall, 3), round(result.precision, 3)
    (2, 1.0, 0.667)
    >>> result.pairs.colnames
    ['ra_cat', 'dec_cat', 'total_flux_cat', 'ra_ref', 'dec_ref', 'total_flux_ref', 'separation']
    >>> result.pairs['separation'].round(2)
    <Quantity [1.08, 0.72] arcsec>
    >>> result.relative_difference('total_flux').round(3)
    array([0.1  , 0.111])
    """

    def __init__(self, radius=MATCH_RADIUS, method='optimal', *, suffixes=('_cat', '_ref')):
        if method not in MATCH_METHODS:
            raise ValueError(f'method must be one of {MATCH_METHODS}, not {method!r}.')
        suffixes = tuple(suffixes)
        if len(suffixes) != 2 or suffixes[0] == suffixes[1] or not all(
                isinstance(s, str) for s in suffixes):
            raise ValueError(f'suffixes must be two different strings, not {suffixes!r}.')
        self.radius = as_radius(radius)
        self.method = method
        self.suffixes = suffixes

    def match(self, catalog, reference, *, footprint=None, min_flux=None, min_snr=None):
        """Match ``catalog`` against ``reference``.

        Recall counts only the reference sources the image could have
        detected: with ``footprint``, those on its valid pixels; with
        ``min_flux`` or ``min_snr``, those above the floor. Every reference
        row is still a possible partner, so a detection of a source below
        the floor or just outside the footprint is not a false one. The
        result's summary states what recall counted.

        Parameters
        ----------
        catalog, reference : `~astropy.table.Table` or `~astropy.coordinates.SkyCoord`
            Positions in a ``sky_centroid`` column or ``ra``/``dec``
            columns (degrees when unitless; ``RA``/``DEC`` and
            ``RAJ2000``/``DEJ2000`` also work), as written by
            `~lotss_tools.DendroExtractor` or returned for LoTSS DR2 by
            `lotss_tools.catalogs`. Other columns are carried into the pairs
            and used by the scores; survey column names (``RA``,
            ``Total_flux``...) are understood (`lotss_tools.schema`).
        footprint : `~lotss_tools.Mosaic` or `~lotss_tools.footprint.Footprint`, optional
            The image the catalogue was extracted from: recall counts only
            reference rows on its valid pixels. Without it every reference
            row counts (a reference larger than the image lowers recall).
        min_flux : `~astropy.units.Quantity`, optional
            Recall counts only reference rows with ``total_flux >= min_flux``.
        min_snr : float, optional
            Recall counts only reference rows with ``snr >= min_snr`` (the
            ``snr`` column, or ``peak_flux / local_rms`` or ``island_rms``).

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
        counted, floor = np.ones(len(reference), bool), []
        n_in_footprint = -1
        if footprint is not None:
            counted &= Footprint.from_image(footprint).contains(coords_reference)
            n_in_footprint = int(counted.sum())
        if min_flux is not None:
            min_flux = u.Quantity(min_flux)
            flux = binning_values(reference, 'flux', 'reference', min_flux.unit)
            counted &= flux >= min_flux
            floor.append(f'total_flux >= {min_flux:g}')
        if min_snr is not None:
            counted &= binning_values(reference, 'snr', 'reference').value >= float(min_snr)
            floor.append(f'snr >= {float(min_snr):g}')
        return MatchResult(catalog, reference, index_catalog, index_reference, separation,
                           radius=self.radius, method=self.method, suffixes=self.suffixes,
                           reference_counted=counted, n_reference_in_footprint=n_in_footprint,
                           reference_floor=' and '.join(floor))

    def chance_match_rate(self, catalog, reference, footprint, *, n_trials=10, seed=None):
        """Fraction of random positions that find a match; see `chance_match_rate`."""
        return chance_match_rate(catalog, reference, footprint, n_trials=n_trials, seed=seed,
                                 radius=self.radius, method=self.method)
