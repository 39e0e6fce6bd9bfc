"""Tests of the KD-tree neighbour searches against astropy's own."""

import numpy as np
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
