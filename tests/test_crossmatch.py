"""Tests of CrossMatcher, MatchResult, completeness and chance matches."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table
from astropy.wcs import WCS
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from lotss_tools.crossmatch import (CrossMatcher, MatchResult, chance_match_rate,
                                    expected_chance_match_rate, match_one_to_one)
from lotss_tools.footprint import random_positions
from lotss_tools.visualization import plot_completeness
from lotss_tools.neighbours import pairs_within

RA0, DEC0 = 150.0, 2.0


def offsets(ra_arcsec, dec_arcsec=None):
    """Positions at offsets (arcsec, east and north) from (RA0, DEC0)."""
    ra = np.atleast_1d(np.asarray(ra_arcsec, float))
    dec = np.zeros_like(ra) if dec_arcsec is None else np.asarray(dec_arcsec, float)
    return SkyCoord(RA0 * u.deg + ra * u.arcsec / np.cos(np.radians(DEC0)),
                    DEC0 * u.deg + dec * u.arcsec)


def table(coords, **columns):
    t = QTable({'ra': coords.ra.to(u.deg), 'dec': coords.dec.to(u.deg)})
    for name, values in columns.items():
        t[name] = values
    return t


def research_greedy(catalog, reference, radius):
    """The research rule: each catalogue row in input order takes its nearest free reference."""
    ia, ib, sep = pairs_within(catalog, reference, radius)
    used, count = set(), 0
    for i in range(len(catalog)):
        candidates = [(s, j) for s, a, j in zip(sep.value, ia, ib) if a == i and j not in used]
        if candidates:
            used.add(min(candidates)[1])
            count += 1
    return count


def crowded_field(seed, n_catalog=150, n_reference=150, size=90):
    rng = np.random.default_rng(seed)
    return (offsets(rng.uniform(0, size, n_catalog), rng.uniform(0, size, n_catalog)),
            offsets(rng.uniform(0, size, n_reference), rng.uniform(0, size, n_reference)))


# ------------------------------------------------------------- matching rules
def test_research_greedy_fails_where_optimal_succeeds():
    # catalogue 0 takes reference 0 (5") first; catalogue 1 then has nothing
    # left, although catalogue 0 could have taken reference 1 (6").
    catalog, reference = offsets([0.0, 8.0]), offsets([5.0, -6.0])
    assert research_greedy(catalog, reference, 7 * u.arcsec) == 1
    for method in ('optimal', 'nearest'):
        result = CrossMatcher(7 * u.arcsec, method=method).match(catalog, reference)
        assert sorted(zip(result.index_catalog, result.index_reference)) == [(0, 1), (1, 0)]
        assert result.recall == result.precision == 1.0

    # A chain cat 1 - ref 0 - cat 0 - ref 1 whose middle link is the shortest:
    # closest pair first takes it (1") and strands both ends; the optimum
    # takes the two outer links (4" each).
    catalog, reference = offsets([1.0, -4.0]), offsets([0.0, 5.0])
    radius = 4.5 * u.arcsec
    assert research_greedy(catalog, reference, radius) == 1
    assert CrossMatcher(radius, method='nearest').match(catalog, reference).n_matched == 1
    optimal = CrossMatcher(radius).match(catalog, reference)
    assert sorted(zip(optimal.index_catalog, optimal.index_reference)) == [(0, 1), (1, 0)]


def test_crowded_field_counts():
    """In a crowded field the optimum reaches the maximum matching; greedy rules do not."""
    catalog, reference = crowded_field(3)
    radius = 6 * u.arcsec
    ia, ib, _ = pairs_within(catalog, reference, radius)
    graph = csr_matrix((np.ones(ia.size), (ia, ib)), shape=(len(catalog), len(reference)))
    maximum = int((maximum_bipartite_matching(graph, perm_type='column') >= 0).sum())
    optimal = CrossMatcher(radius).match(catalog, reference).n_matched
    nearest = CrossMatcher(radius, method='nearest').match(catalog, reference).n_matched
    greedy = research_greedy(catalog, reference, radius)
    assert optimal == maximum
    assert greedy < optimal and nearest < optimal


@pytest.mark.parametrize('seed', range(6))
def test_optimal_equals_brute_force(seed):
    """Same count and total separation as one dense assignment over all rows."""
    catalog, reference = crowded_field(seed, 60 + 10 * seed, 80, size=70)
    radius = 7 * u.arcsec
    result = CrossMatcher(radius).match(catalog, reference)
    ia, ib, sep = pairs_within(catalog, reference, radius)
    cost = np.full((len(catalog), len(reference)), 1e6)
    cost[ia, ib] = sep.to_value(u.arcsec)
    rows, cols = linear_sum_assignment(cost)
    real = cost[rows, cols] < 1e6
    assert result.n_matched == real.sum()
    assert result.separation.sum().to_value(u.arcsec) == pytest.approx(cost[rows, cols][real].sum())
    assert np.unique(result.index_catalog).size == np.unique(result.index_reference).size == \
        result.n_matched
    assert np.all(result.separation <= radius)


def test_nearest_is_closest_pair_first_and_order_independent():
    catalog, reference = crowded_field(8)
    radius = 6 * u.arcsec
    ia, ib, sep = pairs_within(catalog, reference, radius)
    used_a, used_b, expected = set(), set(), []
    for k in np.argsort(sep.value, kind='stable'):
        if ia[k] not in used_a and ib[k] not in used_b:
            used_a.add(ia[k])
            used_b.add(ib[k])
            expected.append((ia[k], ib[k]))
    ja, jb, _ = match_one_to_one(catalog, reference, radius, method='nearest')
    assert sorted(zip(ja.tolist(), jb.tolist())) == sorted(expected)
    perm = np.random.default_rng(0).permutation(len(catalog))
    for method in ('optimal', 'nearest'):
        base = match_one_to_one(catalog, reference, radius, method=method)
        shuffled = match_one_to_one(catalog[perm], reference, radius, method=method)
        assert sorted(zip(perm[shuffled[0]].tolist(), shuffled[1].tolist())) == \
            sorted(zip(base[0].tolist(), base[1].tolist()))


# ------------------------------------------------------------- result tables
def make_pair_of_catalogues():
    """4 catalogue rows, 5 reference rows, 3 true pairs with known differences."""
    reference = table(offsets([0, 60, 120, 180, 240]), total_flux=[1, 2, 4, 8, 16] * u.mJy,
                      major_fwhm=[6, 6, 8, 10, 12] * u.arcsec,
                      minor_fwhm=[6, 6, 6, 6, 6] * u.arcsec, id=np.arange(5))
    catalog = table(offsets([1, 61, 122, 500]), total_flux=[1.1, 2.2, 4.4, 1] * u.mJy,
                    major_fwhm=[3, 3, 4, 3] * u.arcsec, minor_fwhm=[3, 3, 3, 3] * u.arcsec,
                    id=np.arange(4) + 100)
    return catalog, reference


def test_pairs_scores_and_summary():
    catalog, reference = make_pair_of_catalogues()
    result = CrossMatcher().match(catalog, reference)
    assert isinstance(result, MatchResult)
    assert result.n_matched == 3
    assert result.recall == pytest.approx(3 / 5)
    assert result.precision == pytest.approx(3 / 4)
    assert result.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    pairs = result.pairs
    assert pairs.colnames == [n + '_cat' for n in catalog.colnames] + \
        [n + '_ref' for n in reference.colnames] + ['separation']
    assert pairs['id_cat'].tolist() == [100, 101, 102] and pairs['id_ref'].tolist() == [0, 1, 2]
    assert u.allclose(pairs['separation'], [1, 1, 2] * u.arcsec, rtol=1e-6)
    assert result.unmatched_catalog['id'].tolist() == [103]
    assert result.unmatched_reference['id'].tolist() == [3, 4]
    assert result.unmatched_reference.colnames == reference.colnames
    summary = result.summary()
    assert len(summary) == 1
    row = summary[0]
    assert (row['n_catalog'], row['n_reference'], row['n_matched']) == (4, 5, 3)
    assert row['total_flux_rel_mean'] == pytest.approx(0.1)
    assert row['total_flux_rel_std'] == pytest.approx(0.0, abs=1e-12)
    assert row['major_fwhm_rel_median'] == pytest.approx(-0.5)
    assert row['minor_fwhm_rel_mean'] == pytest.approx(-0.5)
    assert row['radius'] == 6 * u.arcsec and row['method'] == 'optimal'
    assert 'recall 0.600' in repr(result)


@pytest.mark.parametrize('suffix', ['.ecsv', '.fits'])
def test_write_pairs(tmp_path, suffix):
    catalog, reference = make_pair_of_catalogues()
    result = CrossMatcher().match(catalog, reference)
    path = result.write_pairs(tmp_path / f'pairs{suffix}')
    back = QTable.read(path)
    assert len(back) == 3 and back['id_ref'].tolist() == [0, 1, 2]
    assert back['total_flux_cat'].unit == u.mJy
    assert u.allclose(back['total_flux_cat'], result.pairs['total_flux_cat'])
    assert back.meta['RADIUS'] == 6 and back.meta['N_MATCH'] == 3
    with pytest.raises(FileExistsError):
        result.write_pairs(path)


def test_units_are_converted():
    """A catalogue in Jy/degrees and a plain Table without units give the same answer."""
    catalog, reference = make_pair_of_catalogues()
    base = CrossMatcher().match(catalog, reference).summary()
    in_jy = catalog.copy()
    in_jy['total_flux'] = in_jy['total_flux'].to(u.Jy)
    in_jy['major_fwhm'] = in_jy['major_fwhm'].to(u.deg)
    plain = Table({name: np.asarray(reference[name]) for name in reference.colnames})
    for other in (CrossMatcher().match(in_jy, reference),
                  CrossMatcher(radius='12arcsec').match(catalog, plain),
                  CrossMatcher(radius=12).match(in_jy, plain)):
        summary = other.summary()
        for name in ('n_matched', 'total_flux_rel_mean', 'major_fwhm_rel_mean'):
            assert summary[name][0] == pytest.approx(base[name][0])
    sky = CrossMatcher(radius=0.2 * u.arcmin).match(catalog['ra', 'dec'], reference['ra', 'dec'])
    assert sky.n_matched == 3
    coords = CrossMatcher().match(offsets([0.0]), offsets([3.0]))
    assert coords.pairs.colnames == ['sky_centroid_cat', 'sky_centroid_ref', 'separation']


def test_empty_catalogues():
    catalog, reference = make_pair_of_catalogues()
    matcher = CrossMatcher()
    no_catalog = matcher.match(catalog[:0], reference)
    assert no_catalog.n_matched == 0 and no_catalog.recall == 0.0
    assert np.isnan(no_catalog.precision) and np.isnan(no_catalog.f1)
    assert len(no_catalog.pairs) == 0 and 'total_flux_ref' in no_catalog.pairs.colnames
    assert len(no_catalog.unmatched_reference) == 5
    no_reference = matcher.match(catalog, reference[:0])
    assert np.isnan(no_reference.recall) and no_reference.precision == 0.0
    both = matcher.match(catalog[:0], reference[:0])
    summary = both.summary()
    assert summary['n_matched'][0] == 0 and np.isnan(summary['total_flux_rel_mean'][0])
    assert len(both.completeness()) == 0
    assert 'recall' in both.completeness().colnames
    far = matcher.match(catalog[3:], reference)
    assert far.n_matched == 0 and far.f1 == 0.0


def test_missing_and_bad_columns():
    catalog, reference = make_pair_of_catalogues()
    with pytest.raises(ValueError, match=r'catalogue has no positions.*flux'):
        CrossMatcher().match(QTable({'flux': [1.0]}), reference)
    with pytest.raises(ValueError, match='reference has 1 rows with non-finite positions'):
        bad = reference.copy()
        bad['dec'][2] = np.nan * u.deg
        CrossMatcher().match(catalog, bad)
    with pytest.raises(TypeError, match='reference must be an astropy Table'):
        CrossMatcher().match(catalog, [1, 2])
    result = CrossMatcher().match(catalog, reference.copy()['ra', 'dec', 'total_flux'])
    with pytest.raises(ValueError, match="reference has no 'major_fwhm' column"):
        result.summary()
    assert result.summary(quantities=['total_flux'])['total_flux_rel_mean'][0] == \
        pytest.approx(0.1)
    assert 'n_matched' in result.summary(quantities=()).colnames
    with pytest.raises(ValueError, match='neither an snr column nor peak_flux and local_rms'):
        result.completeness(quantity='snr')
    weird = catalog.copy()
    weird['total_flux'] = weird['total_flux'].value * u.s
    with pytest.raises(ValueError, match="'total_flux' is in s, which does not convert to mJy"):
        CrossMatcher().match(weird, reference).summary()
    for bad_radius in (-1 * u.arcsec, 3 * u.mJy, 'far', [1, 2] * u.arcsec):
        with pytest.raises(ValueError, match='radius'):
            CrossMatcher(radius=bad_radius)
    with pytest.raises(ValueError, match="method must be one of"):
        CrossMatcher(method='greedy')
    with pytest.raises(ValueError, match='suffixes'):
        CrossMatcher(suffixes=('_a', '_a'))


# ------------------------------------------------------------- completeness
def binned_field():
    """Reference fluxes 1, 3, 30 mJy (10 each); recovered: 2, 6, 10; plus 5 spurious."""
    rng = np.random.default_rng(2)
    n = 30
    ref_pos = offsets(np.arange(n) * 60.0)
    flux = np.repeat([1.0, 3.0, 30.0], 10) * u.mJy
    reference = table(ref_pos, total_flux=flux, peak_flux=flux.value * u.mJy / u.beam,
                      local_rms=np.full(n, 0.1) * u.mJy / u.beam)
    found = np.r_[np.arange(2), 10 + np.arange(6), 20 + np.arange(10)]
    spurious = offsets(5000 + np.arange(5) * 60.0)
    coords = SkyCoord(np.r_[ref_pos[found].ra.deg, spurious.ra.deg] * u.deg,
                      np.r_[ref_pos[found].dec.deg, spurious.dec.deg] * u.deg)
    cat_flux = np.r_[flux[found].value * rng.uniform(0.95, 1.05, found.size),
                     np.full(5, 1.0)] * u.mJy
    catalog = table(coords, total_flux=cat_flux, snr=cat_flux.value * 10)
    return catalog, reference


def test_completeness_per_bin():
    catalog, reference = binned_field()
    result = CrossMatcher(radius=3 * u.arcsec).match(catalog, reference)
    table_mjy = result.completeness(bins=[0.5, 2, 10, 100] * u.mJy)
    table_jy = result.completeness(bins=[0.0005, 0.002, 0.01, 0.1] * u.Jy)
    assert table_mjy['n_reference'].tolist() == [10, 10, 10]
    assert table_mjy['recall'].tolist() == pytest.approx([0.2, 0.6, 1.0])
    assert table_mjy['n_catalog'].tolist() == [7, 6, 10]
    assert table_mjy['precision'].tolist() == pytest.approx([2 / 7, 1.0, 1.0])
    assert np.all(table_mjy['recall_low'] <= table_mjy['recall'])
    assert np.all(table_mjy['recall'] <= table_mjy['recall_high'])
    assert table_mjy['recall_high'][1] - table_mjy['recall_low'][1] > 0.2
    assert u.allclose(table_jy['center'], table_mjy['center'])
    assert table_jy['recall'].tolist() == table_mjy['recall'].tolist()
    assert table_mjy['center'].unit == u.mJy
    # Automatic bins span every source; SNR of the reference from peak / rms.
    auto = result.completeness(bins=4)
    assert len(auto) == 4 and auto['n_reference'].sum() == 30 and auto['n_catalog'].sum() == 23
    snr = result.completeness(bins=[1, 50, 1000], quantity='snr')
    assert snr['n_reference'].tolist() == [20, 10]
    assert snr['recall'].tolist() == pytest.approx([0.4, 1.0])
    with pytest.raises(ValueError, match='increasing'):
        result.completeness(bins=[10, 1])
    with pytest.raises(ValueError, match='positive number of bins'):
        result.completeness(bins=0)


def test_plot_completeness():
    catalog, reference = binned_field()
    result = CrossMatcher(radius=3 * u.arcsec).match(catalog, reference)
    ax = plot_completeness(result, bins=[0.5, 2, 10, 100] * u.mJy, label='field')
    assert ax.get_xscale() == 'log'
    assert ax.get_xlabel() == 'total flux density (mJy)'
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ['field: recall',
                                                                   'field: precision']
    assert len(ax.containers) == 2
    fig, other = plt.subplots()
    assert result.plot_completeness(ax=other, quantity='snr', precision=False) is other
    assert len(other.containers) == 1 and other.get_xlabel() == 'SNR'
    with pytest.raises(ValueError, match='missing columns: precision'):
        plot_completeness(QTable({'center': [1.0], 'recall': [1.0], 'recall_low': [1.0],
                                  'recall_high': [1.0]}))
    plt.close('all')


# ------------------------------------------------------------- chance matches
def footprint_with_wcs(shape=(1600, 1600), scale=1.5):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---SIN', 'DEC--SIN']
    wcs.wcs.crval = [RA0, DEC0]
    wcs.wcs.crpix = [(shape[1] + 1) / 2, (shape[0] + 1) / 2]
    wcs.wcs.cdelt = [-scale / 3600, scale / 3600]
    mask = np.ones(shape, bool)
    mask[:, : shape[1] // 2] = False            # only the western half is valid
    mask[shape[0] * 3 // 4:, shape[1] * 5 // 8: shape[1] * 3 // 4] = False   # and it has a hole
    return mask, wcs


def test_random_positions_stay_in_footprint():
    mask, wcs = footprint_with_wcs()
    coords = random_positions(mask, 20000, seed=1, wcs=wcs)
    x, y = wcs.world_to_pixel(coords)
    ix, iy = np.round(x).astype(int), np.round(y).astype(int)
    assert mask[iy, ix].all()
    # Uniform over the valid pixels: the fraction in a region matches its area.
    upper = (iy >= 800).mean()
    expected = mask[800:].sum() / mask.sum()
    assert upper == pytest.approx(expected, abs=0.015)
    again = random_positions(mask, 5, seed=1, wcs=wcs)
    assert np.allclose(again.ra.deg, random_positions(mask, 5, seed=1, wcs=wcs).ra.deg)
    sparse = np.zeros_like(mask)
    sparse[10, 20] = True
    x, y = wcs.world_to_pixel(random_positions(sparse, 50, seed=0, wcs=wcs))
    assert np.all(np.abs(x - 20) <= 0.5) and np.all(np.abs(y - 10) <= 0.5)
    with pytest.raises(ValueError, match='no valid pixel'):
        random_positions(np.zeros_like(mask), 3, wcs=wcs)
    with pytest.raises(ValueError, match='celestial WCS'):
        random_positions(mask, 3)


def test_chance_match_rate_agrees_with_poisson():
    """As many random positions as reference sources: close to 1 - exp(-n pi r^2)."""
    mask, wcs = footprint_with_wcs((4000, 4000))
    rng = np.random.default_rng(5)
    density = 1200 / u.deg ** 2
    side = 1.8 * u.deg                            # wider than the image: no edge deficit
    n_reference = rng.poisson((density * side ** 2).to_value(u.one))
    reference = offsets(rng.uniform(-0.5, 0.5, n_reference) * side.to_value(u.arcsec),
                        rng.uniform(-0.5, 0.5, n_reference) * side.to_value(u.arcsec))
    area = mask.sum() * (1.5 * u.arcsec) ** 2
    n_random = int((density * area).to_value(u.one))
    rate = chance_match_rate(n_random, reference, mask, wcs=wcs, n_trials=20, seed=3,
                             radius=12 * u.arcsec)
    expected = expected_chance_match_rate(density, 12 * u.arcsec)
    assert expected == pytest.approx(0.0411, abs=5e-4)
    assert rate.mean == pytest.approx(expected, rel=0.15)
    assert rate.fractions.shape == (20,) and 0 < rate.std < 0.01
    assert rate.n_positions == n_random and rate.radius == 12 * u.arcsec
    small = chance_match_rate(n_random, reference, mask, wcs=wcs, n_trials=20, seed=3,
                              radius=4 * u.arcsec)
    assert small.mean == pytest.approx(expected_chance_match_rate(density, 4 * u.arcsec),
                                       rel=0.3)
    # One-to-one: random positions far denser than the reference cannot all
    # find a partner, each reference source is used once.
    crowded = chance_match_rate(20 * n_random, reference, mask, wcs=wcs, n_trials=1, seed=0)
    assert crowded.mean < 0.8 * expected


def test_chance_match_rate_edge_cases_and_mosaic():
    from lotss_tools.simulate import simulate_mosaic
    mosaic, truth = simulate_mosaic((512, 512), seed=4)
    first = CrossMatcher().chance_match_rate(truth, truth, mosaic, n_trials=3, seed=7)
    second = chance_match_rate(truth, truth, mosaic, n_trials=3, seed=7)
    assert np.array_equal(first.fractions, second.fractions)
    assert first.n_positions == len(truth)
    empty = chance_match_rate(truth[:0], truth, mosaic, n_trials=2, seed=0)
    assert np.isnan(empty.mean) and empty.n_positions == 0
    alone = chance_match_rate(10, truth[:0], mosaic, n_trials=1, seed=0)
    assert alone.mean == 0.0 and np.isnan(alone.std)
    with pytest.raises(ValueError, match='n_trials'):
        chance_match_rate(truth, truth, mosaic, n_trials=0)
    with pytest.raises(ValueError, match='footprint mask must be a 2-D boolean image'):
        chance_match_rate(truth, truth, np.ones(5, bool))


def test_simulated_extraction_against_truth():
    """End to end: the extractor's catalogue against the simulated truth."""
    from lotss_tools.extraction import DendroExtractor
    from lotss_tools.simulate import simulate_mosaic
    mosaic, truth = simulate_mosaic((768, 768), seed=9)
    truth = truth[truth['in_footprint'] & ~truth['artifact']]
    catalog = DendroExtractor().extract(mosaic)
    result = CrossMatcher(radius=6 * u.arcsec).match(catalog, truth)
    bright = truth['snr'] > 10
    assert result.matched_reference[bright].mean() > 0.9
    assert result.precision > 0.8
    summary = result.summary()
    assert abs(summary['total_flux_rel_median'][0]) < 0.2
    table = result.completeness(bins=[3, 5, 10, 1e4], quantity='snr')
    assert table['recall'][-1] > table['recall'][0]


