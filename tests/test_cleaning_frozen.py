"""The cleaner's results frozen on a fixed crowded field, for all three presets.

``tests/data/cleaning_frozen.npz`` holds a catalogue of 2,456 sources (the
output of `frozen_field`, stored so that the test does not depend on the
random number streams of a future numpy) and, for the default cleaner,
``research_2023()`` and ``research_2024(min_value=...)``, the kept ids, the
rejected ids, their reasons and ``rejected_by`` as the cleaner gave them
before its pair search was rewritten for speed (issue 16). Any change of the
pair search must leave them identical. The catalogue has no image, so the
default cleaner is frozen in its catalogue-only rule (the ``near_bright``
radial-streak test it falls back to without a mosaic, which was the whole
default before issue 14); its image test is tested in
``tests/test_cleaning_image.py``.

The field has what the pair search can get wrong: bright sources (up to
5 Jy, whose default reach is 0.6 deg) with radial streaks, round and
mis-aligned neighbours at all separations; duplicates at 0 to 8 arcsec;
chains (A rejects B, which would have rejected C, so C is kept); and exact
ties (equal fluxes, identical rows, fluxes exactly at the faint limit or at
the faint fraction of the bright source, axis ratios exactly at the radial
threshold).

Regenerate (only when the cleaner's *results* are meant to change) with
``python -m tests.test_cleaning_frozen``.
"""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools.cleaning import CatalogCleaner
from lotss_tools.cleaning import cleaner as cleaner_module

from .conftest import DATA_DIR

FROZEN = DATA_DIR / 'cleaning_frozen.npz'
CENTER = SkyCoord(150 * u.deg, 50 * u.deg)
MIN_VALUE = 0.04 * u.mJy / u.beam            # research_2024 flux floor: 0.4 mJy
PRESETS = {'default': CatalogCleaner,
           'research_2023': CatalogCleaner.research_2023,
           'research_2024': lambda: CatalogCleaner.research_2024(min_value=MIN_VALUE)}
#: Rows of the hand-built chains: (A, B, C), B near A, C near B but not near A.
CHAIN_ROWS = 'chain_rows'


def _default_reach(flux):
    return 6 * np.asarray(flux) ** 0.7       # arcsec, flux in mJy


