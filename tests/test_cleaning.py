"""Tests of CatalogCleaner.clean: research semantics, reasons, units, degenerate input."""

import functools

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from lotss_tools.cleaning import (REJECTION_REASONS, CatalogCleaner, MissingColumnError,
                                  reach_pairs, rejection_radius, suppress_in_order)
from lotss_tools.cleaning import cleaner as cleaner_module
from lotss_tools.exceptions import SkippedStepWarning

CENTER = SkyCoord(150 * u.deg, 2 * u.deg)


def make_catalog(offsets_arcsec, flux_mjy, major=None, minor=None, pa=None, ids=None):
    """A catalogue of sources at (east, north) offsets from CENTER."""
    offsets = np.atleast_2d(np.asarray(offsets_arcsec, float))
    coords = CENTER.spherical_offsets_by(offsets[:, 0] * u.arcsec, offsets[:, 1] * u.arcsec)
    n = len(offsets)
    table = QTable()
    table['id'] = np.arange(1, n + 1) if ids is None else ids
    table['ra'], table['dec'] = coords.ra.to(u.deg), coords.dec.to(u.deg)
    table['total_flux'] = np.asarray(flux_mjy, float) * u.mJy
    for name, value in (('major_fwhm', major), ('minor_fwhm', minor)):
        table[name] = (np.full(n, 6.0) if value is None else np.asarray(value, float)) * u.arcsec
    table['pa'] = (np.zeros(n) if pa is None else np.asarray(pa, float)) * u.deg
    return table


def reference_clean(catalog, cleaner, sequential=True):
    """The research loop, written naively: O(N^2), deleting as it goes.

    Only the spatial step; the catalogue must pass the per-source tests.
    Returns {id: (reason, rejected_by)} of the rejected sources. With
    ``sequential=False`` rejected sources still reject others (not the
    research semantics; used to show that a test can tell them apart).
    """
    coords = SkyCoord(catalog['ra'], catalog['dec'])
    separation = coords[:, None].separation(coords[None, :]).arcsec
    direction = coords[:, None].position_angle(coords[None, :]).deg
    flux = catalog['total_flux'].to_value(u.mJy)
    order = list(np.argsort(-flux, kind='stable'))
    present = list(order)
    result = {}
    k = 0
    while k < len(present):
        i = present[k]
        radius = cleaner.rejection_radius(flux[i] * u.mJy).to_value(u.arcsec)
        survivors = present[:k + 1]
        for j in present[k + 1:]:
            key = catalog['id'][j]
            if key in result or not sequential:
                survivors.append(j)           # naive variant: rejected sources stay
                if key in result:
                    continue
            sep = separation[i, j]
            if sep < cleaner.duplicate_radius.to_value(u.arcsec):
                result[key] = ('duplicate', catalog['id'][i])
                continue
            near = sep < radius
            if cleaner.faint_limit is not None:
                near &= flux[j] < cleaner.faint_limit.to_value(u.mJy)
            if cleaner.faint_fraction is not None:
                near &= flux[j] < cleaner.faint_fraction * flux[i]
            if near and cleaner.radial_tolerance is not None:
                offset = abs((catalog['pa'][j].to_value(u.deg) - direction[i, j] + 90) % 180 - 90)
                ratio = catalog['major_fwhm'][j] / catalog['minor_fwhm'][j]
                near = (offset <= cleaner.radial_tolerance.to_value(u.deg)
                        and ratio >= cleaner.radial_axis_ratio)
            if near:
                result[key] = ('near_bright', catalog['id'][i])
                continue
            if sequential:
                survivors.append(j)
        present = survivors
        k += 1
    return result


def as_dict(rejected):
    return {i: (r, b) for i, r, b in zip(rejected['id'], rejected['reason'],
                                         rejected['rejected_by'])}


