"""Tests of merging overlapping catalogues (CatalogCleaner.merge / merge_catalogs)."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools import DendroExtractor
from lotss_tools.cleaning import CatalogCleaner, MissingColumnError, edge_distance, merge_catalogs
from lotss_tools.crossmatch import match_one_to_one
from lotss_tools.simulate import simulate_mosaic

CENTER = SkyCoord(218 * u.deg, 55 * u.deg)


@pytest.fixture(scope='module')
def overlapping():
    """Two 512-pixel mosaics 0.15 deg apart (0.06 deg overlap) sharing one sky."""
    rng = np.random.default_rng(5)
    n = 160
    ra = 218 + rng.uniform(-0.1, 0.25, n) / np.cos(np.radians(55))
    dec = 55 + rng.uniform(-0.1, 0.1, n)
    sources = QTable({'ra': ra * u.deg, 'dec': dec * u.deg,
                      'total_flux': 10 ** rng.uniform(0.3, 1.5, n) * u.mJy})
    second = CENTER.directional_offset_by(90 * u.deg, 0.15 * u.deg)
    mosaics, catalogs = [], []
    for seed, center in ((1, CENTER), (2, second)):
        mosaic, _ = simulate_mosaic((512, 512), seed=seed, center=center, sources=sources)
        mosaics.append(mosaic)
        catalogs.append(DendroExtractor().extract(mosaic))
    return sources, mosaics, catalogs


def test_each_shared_source_appears_once(overlapping):
    sources, mosaics, catalogs = overlapping
    merged, rejected = CatalogCleaner().merge(catalogs, mosaics)
    assert len(merged) + len(rejected) == sum(len(c) for c in catalogs)
    assert len(rejected) >= 5
    assert set(rejected['reason']) == {'overlap_duplicate'}
    # Every true source is matched at most once by the merged catalogue, and
    # the merged catalogue finds as many true sources as the two inputs together.
    both = [set(match_one_to_one(c, sources, 6 * u.arcsec)[1]) for c in catalogs]
    im, it, _ = match_one_to_one(merged, sources, 6 * u.arcsec)
    assert len(set(it)) == len(it) and len(it) >= len(both[0] | both[1]) - 1
    pairs_left = match_one_to_one(merged[merged['catalog'] == 0],
                                  merged[merged['catalog'] == 1], 6 * u.arcsec)[0]
    assert len(pairs_left) == 0


def test_kept_copy_is_farthest_from_its_edge(overlapping):
    _, mosaics, catalogs = overlapping
    merged, rejected = merge_catalogs(catalogs, mosaics)
    for row in rejected:
        kept_row = merged[np.flatnonzero(merged['id'] == row['rejected_by'])[0]]
        assert kept_row['catalog'] == row['rejected_by_catalog']
        assert row['rejected_by_catalog'] != row['catalog']
        d_rejected = edge_distance(row['sky_centroid'], mosaics[row['catalog']])
        d_kept = edge_distance(kept_row['sky_centroid'], mosaics[row['rejected_by_catalog']])
        assert d_kept >= d_rejected
        assert kept_row['sky_centroid'].separation(row['sky_centroid']) < 6 * u.arcsec


def test_tile_footprints_as_wcs_shape_pairs(overlapping):
    _, mosaics, catalogs = overlapping
    pairs = [(m.wcs, m.shape) for m in mosaics]
    merged, rejected = merge_catalogs(catalogs, pairs)
    merged_m, rejected_m = merge_catalogs(catalogs, mosaics)
    assert len(rejected) == len(rejected_m)


def test_lowest_local_rms_without_footprints():
    coords = SkyCoord([10, 10.01] * u.deg, [20, 20] * u.deg)

    def catalog(rms, shift):
        table = QTable({'id': [1, 2], 'ra': coords.ra + shift, 'dec': coords.dec,
                        'total_flux': [5, 6] * u.mJy, 'local_rms': rms * u.mJy / u.beam})
        return table
    a, b = catalog([0.1, 0.3], 0 * u.deg), catalog([0.2, 0.2], 1 * u.arcsec)
    merged, rejected = merge_catalogs([a, b])
    assert list(zip(merged['catalog'], merged['catalog_id'], merged['id'])) == [(0, 1, 1),
                                                                                (1, 2, 4)]
    assert list(zip(rejected['catalog'], rejected['catalog_id'], rejected['rejected_by'],
                    rejected['rejected_by_catalog'])) == [(0, 2, 4, 1), (1, 1, 1, 0)]


def test_one_copy_never_removes_two_neighbours():
    # Catalogue 1 resolved a pair 4 arcsec apart; catalogue 0 saw one source
    # between them: only one of the pair is its copy.
    a = QTable({'id': [1], 'ra': [10.0] * u.deg, 'dec': [20.0] * u.deg,
                'local_rms': [0.1] * u.mJy / u.beam})
    offsets = SkyCoord(10 * u.deg, 20 * u.deg).spherical_offsets_by([-2, 2] * u.arcsec,
                                                                     [0, 0] * u.arcsec)
    b = QTable({'id': [1, 2], 'ra': offsets.ra, 'dec': offsets.dec,
                'local_rms': [0.2, 0.2] * u.mJy / u.beam})
    merged, rejected = merge_catalogs([a, b])
    assert len(rejected) == 1 and len(merged) == 2


def test_merge_errors_and_degenerate_input(overlapping):
    _, mosaics, catalogs = overlapping
    with pytest.raises(ValueError, match='one Mosaic'):
        merge_catalogs(catalogs, mosaics[:1])
    with pytest.raises(TypeError, match='footprint'):
        merge_catalogs(catalogs, [mosaics[0], 'image.fits'])
    no_rms = [c[['id', 'ra', 'dec']] for c in catalogs]
    with pytest.raises(MissingColumnError, match='local_rms'):
        merge_catalogs(no_rms)
    with pytest.raises(ValueError, match='different columns'):
        merge_catalogs([catalogs[0], catalogs[1][['id', 'ra', 'dec']]])
    with pytest.raises(ValueError, match='at least one'):
        merge_catalogs([])
    merged, rejected = merge_catalogs([catalogs[0], catalogs[1][:0]], mosaics)
    assert len(merged) == len(catalogs[0]) and len(rejected) == 0
    merged, rejected = merge_catalogs([catalogs[0][:0]])
    assert len(merged) == 0 and 'overlap_duplicate' not in rejected['reason']


def test_edge_distance_counts_blank_pixels():
    mosaic, _ = simulate_mosaic((200, 200), seed=1, holes=False, blank_edges=False)
    data = mosaic.data.copy()
    data[:, 150:] = np.nan                           # a blank band on the right
    from lotss_tools import Mosaic
    blanked = Mosaic(data, wcs=mosaic.wcs, unit=mosaic.unit, meta=mosaic.meta)
    points = mosaic.wcs.pixel_to_world([100, 140, 170], [100, 100, 100])
    full = edge_distance(points, mosaic).to_value(u.arcsec)
    cut = edge_distance(points, blanked).to_value(u.arcsec)
    scale = mosaic.pixel_scale.to_value(u.arcsec / u.pix)
    assert np.allclose(full, np.array([99.5, 59.5, 29.5]) * scale)
    assert np.allclose(cut, np.array([49.5, 9.5, 0]) * scale)