# --------------------------------------------- recall inside the footprint
@pytest.fixture(scope='module')
def real_cutout():
    """The real P218+55 cutout, its catalogue and its 28 DR1 rows (7 inside the image)."""
    from lotss_tools import DendroExtractor, Mosaic
    from lotss_tools.datasets import get_path
    mosaic = Mosaic.read(get_path('lotss-cutout'))
    return (mosaic, DendroExtractor().extract(mosaic),
            QTable.read(get_path('lotss-dr1-sources')))


def test_recall_counts_only_the_reference_inside_the_footprint(real_cutout):
    """Issue 11 item 2: a reference larger than the image does not lower recall."""
    mosaic, catalog, dr1 = real_cutout
    matcher = CrossMatcher()
    everything = matcher.match(catalog, dr1)
    assert everything.recall == pytest.approx(4 / 28)            # the old, wrong number
    assert everything.summary()['recall_counts'][0] == 'every reference row'
    inside = matcher.match(catalog, dr1, footprint=mosaic)
    assert inside.n_reference_in_footprint == inside.n_reference_counted == 7
    assert inside.recall == pytest.approx(4 / 7) and inside.precision == 1.0
    # Many more reference rows, all outside the image: the same recall.
    rng = np.random.default_rng(3)
    far = QTable({'RA': rng.uniform(217.0, 218.5, 5000) * u.deg,
                  'DEC': rng.uniform(54.0, 54.9, 5000) * u.deg})
    larger = QTable(np.concatenate([np.asarray(dr1['RA', 'DEC']), np.asarray(far)]))
    larger['RA'].unit = larger['DEC'].unit = u.deg
    bigger = matcher.match(catalog, larger, footprint=mosaic)
    assert bigger.n_reference == 5028 and bigger.n_reference_counted == 7
    assert bigger.recall == inside.recall
    summary = bigger.summary(quantities=())
    assert summary['n_reference_in_footprint'][0] == 7
    assert 'inside the footprint' in summary['recall_counts'][0]