# ------------------------------------------------------------------ radius
def test_rejection_radius_anchors_and_power_law():
    assert np.allclose(rejection_radius([1, 1e5] * u.mJy).to_value(u.arcsec), [6, 600])
    assert np.allclose(rejection_radius(10 * u.mJy).to_value(u.arcsec), 6 * 10 ** 0.4)
    radius_2024 = rejection_radius([1, 1e4] * u.mJy, r2=400 * u.arcsec, flux2=1e4 * u.mJy)
    assert np.allclose(radius_2024.to_value(u.arcsec), [6, 400])
    # Units: Jy in, arcmin anchors, same curve.
    same = rejection_radius(0.01 * u.Jy, r1=0.1 * u.arcmin, r2=10 * u.arcmin, flux2=100 * u.Jy)
    assert np.isclose(same.to_value(u.arcsec), 6 * 10 ** 0.4)


def test_rejection_radius_degenerate_fluxes_and_errors():
    radius = rejection_radius([0, -3, np.nan, np.inf] * u.mJy)
    assert radius.unit == u.arcsec
    assert radius[:3].value.tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match='anchors'):
        rejection_radius(1 * u.mJy, flux2=1 * u.mJy)
    with pytest.raises(u.UnitsError, match='flux units'):
        rejection_radius(1 * u.arcsec)


# ---------------------------------------------------------- research 2023
def test_research_2023_hand_built_answer():
    # A bright 1 Jy source (R = 95 arcsec); B inside R and faint; C inside R
    # but above the 10 mJy faint limit; D a 1 arcsec duplicate of C; E outside.
    catalog = make_catalog([(0, 0), (50, 0), (0, 60), (0, 61), (0, 120)],
                           [1000, 5, 30, 40, 1])
    kept, rejected = CatalogCleaner.research_2023().clean(catalog)
    assert kept['id'].tolist() == [1, 4, 5]
    assert as_dict(rejected) == {2: ('near_bright', 1), 3: ('duplicate', 4)}


def test_chain_rejected_source_rejects_nothing():
    # A rejects B; B (5 mJy, R = 11.4 arcsec) would reject C 8 arcsec away,
    # but C lies outside A's 95 arcsec radius, so C is kept.
    a_b_c = make_catalog([(0, 0), (90, 0), (98, 0)], [1000, 5, 1])
    kept, rejected = CatalogCleaner.research_2023().clean(a_b_c)
    assert kept['id'].tolist() == [1, 3]
    assert as_dict(rejected) == {2: ('near_bright', 1)}
    # Without A, B is kept and does reject C.
    kept, rejected = CatalogCleaner.research_2023().clean(a_b_c[1:])
    assert kept['id'].tolist() == [2]
    assert as_dict(rejected) == {3: ('near_bright', 2)}


CONFIGURATIONS = {
    'low_faint_limit': lambda: CatalogCleaner(faint_limit=1 * u.mJy, faint_fraction=None,
                                              radial_tolerance=None),
    'not_radial': lambda: CatalogCleaner(radial_tolerance=None, faint_fraction=0.3),
}


@pytest.mark.parametrize('preset', ['research_2023', 'research_2024', 'default',
                                    *CONFIGURATIONS])
@pytest.mark.parametrize('search_all', [0.0, 1.0])
def test_same_as_research_loop_on_crowded_catalogues(preset, search_all, monkeypatch):
    # Both pair searches: duplicates and the near_bright candidates apart
    # (search_all=0), or all pairs at once (1).
    monkeypatch.setattr(cleaner_module, '_SEARCH_ALL_FRACTION', search_all)
    rng = np.random.default_rng(7)
    n = 250
    offsets = rng.uniform(-200, 200, (n, 2))
    offsets[::10] = offsets[1::10] + rng.normal(0, 1.5, (len(offsets[::10]), 2))   # near-duplicates
    flux = 10 ** rng.uniform(-1, 3.3, n)
    flux[5] = flux[6]                                                               # a tie
    major = 6 + rng.exponential(4, n)
    minor = np.minimum(6 + rng.exponential(1, n), major)
    cleaner = (CatalogCleaner() if preset == 'default' else CONFIGURATIONS[preset]()
               if preset in CONFIGURATIONS else getattr(CatalogCleaner, preset)())
    # Chains of duplicates away from the crowd: A-B and B-C closer than the
    # duplicate radius, A-C not.
    step = 0.75 * cleaner.duplicate_radius.to_value(u.arcsec)
    for k in range(0, 30, 3):
        offsets[k:k + 3] = [[1000 + 40 * k, 0], [1000 + 40 * k + step, 0],
                            [1000 + 40 * k + 2 * step, 0]]
        flux[k:k + 3], major[k:k + 3], minor[k:k + 3] = [100, 80, 64], 6, 6
    catalog = make_catalog(offsets, flux, major, minor, rng.uniform(0, 180, n))
    cleaner.max_eccentricity = None
    cleaner.min_surface_brightness = None
    kept, rejected = cleaner.clean(catalog)
    expected = reference_clean(catalog, cleaner)
    assert len(expected) > 20
    assert reference_clean(catalog, cleaner, sequential=False) != expected   # chains matter here
    assert as_dict(rejected) == expected
    assert sorted(kept['id'].tolist() + rejected['id'].tolist()) == list(range(1, n + 1))