def frozen_field(seed=16):
    """The crowded test field: rows of (east, north) offsets and source columns.

    Returns a dict of columns (offsets in arcsec from `CENTER`, flux in mJy,
    sizes in arcsec, pa in deg) and the rows of the hand-built chains.
    """
    rng = np.random.default_rng(seed)
    east, north, flux, major, minor, pa = ([] for _ in range(6))

    def add(e, n, s, a, b, angle):
        for column, values in zip((east, north, flux, major, minor, pa),
                                  (e, n, s, a, b, angle)):
            column.extend(np.atleast_1d(np.asarray(values, float)).tolist())
        return len(flux) - 1

    def shapes(k, elongated):
        a = np.where(elongated, rng.uniform(8, 30, k), rng.normal(6.5, 0.3, k))
        ratio = np.where(elongated, rng.uniform(1.2, 3.5, k), rng.uniform(1, 1.2, k))
        return a, a / ratio

    # A field: 1,600 sources over 1.6 x 1.6 deg, 0.3 mJy to 300 mJy, 10% elongated.
    k = 1600
    field_flux = 0.3 * (1 - rng.random(k) * (1 - 1000 ** -0.8)) ** (-1 / 0.8)
    a, b = shapes(k, rng.random(k) < 0.1)
    add(*rng.uniform(-2880, 2880, (2, k)), field_flux, a, b, rng.uniform(0, 180, k))

    # Bright sources, two of equal flux, each with 70 neighbours at 3 arcsec to
    # 1.3 default radii (log-uniform, so the research radii get many too):
    # 60% elongated, of which most point at it; fluxes 1e-4 to 1 of it.
    bright = [(5000, -1500, -1200), (2000, 1400, 900), (1000, 0, 0), (1000, 400, -300),
              (500, -1800, 1700), (200, 1500, -1900), (100, -600, 1200), (60, 2200, 2200)]
    for s, e0, n0 in bright:
        add(e0, n0, s, 6.2, 6.0, 0)
        k = 70
        sep = 10 ** rng.uniform(np.log10(3), np.log10(1.3 * _default_reach(s)), k)
        direction = rng.uniform(0, 360, k)
        elongated = rng.random(k) < 0.6
        a, b = shapes(k, elongated)
        radial = np.where(rng.random(k) < 0.75, direction + rng.normal(0, 15, k),
                          rng.uniform(0, 180, k))
        add(e0 + sep * np.sin(np.radians(direction)), n0 + sep * np.cos(np.radians(direction)),
            s * 10 ** rng.uniform(-4, 0, k), a, b, radial % 180)

    # Duplicates: 250 copies of field sources 0 to 8 arcsec away, flux x 0.5-1.5;
    # ten of them identical rows (same position and flux: the first one is kept).
    rows = rng.choice(1600, 250, replace=False)
    offset = rng.uniform(0, 8, 250) * np.exp(2j * np.pi * rng.random(250))
    offset[:10] = 0
    scale = rng.uniform(0.5, 1.5, 250)
    scale[:10] = 1
    for r, o, f in zip(rows, offset, scale):
        add(east[r] + o.real, north[r] + o.imag, flux[r] * f, major[r], minor[r], pa[r])

    # Exact ties around a 1 Jy source at (-2400, -2400), on streaks east of
    # it pointing at it: at exactly half its flux (default: not fainter than
    # 0.5 x 1 Jy, kept), at exactly 5% (research 2024: kept) and at exactly
    # 10 mJy (research 2023: kept), each beside one just below (rejected);
    # at an axis ratio of exactly 1.5 (default: rejected) and just below
    # (kept); two identical rows outside its reach (the first is kept) and a
    # twin of equal flux 400 arcsec west (both kept).
    e0, n0 = -2400, -2400
    add(e0, n0, 1000, 6.0, 6.0, 0)
    for s, a, b, e in ((500, 12, 6, 30), (499, 12, 6, 35), (50, 12, 6, 40), (49.9, 12, 6, 45),
                       (10, 12, 6, 50), (9.99, 12, 6, 55), (3, 9, 6, 70), (3, 8.99, 6, 75),
                       (2, 12, 6, 900), (2, 12, 6, 900), (1000, 6.0, 6.0, -400)):
        add(e0 + e, n0, s, a, b, 90)

    # Chains: A (1 Jy) rejects B (a 200 mJy radial streak 500 arcsec away,
    # inside A's default reach of 755 arcsec); B would reject C, a 20 mJy
    # streak pointing at B from 200 arcsec (inside A's reach, but pointing
    # 44 deg away from A), so C is kept. And chains of duplicates:
    # A-B and B-C 1.5 arcsec apart, A-C 3 arcsec.
    chains = []
    for e0, n0 in ((2400, -2400), (-2400, 2400)):
        a = add(e0, n0, 1000, 6.0, 6.0, 0)
        b = add(e0, n0 + 500, 200, 20, 6, 0)
        c = add(e0 + 200 * np.sin(np.radians(60)), n0 + 500 + 200 * np.cos(np.radians(60)),
                20, 20, 6, 60)
        chains.append((a, b, c))
    for k in range(6):
        e0, n0 = -2800 + 200 * k, 2800
        chains.append(tuple(add(e0 + 1.5 * m, n0, s, 6.0, 6.0, 0)
                            for m, s in enumerate((100, 80, 64))))

    # Sources the per-source tests reject (they must reject nothing).
    add(-1500, -1100, np.nan, 6, 6, 0)
    add(-1480, -1200, 3000, 0, 0, 0)

    columns = dict(east=east, north=north, total_flux=flux, major_fwhm=major,
                   minor_fwhm=minor, pa=pa)
    return {name: np.array(values) for name, values in columns.items()}, np.array(chains)