def test_recall_floor_is_stated(real_cutout):
    mosaic, catalog, dr1 = real_cutout
    result = CrossMatcher().match(catalog, dr1, footprint=mosaic, min_flux=1 * u.mJy)
    in_footprint = CrossMatcher().match(catalog, dr1, footprint=mosaic).reference_counted
    bright = np.asarray(dr1['Total_flux'] >= 1 * u.mJy)
    assert np.array_equal(result.reference_counted, in_footprint & bright)
    assert 0 < result.n_reference_counted < 7
    assert result.summary()['reference_floor'][0] == 'total_flux >= 1 mJy'
    assert result.precision == 1.0                     # detections of faint sources stay true
    curve = result.completeness(bins=[0.1, 1, 100] * u.mJy)
    assert curve['n_reference'].sum() == result.n_reference_counted
    snr = CrossMatcher().match(catalog, dr1, footprint=mosaic, min_snr=10)
    assert snr.summary()['reference_floor'][0] == 'snr >= 10'
    assert snr.n_reference_counted < 7


def test_one_default_match_radius():
    """Issue 11 item 9: one named default radius everywhere."""
    import inspect

    from lotss_tools.cli import build_parser
    from lotss_tools.radii import MATCH_RADIUS
    assert MATCH_RADIUS == 6 * u.arcsec
    assert CrossMatcher().radius == MATCH_RADIUS
    assert inspect.signature(match_one_to_one).parameters['radius'].default is MATCH_RADIUS
    assert inspect.signature(chance_match_rate).parameters['radius'].default is MATCH_RADIUS
    args = build_parser().parse_args(['xmatch', 'c.ecsv', '--reference', 'r.ecsv'])
    assert args.radius is None              # the command takes MATCH_RADIUS (test_cli)
    assert expected_chance_match_rate(1000 / u.deg ** 2) == pytest.approx(0.0087, abs=1e-4)
