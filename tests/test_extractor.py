"""Tests of DendroExtractor on simulated skies, the real LoTSS cutout and bad input."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools import DendroExtractor, Mosaic
from lotss_tools.datasets import get_path
from lotss_tools.schema import CATALOG_COLUMNS
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.tiling import TileGrid


EXPECTED_UNITS = {'ra': u.deg, 'dec': u.deg, 'total_flux': u.mJy, 'peak_flux': u.mJy / u.beam,
                  'major_fwhm': u.arcsec, 'minor_fwhm': u.arcsec, 'pa': u.deg,
                  'local_rms': u.mJy / u.beam}


@pytest.fixture(scope='module')
def simulated():
    return simulate_mosaic((1024, 1024), seed=21)


@pytest.fixture(scope='module')
def catalog(simulated):
    return DendroExtractor().extract(simulated[0])


def nearest(catalog, truth):
    """Index of and distance to the nearest true source of each detection."""
    index, distance, _ = catalog['sky_centroid'].match_to_catalog_sky(
        SkyCoord(truth['ra'], truth['dec']))
    return index, distance


def test_columns_units_and_meta(catalog):
    for name in CATALOG_COLUMNS:
        assert name in catalog.colnames
        assert catalog[name].info.description == CATALOG_COLUMNS[name][1]
    for name, unit in EXPECTED_UNITS.items():
        assert catalog[name].unit == unit
    assert catalog.meta['threshold'] == 'local'
    assert catalog.meta['min_npix'] == 8
    assert np.all(np.diff(catalog['peak_flux']) <= 0)  # brightest first
    assert np.all((catalog['pa'] >= 0 * u.deg) & (catalog['pa'] < 180 * u.deg))
    np.testing.assert_allclose(catalog['snr'], (catalog['peak_flux'] / catalog['local_rms']).value)


def test_quality_against_truth(simulated, catalog):
    """Default settings: precision (artifacts aside), recall at SNR >= 7, flux scale."""
    mosaic, truth = simulated
    real = truth[truth['in_footprint'] & ~truth['artifact']]
    index, distance = nearest(catalog, real)
    matched = distance < 6 * u.arcsec
    artifacts = truth[truth['artifact']]
    assert len(artifacts) > 0  # the simulation puts an artifact-bearing source in this field
    _, to_artifact = nearest(catalog, artifacts)
    on_artifact = ~matched & (to_artifact < 6 * u.arcsec)
    precision = matched.sum() / (len(catalog) - on_artifact.sum())
    assert precision >= 0.95
    bright = np.flatnonzero(real['snr'] >= 7)
    recall = np.isin(bright, index[matched]).mean()
    assert recall >= 0.95
    strong = matched & (real['snr'][index] >= 10)
    ratio = np.median((catalog['total_flux'][strong] / real['total_flux'][index[strong]]).decompose())
    assert 0.9 < ratio < 1.1
    # Sizes are FWHM convolved with the beam, like the survey's: point sources ~ 6 arcsec.
    point = strong & ~real['resolved'][index]
    assert 5 * u.arcsec < np.median(catalog['major_fwhm'][point]) < 8 * u.arcsec


def test_position_angle_east_of_north():
    """An elongated source at PA 30 deg is measured at PA 30 deg, not from the x axis."""
    sources = QTable({'x': [100.0], 'y': [100.0], 'total_flux': [50.0] * u.mJy,
                      'dc_major_fwhm': [30.0] * u.arcsec, 'dc_minor_fwhm': [6.0] * u.arcsec,
                      'pa': [30.0] * u.deg})
    mosaic, _ = simulate_mosaic((200, 200), seed=3, sources=sources, holes=False, blank_edges=False)
    catalog = DendroExtractor().extract(mosaic)
    brightest = catalog[0]
    assert abs(brightest['pa'] - 30 * u.deg) < 3 * u.deg
    assert brightest['major_fwhm'] > 2 * brightest['minor_fwhm']


def test_backends_give_the_same_catalogue():
    mosaic, _ = simulate_mosaic((200, 240), seed=5, source_density=5000 / u.deg ** 2)
    fast = DendroExtractor(backend='fast').extract(mosaic)
    reference = DendroExtractor(backend='astrodendro').extract(mosaic)
    assert len(fast) == len(reference) > 8
    for name in ('x', 'y', 'total_flux', 'peak_flux', 'major_fwhm', 'npix'):
        np.testing.assert_allclose(u.Quantity(fast[name]).value, u.Quantity(reference[name]).value)


def test_tiles_report_overlap_sources_once_and_cut_sources_whole():
    """A point source in the overlap of two tiles and a large source across a
    tile edge are each reported once, with the flux of the untiled run."""
    sources = QTable({'x': [112.0, 180.0, 60.0], 'y': [60.0, 112.0, 200.0],
                      'total_flux': [20.0, 80.0, 20.0] * u.mJy,
                      'dc_major_fwhm': [0.0, 70.0, 0.0] * u.arcsec,
                      'dc_minor_fwhm': [0.0, 45.0, 0.0] * u.arcsec, 'pa': [0.0, 10.0, 0.0] * u.deg})
    mosaic, truth = simulate_mosaic((256, 256), seed=8, sources=sources, holes=False,
                                    blank_edges=False)
    whole = DendroExtractor(structure='trunks').extract(mosaic)
    # Tiles of 128 with an overlap of 32: the grid lines at ~96-128 cut the sources.
    tiled = DendroExtractor(structure='trunks', tile_size=128, tile_overlap=32).extract(mosaic)
    assert len(np.unique(tiled['tile'])) > 1
    for row in truth:
        position = SkyCoord(row['ra'], row['dec'])
        found = tiled[tiled['sky_centroid'].separation(position) < 12 * u.arcsec]
        reference = whole[whole['sky_centroid'].separation(position) < 12 * u.arcsec]
        assert len(found) == 1, row['id']
        assert u.isclose(found['total_flux'][0], reference['total_flux'][0], rtol=1e-6)
    # The large source really is wider than the overlap.
    big = tiled[tiled['sky_centroid'].separation(SkyCoord(truth['ra'][1], truth['dec'][1])) < 12 * u.arcsec]
    assert big['npix'][0] > 32 * 32


def test_tiled_and_untiled_catalogues_agree(simulated, catalog):
    tiled = DendroExtractor(tile_size=300, tile_overlap=40).extract(simulated[0])
    assert abs(len(tiled) - len(catalog)) <= 0.01 * len(catalog) + 1
    _, distance, _ = tiled['sky_centroid'].match_to_catalog_sky(catalog['sky_centroid'])
    assert np.mean(distance < 1 * u.arcsec) > 0.99


def test_research_configuration(simulated):
    extractor = DendroExtractor.research_2023()
    table = extractor.extract(simulated[0])
    assert extractor.min_npix_ == 8
    assert extractor.min_value_.unit == u.Jy / u.beam
    assert table.meta['threshold'] == 'research'
    assert np.all(table['eccentricity'] <= 0.9)
    percentile = DendroExtractor(threshold='percentile').fit(simulated[0])
    assert u.isclose(percentile.min_delta_, 300 * u.uJy / u.beam)
    assert len(percentile.extract(simulated[0])) > 0


def test_explicit_parameters_win(simulated):
    extractor = DendroExtractor(min_value=3.0, min_delta=1.5, min_npix=12).fit(simulated[0])
    assert (extractor.min_value_, extractor.min_delta_, extractor.min_npix_) == (3.0, 1.5, 12)
    research = DendroExtractor(0.5 * u.mJy / u.beam, threshold='research').fit(simulated[0])
    assert u.isclose(research.min_value_, 0.5 * u.mJy / u.beam)


def test_real_lotss_cutout_recovers_dr1():
    """Every DR1 source inside the cutout with peak >= 7 Isl_rms is found, and
    every detection with SNR >= 7 lies within 12 arcsec of a DR1 source."""
    mosaic = Mosaic.read(get_path('lotss-cutout'))
    dr1 = QTable.read(get_path('lotss-dr1-sources'))
    catalog = DendroExtractor(box_size=10).extract(mosaic)
    dr1_coords = SkyCoord(dr1['RA'], dr1['DEC'])
    x, y = mosaic.wcs.world_to_pixel(dr1_coords)
    inside = (x > 2) & (x < 197) & (y > 2) & (y < 197)
    bright = dr1[inside & (dr1['Peak_flux'] >= 7 * dr1['Isl_rms'])]
    assert len(bright) == 4  # what DR1 found above 7 sigma in this cutout
    _, distance, _ = SkyCoord(bright['RA'], bright['DEC']).match_to_catalog_sky(catalog['sky_centroid'])
    assert np.all(distance < 6 * u.arcsec)
    _, to_dr1, _ = catalog['sky_centroid'].match_to_catalog_sky(dr1_coords)
    assert np.all((to_dr1 < 12 * u.arcsec) | (catalog['snr'] < 7))


def test_empty_and_degenerate_images(simulated):
    mosaic = simulated[0]
    noise_only, _ = simulate_mosaic((256, 256), seed=2, source_density=0, n_artifact_sources=0)
    assert len(DendroExtractor().extract(noise_only)) <= 1
    constant = Mosaic(np.ones((128, 128), np.float32), wcs=mosaic.wcs[:128, :128],
                      unit='Jy/beam', beam=mosaic.beam)
    empty = DendroExtractor().extract(constant)
    assert len(empty) == 0
    for name, unit in EXPECTED_UNITS.items():
        assert empty[name].unit == unit
    half_nan = mosaic.data[:300, :300].copy()
    half_nan[:, :200] = np.nan
    holed = Mosaic(half_nan, wcs=mosaic.wcs[:300, :300], unit='Jy/beam', beam=mosaic.beam)
    table = DendroExtractor(tile_size=128, tile_overlap=16).extract(holed)
    assert np.all(table['x'] >= 199)


@pytest.mark.parametrize('kwargs, match', [
    ({'min_npix': -1}, 'min_npix'), ({'min_delta': 0}, 'min_delta'),
    ({'threshold': 'global'}, 'threshold'), ({'backend': 'c'}, 'backend'),
    ({'structure': 'branches'}, 'structure'), ({'tile_size': 40, 'tile_overlap': 32}, 'tile_size'),
    ({'max_eccentricity': 1.5}, 'max_eccentricity')])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DendroExtractor(**kwargs)


@pytest.mark.parametrize('tile_size', [None, 200])
def test_segmentation_matches_catalogue(simulated, tile_size):
    extractor = DendroExtractor(segmentation=True, tile_size=tile_size, tile_overlap=32)
    catalog = extractor.extract(simulated[0])
    segmentation = extractor.segmentation_
    assert segmentation.shape == simulated[0].shape
    assert sorted(segmentation.labels.tolist()) == sorted(catalog['id'].tolist())
    areas = segmentation.get_areas(catalog['id'])
    np.testing.assert_array_equal(areas, catalog['npix'])
    # The centroid pixel of a compact source lies in its own segment.
    compact = catalog[catalog['npix'] < 60]
    x, y = np.round(compact['x']).astype(int), np.round(compact['y']).astype(int)
    assert np.mean(segmentation.data[y, x] == compact['id']) > 0.95


def test_image_smaller_than_a_tile():
    mosaic = Mosaic.read(get_path('lotss-cutout'))
    whole = DendroExtractor(box_size=10).extract(mosaic)
    tiled = DendroExtractor(box_size=10, tile_size=512).extract(mosaic)
    assert len(whole) == len(tiled) > 0
    np.testing.assert_allclose(tiled['total_flux'].value, whole['total_flux'].value)


def test_parallel_tiles_give_the_same_catalogue(simulated):
    serial = DendroExtractor(tile_size=256, tile_overlap=32).extract(simulated[0])
    parallel = DendroExtractor(tile_size=256, tile_overlap=32, n_jobs=2).extract(simulated[0])
    assert len(serial) == len(parallel)
    np.testing.assert_array_equal(serial['x'], parallel['x'])
    np.testing.assert_array_equal(serial['total_flux'], parallel['total_flux'])
    with pytest.raises(ValueError, match='n_jobs'):
        DendroExtractor(n_jobs=0)


def test_progress_over_tiles(simulated, caplog):
    quiet = DendroExtractor(tile_size=512, tile_overlap=32).extract(simulated[0])
    with caplog.at_level('INFO', logger='lotss_tools.extraction.extractor'):
        shown = DendroExtractor(tile_size=512, tile_overlap=32, progress=True).extract(simulated[0])
    assert len(shown) == len(quiet)
    n_tiles = len(TileGrid(simulated[0].shape, tile_size=512, overlap=32))
    assert n_tiles > 1
    assert f'tile {n_tiles}/{n_tiles} done' in caplog.text


def test_empty_and_full_catalogues_stack(simulated):
    """Catalogues of tiles or mosaics with and without sources stack into one table."""
    from astropy.table import vstack
    full = DendroExtractor().extract(simulated[0])
    noise, _ = simulate_mosaic((128, 128), seed=2, source_density=0, n_artifact_sources=0,
                               rms=0)
    empty = DendroExtractor().extract(noise)
    assert len(empty) == 0
    stacked = vstack([empty, full], metadata_conflicts='silent')
    assert len(stacked) == len(full)
    assert stacked['ra'].unit == u.deg and type(stacked['ra']) is u.Quantity
