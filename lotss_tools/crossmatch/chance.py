"""How many matches happen by luck: random positions matched like a catalogue."""

from typing import NamedTuple

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ..matching import MATCH_METHODS, match_one_to_one
from ._columns import as_catalog, positions
from .matcher import DEFAULT_RADIUS, as_radius

__all__ = ['ChanceMatchRate', 'chance_match_rate', 'random_positions',
           'expected_chance_match_rate']


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


def _footprint_and_wcs(footprint, wcs):
    if hasattr(footprint, 'footprint') and hasattr(footprint, 'wcs'):   # a Mosaic
        mask, wcs = footprint.footprint, footprint.wcs if wcs is None else wcs
    else:
        mask = footprint
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.dtype != bool:
        raise ValueError('footprint must be a Mosaic or a 2-D boolean image (with wcs=), not '
                         f'{type(footprint).__name__} of shape {np.shape(mask)}.')
    if wcs is None or not getattr(wcs, 'has_celestial', False):
        raise ValueError('a celestial WCS is needed to place random positions: give a Mosaic '
                         'or wcs= with the footprint image.')
    if not mask.any():
        raise ValueError('the footprint has no valid pixel.')
    return mask, wcs


def random_positions(footprint, n, *, seed=None, wcs=None):
    """Positions uniformly distributed over the valid pixels of a footprint.

    A pixel is drawn uniformly among those where the footprint is True, then
    a uniform sub-pixel offset is added and the pixel position converted to
    the sky with the WCS. Memory use grows with ``n``, not with the image.

    Parameters
    ----------
    footprint : `~lotss_tools.Mosaic` or 2-D bool `~numpy.ndarray`
        A mosaic (its `~lotss_tools.Mosaic.footprint`: finite, unmasked
        pixels) or a boolean image with ``wcs``.
    n : int
        Number of positions.
    seed : int or `numpy.random.Generator`, optional
    wcs : `~astropy.wcs.WCS`, optional
        Celestial WCS of a boolean footprint.

    Returns
    -------
    `~astropy.coordinates.SkyCoord`

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> mosaic, _ = simulate_mosaic((256, 256), seed=1)
    >>> coords = random_positions(mosaic, 1000, seed=2)
    >>> x, y = mosaic.wcs.world_to_pixel(coords)
    >>> bool(mosaic.footprint[(y + 0.5).astype(int), (x + 0.5).astype(int)].all())
    True
    """
    mask, wcs = _footprint_and_wcs(footprint, wcs)
    rng = np.random.default_rng(seed)
    n = int(n)
    ny, nx = mask.shape
    fraction = mask.mean()
    if fraction < 0.01:                      # sparse footprint: list its pixels
        y, x = np.divmod(np.flatnonzero(mask)[rng.integers(0, int(mask.sum()), n)], nx)
    else:                                    # uniform pixels, keep those in the footprint
        xs, ys, found = [], [], 0
        while found < n:
            draw = int((n - found) / fraction * 1.1) + 16
            yi, xi = rng.integers(0, ny, draw), rng.integers(0, nx, draw)
            keep = np.flatnonzero(mask[yi, xi])[:n - found]
            ys.append(yi[keep])
            xs.append(xi[keep])
            found += keep.size
        x = np.concatenate(xs) if xs else np.zeros(0, int)
        y = np.concatenate(ys) if ys else np.zeros(0, int)
    x = x + rng.uniform(-0.5, 0.5, n)
    y = y + rng.uniform(-0.5, 0.5, n)
    coords = wcs.celestial.pixel_to_world(x, y)
    return coords if isinstance(coords, SkyCoord) else SkyCoord(coords)


def chance_match_rate(catalog, reference, footprint, *, n_trials=10, seed=None,
                      radius=DEFAULT_RADIUS, method='optimal', wcs=None):
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
    footprint : `~lotss_tools.Mosaic` or 2-D bool `~numpy.ndarray`
        Where the positions may fall; see `random_positions`.
    n_trials : int
        Number of random catalogues.
    seed : int or `numpy.random.Generator`, optional
        Makes the result reproducible.
    radius : `~astropy.units.Quantity`
        Matching radius (default 12 arcsec).
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
    mask, wcs = _footprint_and_wcs(footprint, wcs)
    rng = np.random.default_rng(seed)
    fractions = np.full(n_trials, np.nan)
    for trial in range(n_trials):
        if n == 0:
            continue
        coords = random_positions(mask, n, seed=rng, wcs=wcs)
        matched = match_one_to_one(coords, coords_reference, radius, method=method)[0].size
        fractions[trial] = matched / n
    std = float(np.std(fractions, ddof=1)) if n_trials > 1 else np.nan
    return ChanceMatchRate(float(np.mean(fractions)), std, fractions, n, radius)


def expected_chance_match_rate(density, radius=DEFAULT_RADIUS):
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