def test_shape_tests_reject_first_and_reject_nothing():
    # The elongated bright source would reject B; it is rejected itself first.
    catalog = make_catalog([(0, 0), (20, 0), (40, 0)], [1000, 5, 3],
                           major=[30, 6, 0], minor=[6, 6, 0])
    kept, rejected = CatalogCleaner.research_2023().clean(catalog)
    assert kept['id'].tolist() == [2]
    assert as_dict(rejected) == {1: ('elongated', -1), 3: ('zero_size', -1)}
    kept, _ = CatalogCleaner.research_2023().clean(catalog[1:2])
    assert len(kept) == 1


# ---------------------------------------------------------- research 2024
def test_research_2024_fraction_surface_brightness_and_floor():
    cleaner = CatalogCleaner.research_2024(min_value=0.3 * u.mJy / u.beam)
    assert cleaner.min_flux == 3 * u.mJy
    # R(200 mJy) = 6 * 200**0.456 = 67 arcsec. B is 4% of A: rejected;
    # C is 6% of A: kept; D is 5 arcsec from A: duplicate; E is below the
    # 3 mJy floor; F is large and faint in surface brightness.
    catalog = make_catalog([(0, 0), (30, 0), (0, 30), (5, 0), (-100, 0), (100, 100)],
                           [200, 8, 12, 150, 2.5, 10], major=[6, 6, 6, 6, 6, 60],
                           minor=[6, 6, 6, 6, 6, 30])
    kept, rejected = cleaner.clean(catalog)
    assert kept['id'].tolist() == [1, 3]
    assert as_dict(rejected) == {2: ('near_bright', 1), 4: ('duplicate', 1),
                                 5: ('below_flux_floor', -1), 6: ('faint_surface_brightness', -1)}


def test_flux_floor_per_row_and_from_a_column():
    catalog = make_catalog([(0, 0), (100, 0)], [5, 5])
    catalog['floor'] = [1, 10] * u.mJy
    for floor in ('floor', [1, 10] * u.mJy):
        kept, rejected = CatalogCleaner(min_flux=floor).clean(catalog)
        assert kept['id'].tolist() == [1]
        assert rejected['reason'].tolist() == ['below_flux_floor']
    with pytest.raises(ValueError, match='one per row'):
        CatalogCleaner(min_flux=[1, 2, 3] * u.mJy).clean(catalog)


# -------------------------------------------------------------- default
def test_default_rejects_radial_streaks_only():
    # Faint sources 60 arcsec north of a 500 mJy source (R = 464 arcsec):
    # a streak pointing at it (PA 0), the same streak across (PA 90), a
    # round source, and a streak pointing at it from the east (PA 90).
    catalog = make_catalog([(0, 0), (0, 60), (3, 100), (-3, 140), (60, 0)],
                           [500, 5, 5, 5, 5], major=[6, 18, 18, 6.5, 18],
                           minor=[6, 6, 6, 6, 6], pa=[0, 5, 90, 0, 90])
    kept, rejected = CatalogCleaner().clean(catalog)
    assert kept['id'].tolist() == [1, 3, 4]
    assert as_dict(rejected) == {2: ('near_bright', 1), 5: ('near_bright', 1)}
    # Research 2023 rejects the three streaks for their eccentricity (0.94),
    # whatever their orientation, and keeps the round one.
    kept, rejected = CatalogCleaner.research_2023().clean(catalog)
    assert as_dict(rejected) == {k: ('elongated', -1) for k in (2, 3, 5)}


