"""Tests of the KD-tree neighbour searches against astropy's own."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from lotss_tools.neighbours import SkyTree, pairs_within


def random_sky(n, seed):
    rng = np.random.default_rng(seed)
    return SkyCoord(rng.uniform(179, 181, n) * u.deg, rng.uniform(-1, 1, n) * u.deg)


def test_pairs_agree_with_search_around_sky():
    a, b = random_sky(3000, 1), random_sky(2000, 2)
    ia, ib, sep = pairs_within(a, b, 60 * u.arcsec)
    jb, ja, sep_astropy, _ = a.search_around_sky(b, 60 * u.arcsec)
    assert sorted(zip(ia.tolist(), ib.tolist())) == sorted(zip(ja.tolist(), jb.tolist()))
    np.testing.assert_allclose(np.sort(sep.to_value(u.arcsec)),
                               np.sort(sep_astropy.to_value(u.arcsec)), rtol=1e-7)


def test_self_pairs_and_variable_radius():
    coords = random_sky(2000, 3)
    tree = SkyTree(coords)
    i, j, sep = tree.self_pairs(90 * u.arcsec)
    assert np.all(i < j) and np.all(sep < 90 * u.arcsec)
    np.testing.assert_allclose(sep.to_value(u.arcsec),
                               coords[i].separation(coords[j]).to_value(u.arcsec), rtol=1e-7)
    radii = np.linspace(1, 200, 2000) * u.arcsec
    groups = tree.within(coords, radii)
    for k in (0, 999, 1999):
        expected = np.flatnonzero(coords.separation(coords[k]) <= radii[k])
        assert sorted(groups[k]) == expected.tolist()


def test_empty():
    empty = SkyCoord([] * u.deg, [] * u.deg)
    assert pairs_within(empty, random_sky(3, 0), 1 * u.arcsec)[0].size == 0


def brute_force_reach(coords_a, coords_b, radius, same):
    """Pairs (i, j) with coords_b[j] closer to coords_a[i] than radius[i] (j > i if same)."""
    full = coords_a[:, None].separation(coords_b[None, :]).arcsec
    hit = full < radius[:, None]
    if same:
        hit &= np.triu(np.ones(hit.shape, bool), 1)
    i, j = np.nonzero(hit)
    return sorted(zip(i.tolist(), j.tolist())), full


def collect(chunks):
    pairs, separation, n_chunks = {}, {}, 0
    for i, j, sep in chunks:
        n_chunks += 1
        for a, b, s in zip(i.tolist(), j.tolist(), sep.to_value(u.arcsec).tolist()):
            assert (a, b) not in pairs           # each pair once
            pairs[(a, b)] = s
    return sorted(pairs), pairs, n_chunks


@pytest.mark.parametrize('max_pairs', [4_000_000, 300])
@pytest.mark.parametrize('same', [True, False])
def test_iter_pairs_within_matches_brute_force(same, max_pairs):
    coords = random_sky(1500, 4)
    other = coords if same else random_sky(1200, 5)
    rng = np.random.default_rng(6)
    radius = rng.lognormal(5, 1.0, len(coords))            # 20 arcsec to 1 deg
    radius[::50] = 0                                        # reach nothing
    radius[1::50] = np.nan
    tree = SkyTree(coords)
    chunks = tree.iter_pairs_within(radius * u.arcsec, None if same else SkyTree(other),
                                    split_quantile=0.8, max_pairs=max_pairs)
    got, separation, n_chunks = collect(chunks)
    expected, full = brute_force_reach(coords, other, np.nan_to_num(radius), same)
    assert len(expected) > 5000
    assert got == expected
    a, b = np.array(got).T
    np.testing.assert_allclose([separation[p] for p in got], full[a, b], rtol=1e-7)
    if max_pairs < 1000:
        assert n_chunks > 10                                # searched in bounded chunks


def test_iter_pairs_within_one_radius_and_degenerate_input():
    coords = random_sky(500, 7)
    tree = SkyTree(coords)
    got, _, _ = collect(tree.iter_pairs_within(200 * u.arcsec))
    i, j, _ = tree.self_pairs(200 * u.arcsec)
    assert got == sorted(zip(i.tolist(), j.tolist())) and len(got) > 50
    assert list(tree.iter_pairs_within(0 * u.arcsec)) == []
    assert list(tree.iter_pairs_within(np.full(500, np.nan) * u.arcsec)) == []
    empty = SkyTree(SkyCoord([] * u.deg, [] * u.deg))
    assert list(empty.iter_pairs_within(1 * u.arcsec)) == []
    assert list(tree.iter_pairs_within(1 * u.deg, empty)) == []
    # Trees over vectors and over some points of a tree.
    part = tree.subset([3, 1])
    np.testing.assert_array_equal(part.vectors, tree.vectors[[3, 1]])
    assert len(SkyTree.from_vectors(tree.vectors)) == 500 and len(part) == 2
    # The whole sky: every pair.
    got, _, _ = collect(SkyTree(coords[:40]).iter_pairs_within(360 * u.deg))
    assert len(got) == 40 * 39 // 2
