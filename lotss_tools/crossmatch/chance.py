"""How many matches happen by luck: random positions matched like a catalogue."""

from typing import NamedTuple

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ..footprint import Footprint, random_positions
from ..radii import MATCH_RADIUS, as_radius
from ._columns import as_catalog, positions
from .assignment import MATCH_METHODS, match_one_to_one

__all__ = ['ChanceMatchRate', 'chance_match_rate', 'expected_chance_match_rate']


class ChanceMatchRate(NamedTuple):
    """Result of `chance_match_rate`."""

    #: Mean over the trials of the fraction of random positions matched.
    mean: float
    #: Sample standard deviation of that fraction over the trials (NaN for one trial).
    std: float
    #: The fraction of each trial.
    fractions: np.ndarray
    #: Random positions per trial (the length of the catalogue).
    n_positions: int
    #: Matching radius.
    radius: u.Quantity


def chance_match_rate(catalog, reference, footprint, *, n_trials=10, seed=None,
                      radius=MATCH_RADIUS, method='optimal', wcs=None):
    """Fraction of random positions that a cross-match would pair with the reference.

    As in the research: as many random positions as the catalogue has rows
    are scattered over the footprint (valid pixels only) and matched to the
    reference with the same radius and rule; this is repeated ``n_trials``
    times. The fraction estimates how many of the catalogue's matches are
    due to chance. For sources placed at random with no clustering it is
    close to ``1 - exp(-density * pi * radius**2)``
    (`expected_chance_match_rate`), with the reference's sky density.

    Parameters
    ----------
    catalog : `~astropy.table.Table` or int
        The catalogue (only its length is used) or the number of positions.
    reference : `~astropy.table.Table` or `~astropy.coordinates.SkyCoord`
        The reference catalogue.
    footprint : `~lotss_tools.Mosaic`, `~lotss_tools.footprint.Footprint` or bool `~numpy.ndarray`
        Where the positions may fall; see `~lotss_tools.footprint.random_positions`.
    n_trials : int
        Number of random catalogues.
    seed : int or `numpy.random.Generator`, optional
        Makes the result reproducible.
    radius : `~astropy.units.Quantity`
        Matching radius (default `~lotss_tools.radii.MATCH_RADIUS`).
    method : {'optimal', 'nearest'}
        Matching rule, as for `~lotss_tools.crossmatch.CrossMatcher`.
    wcs : `~astropy.wcs.WCS`, optional
        Celestial WCS of a boolean footprint.

    Returns
    -------
    `ChanceMatchRate`
        ``mean`` and ``std`` (sample standard deviation, NaN for one trial)
        of the matched fraction over the trials, the ``fractions``
        themselves, ``n_positions`` and ``radius``. The fractions are NaN
        for an empty catalogue and 0 for an empty reference.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, truth = simulate_mosaic((512, 512), seed=4)
    >>> rate = chance_match_rate(truth, truth, mosaic, n_trials=3, seed=0)
    >>> bool(0 < rate.mean < 0.2), rate.fractions.shape
    (True, (3,))
    """
    if method not in MATCH_METHODS:
        raise ValueError(f'method must be one of {MATCH_METHODS}, not {method!r}.')
    radius = as_radius(radius)
    if isinstance(catalog, (int, np.integer)) and not isinstance(catalog, bool):
        n = int(catalog)
        if n < 0:
            raise ValueError(f'the number of random positions must be >= 0, not {n}.')
    elif isinstance(catalog, (Table, SkyCoord)):
        n = len(catalog)
    else:
        raise TypeError('catalog must be a table, a SkyCoord or a number of positions, not '
                        f'{type(catalog).__name__}.')
    if not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f'n_trials must be a positive integer, not {n_trials!r}.')
    coords_reference = positions(as_catalog(reference, 'reference'), 'reference')
    footprint = Footprint.from_image(footprint, wcs=wcs)
    if not footprint.mask.any():
        raise ValueError('the footprint has no valid pixel.')
    rng = np.random.default_rng(seed)
    fractions = np.full(n_trials, np.nan)
    for trial in range(n_trials):
        if n == 0:
            continue
        coords = random_positions(footprint, n, seed=rng)
        matched = match_one_to_one(coords, coords_reference, radius, method=method)[0].size
        fractions[trial] = matched / n
    std = float(np.std(fractions, ddof=1)) if n_trials > 1 else np.nan
    return ChanceMatchRate(float(np.mean(fractions)), std, fractions, n, radius)


def expected_chance_match_rate(density, radius=MATCH_RADIUS):
    """Chance-match fraction of random positions against a Poisson reference.

    ``1 - exp(-density * pi * radius**2)``: the probability that at least one
    reference source lies within ``radius`` of a random position (flat sky,
    no clustering; one-to-one matching lowers it slightly when the random
    positions are dense).

    Parameters
    ----------
    density : `~astropy.units.Quantity`
        Reference sources per unit solid angle (e.g. ``1000 / u.deg**2``).
    radius : `~astropy.units.Quantity`

    Returns
    -------
    float

    Examples
    --------
    >>> import astropy.units as u
    >>> round(expected_chance_match_rate(1000 / u.deg ** 2, 12 * u.arcsec), 4)
    0.0343
    """
    radius = as_radius(radius)
    try:
        mean_count = (u.Quantity(density) * np.pi * radius ** 2).to_value(
            u.dimensionless_unscaled)
    except u.UnitsError:
        raise ValueError(f'density must be a number per solid angle such as 1000 / u.deg**2, '
                         f'not {density!r}.') from None
    return float(-np.expm1(-mean_count))