def test_default_without_shape_columns_skips_near_bright():
    catalog = make_catalog([(0, 0), (0, 60), (0, 1)], [500, 5, 4])
    catalog.remove_columns(['major_fwhm', 'minor_fwhm', 'pa'])
    with pytest.warns(SkippedStepWarning, match='near_bright'):
        kept, rejected = CatalogCleaner().clean(catalog)
    assert kept['id'].tolist() == [1, 2]
    assert as_dict(rejected) == {3: ('duplicate', 1)}
    assert kept.meta['skipped_tests'] == ['artifact_level', 'zero_size', 'near_bright']


# ------------------------------------------------------- outputs, units
def test_outputs_partition_the_catalogue_with_documented_columns():
    catalog = make_catalog([(0, 0), (1, 0), (300, 0)], [10, 1, 1])
    catalog.meta['mosaic'] = 'P1'
    kept, rejected = CatalogCleaner().clean(catalog)
    assert isinstance(kept, QTable) and isinstance(rejected, QTable)
    assert kept.colnames == catalog.colnames
    assert rejected.colnames == catalog.colnames + ['reason', 'rejected_by']
    assert len(kept) + len(rejected) == len(catalog)
    assert set(rejected['reason']) <= set(REJECTION_REASONS)
    assert kept.meta['mosaic'] == 'P1' and 'CatalogCleaner(' in rejected.meta['cleaner']
    assert catalog['total_flux'].unit == u.mJy and len(catalog) == 3   # input untouched


def test_jy_and_degrees_give_the_same_result():
    rng = np.random.default_rng(3)
    n = 120
    catalog = make_catalog(rng.uniform(-150, 150, (n, 2)), 10 ** rng.uniform(-1, 3, n),
                           6 + rng.exponential(5, n), np.full(n, 6.0), rng.uniform(0, 180, n))
    other = Table(catalog)                       # a plain Table with units
    other['total_flux'] = catalog['total_flux'].to(u.Jy)
    other['major_fwhm'] = catalog['major_fwhm'].to(u.deg)
    other['minor_fwhm'] = catalog['minor_fwhm'].to(u.arcmin)
    other['pa'] = catalog['pa'].to(u.rad)
    for cleaner in (CatalogCleaner(), CatalogCleaner.research_2023(),
                    CatalogCleaner.research_2024()):
        _, rejected = cleaner.clean(catalog)
        _, rejected_other = cleaner.clean(other)
        assert len(rejected) > 5
        assert as_dict(rejected) == as_dict(rejected_other)
        assert rejected_other['total_flux'].unit == u.Jy


def test_sky_centroid_positions_and_ids_without_id_column():
    catalog = make_catalog([(0, 0), (1, 0)], [10, 1])
    catalog['sky_centroid'] = SkyCoord(catalog['ra'], catalog['dec'])
    catalog.remove_columns(['id', 'ra', 'dec'])
    kept, rejected = CatalogCleaner().clean(catalog)
    assert rejected['rejected_by'].tolist() == [0]      # row number of the kept source


def test_missing_columns_are_named():
    catalog = make_catalog([(0, 0)], [10])
    with pytest.raises(MissingColumnError, match="'total_flux'"):
        CatalogCleaner().clean(catalog[['id', 'ra', 'dec']])
    with pytest.raises(MissingColumnError, match='sky_centroid column or ra and dec'):
        CatalogCleaner().clean(catalog[['id', 'total_flux']])
    plain = Table(catalog)
    plain['total_flux'].unit = None          # a known column without a unit: mJy (schema)
    assert len(CatalogCleaner().clean(plain)[0]) == 1
    plain['floor'] = [1.0]                   # an unknown one cannot be a flux
    with pytest.raises(MissingColumnError, match="'floor' has no unit"):
        CatalogCleaner(min_flux='floor').clean(plain)
    catalog['total_flux'] = catalog['total_flux'].value * u.arcsec
    with pytest.raises(u.UnitsError, match='total_flux'):
        CatalogCleaner().clean(catalog)


