"""Tests of DendroExtractor on simulated skies, the real LoTSS cutout and bad input."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools import DendroExtractor, Mosaic
from lotss_tools.datasets import get_path
from lotss_tools.exceptions import NoDetectionsWarning, NoiseModelMismatchError
from lotss_tools.noise import NoiseModel
from lotss_tools.schema import CATALOG_COLUMNS, COLUMN_UNITS, MOMENT_COLUMNS, SOURCE_COLUMNS
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


def test_columns_units_and_meta(simulated, catalog):
    moments = DendroExtractor(measurement='moments').extract(simulated[0])
    for table, names in ((catalog, SOURCE_COLUMNS), (moments, MOMENT_COLUMNS)):
        assert table.colnames == list(names)
        for name in names:
            assert table[name].info.description == CATALOG_COLUMNS[name][1]
            assert getattr(table[name], 'unit', None) == COLUMN_UNITS.get(name)
        for name, unit in EXPECTED_UNITS.items():
            assert table[name].unit == unit
    assert catalog.meta['threshold'] == 'local' and catalog.meta['measurement'] == 'gaussian'
    assert catalog.meta['min_npix'] == 8
    assert np.all(np.diff(catalog['peak_flux']) <= 0)  # brightest first
    assert np.all((catalog['pa'] >= 0 * u.deg) & (catalog['pa'] < 180 * u.deg))
    np.testing.assert_allclose(catalog['snr'], (catalog['peak_flux'] / catalog['local_rms']).value)


@pytest.mark.parametrize('level', ['sources', 'components'])
def test_quality_against_truth(simulated, level):
    """Default settings: precision (artifacts aside), recall at SNR >= 7, flux scale.

    The truth rows are single Gaussians: recall counts the components (a
    true source is found when a component lies on it), since true sources a
    beam or two apart can be one source of the source table, as in PyBDSF's.
    """
    mosaic, truth = simulated
    extraction = DendroExtractor().run(mosaic)
    catalog = extraction.catalog if level == 'sources' else extraction.components
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
    found, near = nearest(extraction.components, real)
    recall = np.isin(bright, found[near < 6 * u.arcsec]).mean()
    assert recall >= 0.95
    strong = matched & (real['snr'][index] >= 10)
    ratio = np.median((catalog['total_flux'][strong]
                       / real['total_flux'][index[strong]]).decompose())
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
    extraction = DendroExtractor.research_2023().run(simulated[0])
    table = extraction.catalog
    assert extraction.thresholds.min_npix == 8
    assert extraction.thresholds.min_value.unit == u.Jy / u.beam
    assert table.meta['threshold'] == 'research'
    assert table.meta['min_value'] == extraction.thresholds.min_value.to_string()
    assert np.all(table['eccentricity'] <= 0.9)
    percentile = DendroExtractor(threshold='percentile').run(simulated[0])
    assert u.isclose(percentile.thresholds.min_delta, 300 * u.uJy / u.beam)
    assert percentile.catalog.meta['min_value'] == 'per-tile 85th percentile'
    assert len(percentile.catalog) > 0


def test_explicit_parameters_win(simulated):
    used = DendroExtractor(min_value=3.0, min_delta=1.5, min_npix=12).run(simulated[0]).thresholds
    assert (used.min_value, used.min_delta, used.min_npix) == (3.0, 1.5, 12)
    research = DendroExtractor(0.5 * u.mJy / u.beam, threshold='research').run(simulated[0])
    assert u.isclose(research.thresholds.min_value, 0.5 * u.mJy / u.beam)


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
    with pytest.warns(NoDetectionsWarning, match='no source found'):
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
    extraction = extractor.run(simulated[0])
    catalog, segmentation = extraction.catalog, extraction.segmentation
    assert DendroExtractor().run(simulated[0]).segmentation is None
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
    with pytest.warns(NoDetectionsWarning):
        empty = DendroExtractor().extract(noise)
    assert len(empty) == 0
    stacked = vstack([empty, full], metadata_conflicts='silent')
    assert len(stacked) == len(full)
    assert stacked['ra'].unit == u.deg and type(stacked['ra']) is u.Quantity


# ------------------------------------------------ no state between calls
def test_same_extractor_on_a_noisier_mosaic_of_the_same_shape():
    """Issue 11 item 1: each mosaic gets its own noise and thresholds (was 2,657 vs 8)."""
    quiet, _ = simulate_mosaic((512, 512), seed=1)
    noisy, _ = simulate_mosaic((512, 512), seed=2, rms=400 * u.uJy / u.beam)
    extractor = DendroExtractor()
    before = repr(extractor)
    first = extractor.extract(quiet)
    second = extractor.extract(noisy)
    fresh = DendroExtractor().extract(noisy)
    assert len(first) > len(second)
    assert len(second) == len(fresh)
    np.testing.assert_array_equal(second['total_flux'], fresh['total_flux'])
    np.testing.assert_array_equal(second['local_rms'], fresh['local_rms'])
    assert repr(extractor) == before and not any(k.endswith('_') for k in vars(extractor))
    # Global thresholds too: the research rule is derived from each mosaic.
    research = DendroExtractor.research_2023()
    research.extract(quiet)
    assert len(research.extract(noisy)) == len(DendroExtractor.research_2023().extract(noisy))


def test_noise_model_is_explicit_and_checked(simulated):
    mosaic = simulated[0]
    extractor = DendroExtractor()
    extraction = extractor.run(mosaic)
    assert isinstance(extraction.noise, NoiseModel) and extraction.noise.shape == mosaic.shape
    again = extractor.extract(mosaic, noise=extraction.noise)
    np.testing.assert_array_equal(again['total_flux'], extraction.catalog['total_flux'])
    made = extractor.noise_model(mosaic)
    np.testing.assert_array_equal(made.rms, extraction.noise.rms)
    other, _ = simulate_mosaic((512, 512), seed=3)
    with pytest.raises(NoiseModelMismatchError, match='512 x 512 mosaic'):
        extractor.extract(other, noise=made)
    no_maps = NoiseModel.from_mosaic(mosaic, maps=False)
    with pytest.raises(NoiseModelMismatchError, match='maps'):
        extractor.extract(mosaic, noise=no_maps)
    research = DendroExtractor.research_2023()
    np.testing.assert_array_equal(research.extract(mosaic, noise=no_maps)['x'],
                                  research.extract(mosaic)['x'])


def test_catalogue_says_how_it_was_made(simulated, tmp_path):
    import json

    from lotss_tools import __version__
    from lotss_tools.provenance import mosaic_checksum
    path = simulated[0].write(tmp_path / 'field.fits')
    mosaic = Mosaic.read(path)
    extractor = DendroExtractor(tile_size=512)
    catalog = extractor.extract(mosaic)
    meta = catalog.meta
    assert meta['extractor'] == repr(extractor) == 'DendroExtractor(tile_size=512)'
    assert json.loads(meta['extractor_params'])['tile_size'] == 512
    assert meta['lotss_tools_version'] == __version__
    assert meta['mosaic_file'] == 'field.fits'
    assert meta['mosaic_sha256'] == mosaic_checksum(mosaic) == mosaic_checksum(simulated[0])
    assert meta['date'].endswith('+00:00')
    assert meta['n_tiles'] == len(TileGrid(mosaic.shape, tile_size=512, overlap=32)) > 1
    assert all(isinstance(v, (str, int, float)) for v in meta.values())
    # Every value survives FITS and ECSV.
    for suffix in ('.fits', '.ecsv'):
        out = tmp_path / f'catalog{suffix}'
        catalog.write(out)
        back = QTable.read(out).meta
        back = {k.lower(): v for k, v in back.items()}
        assert back['mosaic_sha256'] == meta['mosaic_sha256']
        assert back['extractor_params'] == meta['extractor_params']
    other = simulated[0]._replace(data=simulated[0].data * 2)
    assert mosaic_checksum(other) != meta['mosaic_sha256']


def test_positions_are_icrs_for_an_fk5_header(tmp_path):
    """Issue 11 item 6: EQUINOX without RADESYS (FK5) gives ICRS positions that merge."""
    from lotss_tools.cleaning import merge_catalogs
    mosaic, _ = simulate_mosaic((256, 256), seed=5)
    header = mosaic.header
    header.remove('RADESYS', ignore_missing=True)
    header['EQUINOX'] = 2000.0
    from astropy.io import fits
    path = tmp_path / 'fk5.fits'
    fits.PrimaryHDU(mosaic.data, header).writeto(path)
    fk5 = Mosaic.read(path)
    assert fk5.wcs.wcs.radesys == 'FK5'
    catalog = DendroExtractor().extract(fk5)
    assert catalog['sky_centroid'].frame.name == 'icrs'
    assert 'ICRS' in catalog['sky_centroid'].info.description
    icrs_sky = fk5.wcs.pixel_to_world(catalog['x'], catalog['y']).icrs
    assert u.allclose(catalog['ra'], icrs_sky.ra) and u.allclose(catalog['dec'], icrs_sky.dec)
    icrs_catalog = DendroExtractor().extract(mosaic)
    merged, duplicates = merge_catalogs([catalog, icrs_catalog], radius=6 * u.arcsec)
    assert len(merged) + len(duplicates) == len(catalog) + len(icrs_catalog)
    assert merged['sky_centroid'].frame.name == 'icrs'


def coarse_lofar_image(pixel=61.0, rms=1e-3, seed=3, shape=(160, 160), n_sources=60):
    """A LOFAR image with a 27 x 24 arcsec beam on coarse pixels (0.4 pixels per FWHM at 61").

    The restored image is sampled at pixel centres, as an imager writes it;
    the noise of such coarse pixels is nearly independent from pixel to pixel.
    """
    from astropy.wcs import WCS
    from radio_beam import Beam
    rng = np.random.default_rng(seed)
    major, minor = 27.0, 24.0      # arcsec
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---SIN', 'DEC--SIN']
    wcs.wcs.crval = [210.0, 54.0]
    wcs.wcs.crpix = [shape[1] / 2, shape[0] / 2]
    wcs.wcs.cdelt = [-pixel / 3600, pixel / 3600]
    x = rng.uniform(5, shape[1] - 5, n_sources)
    y = rng.uniform(5, shape[0] - 5, n_sources)
    flux = 10 ** rng.uniform(-1.7, -0.3, n_sources)          # 20-500 mJy point sources
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    data = rng.normal(0, rms, shape)
    sx, sy = major / pixel / 2.3548, minor / pixel / 2.3548  # beam PA 90: major along x
    for xi, yi, fi in zip(x, y, flux):
        data += fi * np.exp(-0.5 * (((xx - xi) / sx) ** 2 + ((yy - yi) / sy) ** 2))
    mosaic = Mosaic(data.astype(np.float32), wcs=wcs, unit='Jy/beam',
                    beam=Beam(major=major * u.arcsec, minor=minor * u.arcsec, pa=90 * u.deg))
    truth = QTable({'x': x, 'y': y, 'total_flux': flux * 1000 * u.mJy})
    return mosaic, truth


def flux_ratios(catalog, truth):
    distance = np.hypot(catalog['x'][:, None] - truth['x'], catalog['y'][:, None] - truth['y'])
    nearest_true, matched = distance.argmin(1), distance.min(1) < 1.0
    return (catalog['total_flux'][matched] / truth['total_flux'][nearest_true[matched]]).value


@pytest.mark.parametrize('pixel, rms', [(61.0, 1e-3), (20.0, 5e-3)])
def test_undersampled_image_is_measured_as_point_sources(pixel, rms):
    """Beams of 0.4 and 1.3 pixels: never zero sizes, point-source fluxes (issue 11.4).

    The pixel sum divided by the beam area counted the noise pixels of each
    structure five times over (median flux ratio 1.19 at 20", minor axes of 0).
    """
    from lotss_tools.exceptions import UndersampledBeamWarning
    mosaic, truth = coarse_lofar_image(pixel, rms)
    assert mosaic.undersampled and not simulate_mosaic((64, 64), seed=1)[0].undersampled
    with pytest.warns(UndersampledBeamWarning, match='fewer than 2.5'):
        catalog = DendroExtractor().extract(mosaic)
    assert len(catalog) >= 2
    assert (catalog['minor_fwhm'] >= 24 * u.arcsec * 0.999).all()
    assert (catalog['major_fwhm'] >= 27 * u.arcsec * 0.999).all()
    ratio = flux_ratios(catalog, truth)
    assert ratio.size == len(catalog)
    assert ratio.max() < 3.0          # never the pixel sums of 25 times the peak
    if pixel == 20.0:
        assert len(catalog) > 40 and 0.95 < np.median(ratio) < 1.06
    else:
        # Every source whose brightest pixel is 5.5 sigma above the noise is found: a
        # single lit pixel counts from min_value (astrodendro's rule found 2 of 60).
        noise = DendroExtractor().noise_model(mosaic)
        snr = noise.signal_to_noise(mosaic)
        sampled = [snr[int(round(y)), int(round(x))] for x, y in zip(truth['x'], truth['y'])]
        assert len(catalog) >= np.sum(np.asarray(sampled) >= 5.5) >= 30
        # 0.4 pixels per beam: most sources are sampled on the wing of their beam.
        assert np.median(ratio) < 0.7


# ------------------------------------------------------------------ speed paths
def photutils_reference(mosaic):
    """The former path: photutils' full-resolution maps, one dendrogram of the whole mosaic."""
    from lotss_tools.extraction import compute_dendrogram, measure_structures
    from lotss_tools.noise import local_background
    background = local_background(mosaic)
    rms = background.background_rms
    flux = np.where(mosaic.footprint, mosaic.data - background.background, np.nan)
    with np.errstate(invalid='ignore', divide='ignore'):
        image = (flux / rms).astype(np.float32)
    labels = compute_dendrogram(image, 2.5, 2.5, 8).leaf_labels()
    return measure_structures(flux, labels), rms


def test_catalogue_equals_the_photutils_map_path(simulated):
    """Meshes evaluated window by window give the catalogue of photutils' full maps."""
    mosaic = simulated[0]
    catalog = DendroExtractor(measurement='moments').extract(mosaic)
    measured, rms = photutils_reference(mosaic)
    order = np.lexsort((measured['peak_y'] * mosaic.shape[1] + measured['peak_x'],
                        -measured['peak']))
    assert len(catalog) == order.size
    for column, key in (('x', 'x'), ('y', 'y'), ('npix', 'npix')):
        np.testing.assert_array_equal(np.asarray(catalog[column]), measured[key][order])
    np.testing.assert_array_equal(catalog['peak_flux'].to_value(u.Jy / u.beam),
                                  measured['peak'][order])
    peaks = (measured['peak_y'][order], measured['peak_x'][order])
    np.testing.assert_array_equal(catalog['local_rms'].value, rms[peaks] * 1e3)


@pytest.fixture(scope='module')
def tall():
    """2048 rows: an untiled run is computed in two bands of 1024 rows and a seam
    window; a bright extended source straddles the band boundary (row 1024)."""
    mosaic, _ = simulate_mosaic((2048, 320), seed=13)
    yy, xx = np.mgrid[:2048, :320]
    blob = 2e-3 * np.exp(-0.5 * (((yy - 1020) / 20.0) ** 2 + ((xx - 160) / 9.0) ** 2))
    return Mosaic((mosaic.data + blob).astype(np.float32), wcs=mosaic.wcs, unit=mosaic.unit,
                  beam=mosaic.beam)


def spy_on(monkeypatch, cls, name):
    """Count the calls of a method."""
    calls = []
    original = getattr(cls, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)
    monkeypatch.setattr(cls, name, wrapper)
    return calls


def assert_same_catalogue(a, b, exact_y=False):
    """Same rows; y and the moments only to rounding (band coordinates).

    Gaussian catalogues (``fit_flag`` present) are least-squares fits started
    from windows whose coordinates differ by the band offset: the same
    sources and pixels, the fitted values to rounding (1e-9).
    """
    assert len(a) == len(b) > 0
    if 'fit_flag' in a.colnames:
        for name in a.colnames:
            if name == 'sky_centroid':
                continue
            x, y = np.asarray(a[name]), np.asarray(b[name])
            if name == 'island_id':        # numbered in the order windows report them
                x, y = (np.unique(v, return_inverse=True)[1].ravel() for v in (x, y))
                x, y = (np.unique(v, return_index=True)[1][v] for v in (x, y))
            if x.dtype.kind == 'f':
                np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12, err_msg=name)
            else:
                np.testing.assert_array_equal(x, y, err_msg=name)
        return
    for name in ('x', 'total_flux', 'peak_flux', 'npix', 'local_rms', 'snr', 'tile'):
        np.testing.assert_array_equal(np.asarray(a[name]), np.asarray(b[name]), err_msg=name)
    np.testing.assert_allclose(np.asarray(a['y']), np.asarray(b['y']), rtol=0,
                               atol=0 if exact_y else 1e-9)
    for name in ('major_fwhm', 'minor_fwhm'):
        np.testing.assert_allclose(a[name].value, b[name].value, rtol=1e-7, err_msg=name)


@pytest.mark.parametrize('measurement', ['moments', 'gaussian'])
def test_bands_give_the_structures_of_the_whole_mosaic(tall, monkeypatch, measurement):
    from lotss_tools.extraction import extractor
    seams = spy_on(monkeypatch, DendroExtractor, '_seam')
    banded = DendroExtractor(segmentation=True, measurement=measurement).run(tall)
    assert len(seams) == 1 and banded.n_tiles == 1
    monkeypatch.setattr(extractor, '_BAND_ROWS', 10 ** 6)         # one window
    whole = DendroExtractor(segmentation=True, measurement=measurement).run(tall)
    assert len(seams) == 1
    assert_same_catalogue(banded.catalog, whole.catalog)
    # The source across the band boundary is reported once, whole.
    near = np.hypot(banded.catalog['x'] - 160, banded.catalog['y'] - 1020) < 3
    assert near.sum() == 1
    source_id = banded.catalog['id'][near][0]
    rows = np.nonzero(banded.segmentation.data == source_id)[0]
    assert rows.min() < 1024 <= rows.max()
    np.testing.assert_array_equal(banded.segmentation.data > 0, whole.segmentation.data > 0)


@pytest.mark.parametrize('n_jobs', [2, -1])
def test_threads_do_not_change_the_catalogue(tall, n_jobs):
    serial = DendroExtractor().extract(tall)
    parallel = DendroExtractor(n_jobs=n_jobs).extract(tall)
    for name in serial.colnames:
        if name != 'sky_centroid':
            np.testing.assert_array_equal(np.asarray(serial[name]), np.asarray(parallel[name]))
    for key in ('min_value', 'mosaic_sha256', 'extractor_params'):
        assert serial.meta[key] == parallel.meta[key]


def test_percolating_components_fall_back_to_one_window(tall, monkeypatch):
    """A threshold below the noise joins everything: the mosaic is computed at once."""
    from lotss_tools.extraction import extractor
    low = dict(min_value=-1.0, min_delta=3.0)
    fallbacks = spy_on(monkeypatch, DendroExtractor, '_map_windows')
    banded = DendroExtractor(**low).extract(tall)
    assert len(fallbacks) == 1
    monkeypatch.setattr(extractor, '_BAND_ROWS', 10 ** 6)
    assert_same_catalogue(banded, DendroExtractor(**low).extract(tall), exact_y=True)


def test_local_extraction_makes_no_full_maps_and_no_global_rms(simulated):
    extraction = DendroExtractor().run(simulated[0])
    assert 'global_rms' not in extraction.catalog.meta
    for lazy in ('global_rms', 'rms', 'background'):
        assert lazy not in extraction.noise.__dict__
    research = DendroExtractor.research_2023().extract(simulated[0])
    assert research.meta['global_rms'] == extraction.noise.global_rms.to_string()