def as_catalog(columns):
    """A QTable (ids from 1) from stored columns."""
    n = len(columns['ra'])
    return QTable({'id': np.arange(1, n + 1), 'ra': columns['ra'] * u.deg,
                   'dec': columns['dec'] * u.deg, 'total_flux': columns['total_flux'] * u.mJy,
                   'major_fwhm': columns['major_fwhm'] * u.arcsec,
                   'minor_fwhm': columns['minor_fwhm'] * u.arcsec, 'pa': columns['pa'] * u.deg})


def outcome(cleaner, catalog):
    """Kept ids, rejected ids, reasons and rejected_by of one cleaning."""
    kept, rejected = cleaner.clean(catalog)
    return {'kept': np.asarray(kept['id']), 'rejected': np.asarray(rejected['id']),
            'reason': np.asarray(rejected['reason']),
            'rejected_by': np.asarray(rejected['rejected_by'])}


def write_frozen(path=FROZEN):
    """Store the field and the current results of the three presets."""
    columns, chains = frozen_field()
    coords = CENTER.spherical_offsets_by(columns.pop('east') * u.arcsec,
                                         columns.pop('north') * u.arcsec)
    columns = dict(ra=coords.ra.deg, dec=coords.dec.deg, **columns)
    catalog = as_catalog(columns)
    stored = dict(columns, **{CHAIN_ROWS: chains})
    for name, make in PRESETS.items():
        for key, value in outcome(make(), catalog).items():
            stored[f'{name}/{key}'] = value
    np.savez_compressed(path, **stored)
    return stored


@pytest.fixture(scope='module')
def frozen():
    with np.load(FROZEN) as data:
        return dict(data)


@pytest.mark.parametrize('preset', list(PRESETS))
def test_results_identical_to_the_frozen_ones(frozen, preset):
    catalog = as_catalog(frozen)
    got = outcome(PRESETS[preset](), catalog)
    for key, value in got.items():
        np.testing.assert_array_equal(value, frozen[f'{preset}/{key}'], err_msg=key)


@pytest.mark.parametrize('preset', list(PRESETS))
@pytest.mark.parametrize('search_all', [0.0, 1.0])
def test_both_pair_searches_give_the_frozen_results(frozen, preset, search_all, monkeypatch):
    """Searching all pairs at once, or duplicates and the few near_bright candidates apart."""
    monkeypatch.setattr(cleaner_module, '_SEARCH_ALL_FRACTION', search_all)
    got = outcome(PRESETS[preset](), as_catalog(frozen))
    for key, value in got.items():
        np.testing.assert_array_equal(value, frozen[f'{preset}/{key}'], err_msg=key)


@pytest.mark.parametrize('preset', list(PRESETS))
def test_frozen_field_exercises_every_rejection(frozen, preset):
    reason = frozen[f'{preset}/reason']
    assert np.sum(reason == 'near_bright') >= 40
    assert np.sum(reason == 'duplicate') >= 80
    assert len(frozen[f'{preset}/kept']) >= 1300


def test_frozen_chains_keep_the_third_source(frozen):
    """A rejects B, so B rejects nothing and C is kept (ids are rows + 1)..."""
    rejected = dict(zip(frozen['default/rejected'], frozen['default/rejected_by']))
    kept = set(frozen['default/kept'].tolist())
    chains = frozen[CHAIN_ROWS] + 1
    for a, b, c in chains:
        assert rejected[b] == a and a in kept and c in kept
    # ...while without A, B is kept and rejects C.
    catalog = as_catalog(frozen)
    without_a = catalog[~np.isin(catalog['id'], chains[:, 0])]
    _, rejected = CatalogCleaner().clean(without_a)
    rejected = dict(zip(rejected['id'], rejected['rejected_by']))
    for a, b, c in chains:
        assert b not in rejected and rejected[c] == b


if __name__ == '__main__':
    stored = write_frozen()
    for name in PRESETS:
        reason = stored[f'{name}/reason']
        print(name, len(stored[f'{name}/kept']), 'kept,',
              {r: int(np.sum(reason == r)) for r in np.unique(reason)})
    print('wrote', FROZEN)