def test_invalid_parameters():
    with pytest.raises(ValueError, match='duplicate_radius'):
        CatalogCleaner(duplicate_radius=2 * u.mJy)
    with pytest.raises(u.UnitsError, match='faint_limit'):
        CatalogCleaner(faint_limit=2 * u.arcsec)
    with pytest.raises(TypeError, match='rejection_radius'):
        CatalogCleaner(rejection_radius=6 * u.arcsec)
    with pytest.raises(ValueError, match='max_eccentricity'):
        CatalogCleaner(max_eccentricity=2)


# ------------------------------------------------------------ degenerate
def test_empty_catalogue_gives_empty_tables_with_columns():
    catalog = make_catalog([(0, 0)], [10])[:0]
    kept, rejected = CatalogCleaner().clean(catalog)
    assert len(kept) == 0 and len(rejected) == 0
    assert kept.colnames == catalog.colnames
    assert rejected.colnames[-2:] == ['reason', 'rejected_by']


def test_single_row_is_kept():
    kept, rejected = CatalogCleaner().clean(make_catalog([(0, 0)], [0.5]))
    assert len(kept) == 1 and len(rejected) == 0


def test_identical_rows_keep_the_first():
    catalog = make_catalog([(0, 0)] * 4, [3] * 4)
    for cleaner in (CatalogCleaner(), CatalogCleaner.research_2023()):
        kept, rejected = cleaner.clean(catalog)
        assert kept['id'].tolist() == [1]
        assert as_dict(rejected) == {k: ('duplicate', 1) for k in (2, 3, 4)}


def test_nan_and_masked_fluxes_are_rejected_and_reject_nothing():
    catalog = make_catalog([(0, 0), (1, 0), (50, 0)], [np.nan, 1, 2])
    kept, rejected = CatalogCleaner.research_2023().clean(catalog)
    assert kept['id'].tolist() == [2, 3]
    assert as_dict(rejected) == {1: ('invalid_flux', -1)}
    masked = Table(catalog)
    masked['total_flux'] = np.ma.MaskedArray([5.0, 1, 2], mask=[True, False, False])
    masked['total_flux'].unit = u.mJy
    kept, rejected = CatalogCleaner.research_2023().clean(masked)
    assert rejected['reason'].tolist() == ['invalid_flux']


# ------------------------------------------------------------ machinery
def test_reach_pairs_matches_brute_force():
    rng = np.random.default_rng(0)
    n = 400
    coords = CENTER.spherical_offsets_by(*(rng.uniform(-300, 300, (2, n)) * u.arcsec))
    radius = rng.lognormal(2, 1, n) * u.arcsec
    i, j, sep = reach_pairs(coords, radius, split_quantile=0.7)
    full = coords[:, None].separation(coords[None, :]).arcsec
    ei, ej = np.nonzero((full < radius.value[:, None]) & np.triu(np.ones((n, n), bool), 1))
    assert len(ei) > 100
    assert i.tolist() == ei.tolist() and j.tolist() == ej.tolist()
    assert np.allclose(sep.to_value(u.arcsec), full[ei, ej], atol=1e-6)


def test_suppress_in_order_chain_and_errors():
    by, reason = suppress_in_order(4, np.array([0, 1, 0, 0]), np.array([1, 2, 3, 3]),
                                   np.array([1, 1, 1, 0]))
    assert by.tolist() == [-1, 0, -1, 0]
    assert reason.tolist() == [-1, 1, -1, 0]     # the smallest code of a repeated pair
    with pytest.raises(ValueError, match='i < j'):
        suppress_in_order(2, np.array([1]), np.array([0]), np.array([0]))


def test_custom_rejection_radius_callable():
    cleaner = CatalogCleaner(rejection_radius=lambda flux: np.full(np.shape(flux), 30) * u.arcsec,
                             radial_tolerance=None, faint_fraction=None)
    kept, rejected = cleaner.clean(make_catalog([(0, 0), (25, 0), (35, 0)], [3, 2, 1]))
    assert as_dict(rejected) == {2: ('near_bright', 1)}
    assert 'lambda' in repr(cleaner) or 'function' in repr(cleaner)
    partial = functools.partial(rejection_radius, r2=400 * u.arcsec, flux2=1e4 * u.mJy)
    assert 'r2=400.0 arcsec' in repr(CatalogCleaner(rejection_radius=partial))
