"""Confirm rejected radio candidates with optical and infrared counterparts.

The cleaning step throws away faint candidates close to bright sources,
because most of them are artifacts. The 2024 research re-injected the ones
another survey sees:

* flag 1: an AllWISE source within 4 arcsec, or a DESI Legacy source within
  2 arcsec;
* flag 2: otherwise, a DESI Legacy source and an AllWISE source that match
  each other within 1 arcsec, the pair (at the DESI position) within
  6 arcsec. Pairs are formed one-to-one with
  `~lotss_tools.crossmatch.match_one_to_one`, so an AllWISE source shared by
  two DESI objects confirms only through its best partner;
* flag 0: no counterpart (in a merged catalogue, flag 0 also marks the
  sources that were kept directly).

Chance matches: the optical and infrared surveys are dense. A random
position has a DESI Legacy object (about 2e4 per deg^2) within 6 arcsec
about 16% of the time, an AllWISE source within 4 arcsec about 5%, a DESI
object within 2 arcsec about 2%. A flag is therefore a hint, not a proof:
`confirm` measures the rate of each flag for random positions in the same
area with the same references and reports it in ``meta['confirmation']``.
"""

import warnings
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable
from regions import CircleSkyRegion

from ..crossmatch.assignment import match_one_to_one
from ..exceptions import SkippedStepWarning
from ..footprint import random_positions
from ..mosaic import Mosaic
from ..neighbours import pairs_within
from ..schema import catalog_coordinates
from .cache import load_catalog
from .columns import ALLWISE, DESI_LEGACY_NORTH, normalise_catalog
from .xmatch import xmatch_counterparts

__all__ = ['confirm', 'DEFAULT_CONFIRM_RADII']

#: Radii of the 2024 research.
DEFAULT_CONFIRM_RADII = {
    'allwise': 4 * u.arcsec,       # flag 1: AllWISE counterpart
    'desi': 2 * u.arcsec,          # flag 1: DESI Legacy counterpart
    'pair_match': 1 * u.arcsec,    # DESI x AllWISE pairs
    'pair': 6 * u.arcsec,          # flag 2: distance to a DESI x AllWISE pair
}

_SPECS = {'allwise': ALLWISE, 'desi': DESI_LEGACY_NORTH}


def _nearest_within(positions, reference, radius):
    """Separation to the nearest reference within ``radius`` (NaN if none)."""
    nearest = np.full(len(positions), np.nan)
    if reference is None or len(reference) == 0 or len(positions) == 0:
        return nearest * u.arcsec
    index, _, separation = pairs_within(positions, reference, radius)
    if index.size:
        order = np.argsort(-separation.value)  # the smallest is written last
        nearest[index[order]] = separation.value[order]
    return nearest * u.arcsec


def _flags(positions, allwise, desi, radii):
    """Flags and separations of positions against AllWISE and DESI coordinates."""
    allwise_sep = _nearest_within(positions, allwise, radii['allwise'])
    desi_sep = _nearest_within(positions, desi, radii['desi'])
    pair_sep = np.full(len(positions), np.nan) * u.arcsec
    if allwise is not None and desi is not None and len(allwise) and len(desi):
        i_desi, i_wise, _ = match_one_to_one(desi, allwise, radii['pair_match'])
        if i_desi.size:
            pair_sep = _nearest_within(positions, desi[i_desi], radii['pair'])
    flag1 = np.isfinite(allwise_sep) | np.isfinite(desi_sep)
    flag = np.where(flag1, 1, np.where(np.isfinite(pair_sep), 2, 0))
    return flag, allwise_sep, desi_sep, pair_sep


def _default_area(positions, references, margin):
    """The smallest query cone among the references, else a circle around the positions."""
    cones = []
    for table in references.values():
        provenance = getattr(table, 'meta', {}).get('provenance', {}) if table is not None else {}
        if 'query_radius_arcsec' in provenance:
            cones.append(CircleSkyRegion(
                SkyCoord(provenance['query_center_ra_deg'] * u.deg,
                         provenance['query_center_dec_deg'] * u.deg),
                provenance['query_radius_arcsec'] * u.arcsec))
    if cones:
        area = min(cones, key=lambda cone: cone.radius)
    elif len(positions):
        vector = positions.cartesian.xyz.value.mean(axis=1)
        center = SkyCoord(*vector, representation_type='cartesian').spherical
        center = SkyCoord(center.lon, center.lat)
        area = CircleSkyRegion(center, max(positions.separation(center).max(), 1 * u.arcmin)
                               + margin)
    else:
        return None
    if area.radius > 2 * margin:
        area = CircleSkyRegion(area.center, area.radius - margin)
    return area


