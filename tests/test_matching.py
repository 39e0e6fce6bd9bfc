"""Tests of optimal one-to-one matching."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools.crossmatch import match_one_to_one, recall_precision
from lotss_tools.schema import catalog_coordinates


def offsets(ra_arcsec, dec_arcsec=None):
    ra = np.asarray(ra_arcsec, float)
    dec = np.zeros_like(ra) if dec_arcsec is None else np.asarray(dec_arcsec, float)
    return SkyCoord(150 * u.deg + ra * u.arcsec / np.cos(np.radians(2)), 2 * u.deg + dec * u.arcsec)


def test_optimal_not_greedy():
    """Greedy matching (closest pair first) would match one pair; the optimum two."""
    catalog = offsets([0.0, 4.0])
    reference = offsets([2.5, -2.5])
    # Closest pair is catalog 0 - reference 0 (2.5"), which leaves catalog 1
    # 6.5" from reference 1: greedy gets 1 match, the optimum gets 2.
    ia, ib, sep = match_one_to_one(catalog, reference, 5 * u.arcsec)
    assert sorted(zip(ia.tolist(), ib.tolist())) == [(0, 1), (1, 0)]
    assert np.all(sep < 5 * u.arcsec)


def test_order_independent_and_one_to_one():
    rng = np.random.default_rng(1)
    truth = offsets(rng.uniform(0, 600, 300), rng.uniform(0, 600, 300))
    found = SkyCoord(truth.ra + rng.normal(0, 1.5, 300) * u.arcsec,
                     truth.dec + rng.normal(0, 1.5, 300) * u.arcsec)
    ia, ib, _ = match_one_to_one(found, truth, 6 * u.arcsec)
    assert len(set(ia)) == len(ia) and len(set(ib)) == len(ib)
    perm = rng.permutation(300)
    ja, jb, _ = match_one_to_one(found[perm], truth, 6 * u.arcsec)
    assert len(ja) == len(ia)
    assert sorted(zip(perm[ja].tolist(), jb.tolist())) == sorted(zip(ia.tolist(), ib.tolist()))


def test_tables_and_scores():
    a = QTable({'ra': [150.0, 150.01] * u.deg, 'dec': [2.0, 2.0] * u.deg})
    b = QTable({'RA': [150.0, 151.0, 152.0] * u.deg, 'DEC': [2.0, 2.0, 2.0] * u.deg})
    recall, precision = recall_precision(a, b, 6 * u.arcsec)
    assert recall == pytest.approx(1 / 3) and precision == pytest.approx(1 / 2)
    assert match_one_to_one(a[:0], b)[0].size == 0
    assert np.isnan(recall_precision(a[:0], b)[1])
    with pytest.raises(ValueError, match='no positions'):
        catalog_coordinates(QTable({'flux': [1.0]}))