def _as_area(area):
    if area is None or isinstance(area, (Mosaic, CircleSkyRegion)):
        return area
    if isinstance(area, tuple) and len(area) == 2:
        return CircleSkyRegion(area[0], u.Quantity(area[1], u.arcsec))
    raise TypeError('area must be a Mosaic, a regions.CircleSkyRegion or a (SkyCoord, radius) '
                    f'tuple, not {type(area).__name__}.')


def _reference_table(name, value):
    if value is None or isinstance(value, str) and value == 'xmatch':
        return value
    if isinstance(value, (str, Path)):
        return normalise_catalog(load_catalog(value), _SPECS[name])
    if hasattr(value, 'colnames'):
        return value
    raise TypeError(f"references['{name}'] must be a table, a catalogue file or 'xmatch', "
                    f'not {type(value).__name__}.')


def confirm(rejected, references, radii=None, *, area=None, n_trials=10, n_random=None,
            seed=None, only_confirmed=False, timeout=None):
    """Flag rejected candidates that have AllWISE or DESI Legacy counterparts.

    Parameters
    ----------
    rejected : `~astropy.table.Table`
        Candidates with ``sky_centroid`` or ``ra``/``dec`` columns.
    references : dict
        ``{'allwise': ..., 'desi': ...}``; each value is a table covering the
        candidates (from `get_allwise`/`get_desi_legacy`, or any table with
        positions), the path of a catalogue file (read with `load_catalog`),
        ``'xmatch'`` to upload the candidates to CDS XMatch and match them
        there against the VizieR table (best for large uploads), or None. A
        missing survey makes its flags impossible.
    radii : dict, optional
        Overrides of `DEFAULT_CONFIRM_RADII` (keys ``'allwise'``, ``'desi'``,
        ``'pair_match'``, ``'pair'``).
    area : `~lotss_tools.Mosaic`, `regions.CircleSkyRegion` or (SkyCoord, radius), optional
        Where the chance rates are measured: random positions are drawn in
        it. Default: the smallest query cone recorded in the references'
        provenance, shrunk by the largest radius so that every random
        position is fully covered; otherwise a circle around the candidates.
    n_trials : int
        Sets of random positions (10 in the research).
    n_random : int, optional
        Random positions per trial; default ``max(len(rejected), 1000)``.
    seed : int, optional
        Seed of the random positions.
    only_confirmed : bool
        Return only the rows with flag 1 or 2.
    timeout : float, optional
        Seconds for CDS XMatch.

    Returns
    -------
    confirmed : `~astropy.table.QTable`
        The rows of ``rejected`` with the columns ``flag`` (0, 1, 2),
        ``allwise_separation``, ``desi_separation`` (nearest counterpart
        within the flag-1 radius) and ``pair_separation`` (nearest DESI x
        AllWISE pair within the flag-2 radius), NaN where none.
        ``meta['confirmation']`` holds the radii, the counts per flag, the
        references' provenance and ``chance_rate``: for each flag the mean
        and standard deviation over the trials of the fraction of random
        positions that get it.

    Examples
    --------
    >>> import numpy as np
    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> from astropy.table import QTable
    >>> rejected = QTable({'ra': [200.0, 200.01, 200.02] * u.deg,
    ...                    'dec': [45.0, 45.0, 45.0] * u.deg})
    >>> north = 1 / 3600  # one arcsec in degrees
    >>> desi = QTable({'ra': [200.01, 200.02] * u.deg,
    ...                'dec': [45.0 + 5 * north, 45.0 + 30 * north] * u.deg})
    >>> allwise = QTable({'ra': [200.0, 200.01] * u.deg,
    ...                   'dec': [45.0 + 3 * north, 45.0 + 5.5 * north] * u.deg})
    >>> result = confirm(rejected, {'allwise': allwise, 'desi': desi}, seed=1,
    ...                  area=(SkyCoord(200.01, 45.0, unit='deg'), 2 * u.arcmin))
    >>> result['flag'].tolist()
    [1, 2, 0]
    >>> sorted(result.meta['confirmation']['chance_rate'])
    ['any', 'flag1', 'flag2']
    """
    radii = {**DEFAULT_CONFIRM_RADII, **(radii or {})}
    radii = {key: u.Quantity(value, u.arcsec) for key, value in radii.items()}
    unknown = set(references) - set(_SPECS)
    if unknown:
        raise ValueError(f'unknown reference(s) {sorted(unknown)}; use "allwise" and "desi".')
    positions = catalog_coordinates(rejected) if len(rejected) else SkyCoord([], [], unit='deg')
    tables = {name: _reference_table(name, references.get(name)) for name in _SPECS}
    margin = max(radii['allwise'], radii['desi'], radii['pair'] + radii['pair_match'])
    area = _as_area(area)
    if area is None:
        area = _default_area(positions, {k: v for k, v in tables.items()
                                         if hasattr(v, 'colnames')}, margin)
    rng = np.random.default_rng(seed)
    n_random = max(len(rejected), 1000) if n_random is None else int(n_random)
    trials = ([random_positions(area, n_random, seed=rng) for _ in range(n_trials)]
              if area is not None else [])
    every = [positions.icrs] + [trial.icrs for trial in trials]
    everything = SkyCoord(np.concatenate([c.ra.deg for c in every]),
                          np.concatenate([c.dec.deg for c in every]), unit='deg')

    coords, provenance = {}, {}
    for name, table in tables.items():
        if table is None:
            coords[name] = None
        elif isinstance(table, str):
            reach = max(radii[name], radii['pair'] + radii['pair_match'])
            found = xmatch_counterparts(everything, _SPECS[name], reach, timeout=timeout)
            unique = np.unique(np.column_stack([found['ra'].value, found['dec'].value]), axis=0)
            coords[name] = SkyCoord(unique[:, 0] * u.deg, unique[:, 1] * u.deg) if len(unique) \
                else None
            provenance[name] = found.meta['provenance']
        else:
            coords[name] = catalog_coordinates(table) if len(table) else None
            provenance[name] = table.meta.get('provenance', 'table without provenance')

    flag, allwise_sep, desi_sep, pair_sep = _flags(everything, coords['allwise'],
                                                   coords['desi'], radii)
    n = len(positions)
    result = QTable(rejected, copy=True)
    result['flag'] = flag[:n].astype(np.int8)
    result['flag'].info.description = ('0: no counterpart; 1: AllWISE within {allwise} or DESI '
                                       'within {desi}; 2: DESI x AllWISE pair within {pair}'
                                       .format(**{k: f'{v:g}' for k, v in radii.items()}))
    for column, values in (('allwise_separation', allwise_sep), ('desi_separation', desi_sep),
                           ('pair_separation', pair_sep)):
        result[column] = values[:n]
    chance = {}
    if trials:
        fractions = {'flag1': [], 'flag2': [], 'any': []}
        for k in range(n_trials):
            trial_flags = flag[n + k * n_random: n + (k + 1) * n_random]
            fractions['flag1'].append(np.mean(trial_flags == 1))
            fractions['flag2'].append(np.mean(trial_flags == 2))
            fractions['any'].append(np.mean(trial_flags > 0))
        chance = {key: {'mean': float(np.mean(v)), 'std': float(np.std(v))}
                  for key, v in fractions.items()}
    else:
        warnings.warn('no area to draw random positions in (no candidates, no area= and no '
                      'query cone in the references): chance rates not measured.',
                      SkippedStepWarning)
    result.meta['confirmation'] = {
        'radii_arcsec': {key: float(value.value) for key, value in radii.items()},
        'counts': {f'flag{k}': int(np.sum(result['flag'] == k)) for k in (0, 1, 2)},
        'chance_rate': chance,
        'n_trials': n_trials if trials else 0, 'n_random': n_random if trials else 0,
        'area': (f'mosaic {area.name}' if isinstance(area, Mosaic) else
                 f'cone {area.center.icrs.to_string("decimal")} deg, radius '
                 f'{area.radius.to(u.arcsec):.1f}') if area is not None else None,
        'references': provenance,
    }
    if only_confirmed:
        result = result[result['flag'] > 0]
    return result
