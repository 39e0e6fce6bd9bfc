"""The extractor's Gaussian measurement: sources made of components, their columns and errors,
tiles, threads, NaN holes, the unchanged moment path, the pipeline levels, the DR2 schema."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable

from lotss_tools import CatalogCleaner, DendroExtractor, Mosaic, Pipeline
from lotss_tools.datasets import get_path
from lotss_tools.exceptions import NoDetectionsWarning
from lotss_tools.extraction import FitFlag
from lotss_tools.io import read_table, write_table
from lotss_tools.schema import (CATALOG_COLUMNS, COLUMN_UNITS, COMPONENT_COLUMNS,
                                LOTSS_DR2_COLUMNS, SOURCE_COLUMNS, normalise_columns,
                                to_lotss_dr2)
from lotss_tools.simulate import simulate_mosaic

from .injection import double_source, grid_sky, grouping_outcome, point_pair

ERRORS = ('ra_err', 'dec_err', 'total_flux_err', 'peak_flux_err', 'major_fwhm_err',
          'minor_fwhm_err', 'pa_err')


@pytest.fixture(scope='module')
def sky():
    return simulate_mosaic((1024, 1024), seed=21)


@pytest.fixture(scope='module')
def extraction(sky):
    return DendroExtractor().run(sky[0])


def test_source_and_component_columns(extraction):
    sources, components = extraction.catalog, extraction.components
    assert sources.colnames == list(SOURCE_COLUMNS)
    assert components.colnames == list(COMPONENT_COLUMNS)
    for table in (sources, components):
        for name in table.colnames:
            assert table[name].info.description == CATALOG_COLUMNS[name][1], name
            assert getattr(table[name], 'unit', None) == COLUMN_UNITS.get(name), name
    assert len(sources) > 50 and len(components) >= len(sources)
    np.testing.assert_array_equal(sources['id'], sources['source_id'])
    np.testing.assert_array_equal(sources['id'], np.arange(1, len(sources) + 1))
    assert np.all(np.diff(sources['peak_flux']) <= 0)          # brightest first
    np.testing.assert_allclose(sources['snr'], (sources['peak_flux'] / sources['local_rms']).value)
    assert set(sources['s_code']) <= {'S', 'C', 'M'} and 'M' in set(sources['s_code'])


def test_errors_are_present_and_finite_for_fitted_rows(extraction):
    for table in (extraction.components, extraction.catalog):
        fitted = (np.asarray(table['fit_flag']) & FitFlag.MOMENTS) == 0
        assert fitted.mean() > 0.95
        for name in ERRORS:
            values = table[name][fitted].value
            assert np.all(np.isfinite(values) & (values > 0)), name
        assert np.all(table['pa_err'][fitted] <= 180 * u.deg)
        assert np.all(np.isfinite(table['island_rms'].value) & (table['island_rms'].value > 0))


def test_components_link_to_sources(extraction):
    sources, components = extraction.catalog, extraction.components
    ids = np.asarray(components['source_id'])
    assert set(ids) == set(sources['source_id'])
    counts = np.bincount(ids, minlength=len(sources) + 1)[1:]
    np.testing.assert_array_equal(counts, sources['n_components'])
    summed = np.bincount(ids, components['total_flux'].to_value(u.mJy), len(sources) + 1)[1:]
    np.testing.assert_allclose(summed, sources['total_flux'].to_value(u.mJy), rtol=1e-10)
    np.testing.assert_array_equal(np.bincount(ids, components['npix'], len(sources) + 1)[1:],
                                  sources['npix'])
    # S/C/M: several components make M; a single component is C when its island holds
    # another source, S otherwise; components carry their source's code.
    multi = sources['n_components'] > 1
    assert np.all(sources['s_code'][multi] == 'M') and np.all(sources['s_code'][~multi] != 'M')
    np.testing.assert_array_equal(components['s_code'], sources['s_code'][ids - 1])
    for row in sources[~multi]:
        island = components['island_id'][ids == row['source_id']][0]
        others = set(ids[components['island_id'] == island]) - {row['source_id']}
        assert (row['s_code'] == 'C') == bool(others)


def test_trunks_make_each_island_one_source(sky):
    components = DendroExtractor(structure='trunks').run(sky[0]).components
    for island in np.unique(components['island_id']):
        assert np.unique(components['source_id'][components['island_id'] == island]).size == 1


def test_moment_path_is_unchanged():
    """research_2023 and the moment measurement give main's catalogues bit for bit."""
    for frozen, make, shape, seed in (
            ('research_2023_seed21.ecsv', DendroExtractor.research_2023, (1024, 1024), 21),
            ('moments_seed4.ecsv', lambda: DendroExtractor(measurement='moments', tile_size=256,
                                                           tile_overlap=32), (512, 512), 4)):
        reference = QTable.read(Path(__file__).parent / 'data' / frozen)
        extraction = make().run(simulate_mosaic(shape, seed=seed)[0])
        catalog = extraction.catalog
        assert extraction.components is None
        assert catalog.colnames == reference.colnames
        for name in catalog.colnames:
            if name == 'sky_centroid':
                np.testing.assert_array_equal(catalog[name].ra.deg, reference[name].ra.deg)
                continue
            np.testing.assert_array_equal(np.asarray(catalog[name]), np.asarray(reference[name]),
                                          err_msg=name)
            assert getattr(catalog[name], 'unit', None) == getattr(reference[name], 'unit', None)


def test_tiles_agree_with_the_whole_image(sky, extraction):
    tiled = DendroExtractor(tile_size=256, tile_overlap=32).run(sky[0])
    whole = extraction.catalog
    assert abs(len(tiled.catalog) - len(whole)) <= 2
    index, distance, _ = tiled.catalog['sky_centroid'].match_to_catalog_sky(whole['sky_centroid'])
    close = distance < 0.01 * u.arcsec
    assert close.mean() > 0.97
    # The same island fitted in a tile and in the whole image: the same numbers.
    np.testing.assert_allclose(tiled.catalog['total_flux'][close],
                               whole['total_flux'][index[close]], rtol=1e-6)
    assert len(np.unique(tiled.catalog['tile'])) > 4


def test_threads_do_not_change_the_result(sky, extraction):
    for kwargs in ({}, {'tile_size': 256, 'tile_overlap': 32}):
        serial = extraction if not kwargs else DendroExtractor(**kwargs).run(sky[0])
        threaded = DendroExtractor(n_jobs=2, **kwargs).run(sky[0])
        for name in ('ra', 'dec', 'total_flux', 'major_fwhm', 'pa', 'ra_err'):
            np.testing.assert_array_equal(serial.components[name], threaded.components[name])
        np.testing.assert_array_equal(serial.catalog['source_id'], threaded.catalog['source_id'])


def test_segmentation_labels_sources(sky):
    extraction = DendroExtractor(segmentation=True, tile_size=384, tile_overlap=32).run(sky[0])
    catalog, segmentation = extraction.catalog, extraction.segmentation
    assert sorted(segmentation.labels.tolist()) == sorted(catalog['id'].tolist())
    np.testing.assert_array_equal(segmentation.get_areas(catalog['id']), catalog['npix'])


def test_nan_holes_and_empty_images(sky):
    mosaic = sky[0]
    half_nan = mosaic.data[:300, :300].copy()
    half_nan[:, :200] = np.nan
    holed = Mosaic(half_nan, wcs=mosaic.wcs[:300, :300], unit='Jy/beam', beam=mosaic.beam)
    extraction = DendroExtractor(tile_size=128, tile_overlap=16).run(holed)
    assert len(extraction.catalog) > 0 and np.all(extraction.components['x'] >= 199)
    assert np.all(np.isfinite(extraction.components['total_flux_err']))
    constant = Mosaic(np.ones((128, 128), np.float32), wcs=mosaic.wcs[:128, :128],
                      unit='Jy/beam', beam=mosaic.beam)
    with pytest.warns(NoDetectionsWarning):
        empty = DendroExtractor().run(constant)
    for table, names in ((empty.catalog, SOURCE_COLUMNS), (empty.components, COMPONENT_COLUMNS)):
        assert len(table) == 0 and table.colnames == list(names)
        for name in names:
            assert getattr(table[name], 'unit', None) == COLUMN_UNITS.get(name), name


def test_undersampled_components_keep_the_beam():
    from .test_extractor import coarse_lofar_image
    mosaic, truth = coarse_lofar_image(20.0, 5e-3)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        extraction = DendroExtractor().run(mosaic)
    components = extraction.components
    assert len(components) > 40
    assert np.all(components['fit_flag'] == FitFlag.MOMENTS)
    assert np.all(components['minor_fwhm'] >= 24 * u.arcsec * 0.999)
    assert np.all(np.isfinite(components['total_flux_err'].value))


def test_doubles_are_one_source_and_pairs_stay_two():
    rng = np.random.default_rng(5)
    objects = [double_source(rng, rng.uniform(20, 80), core=k % 2 == 0) for k in range(6)]
    objects += [point_pair(rng, rng.uniform(20, 80)) for _ in range(6)]
    mosaic, truth = grid_sky(objects, seed=5)
    extraction = DendroExtractor().run(mosaic)
    outcome = grouping_outcome(truth, extraction.components, extraction.catalog)
    assert outcome['success'][outcome['kind'] == 'double'].mean() >= 5 / 6
    assert outcome['success'][outcome['kind'] == 'pair'].mean() >= 5 / 6


def test_pipeline_levels(sky):
    extraction_pipeline = Pipeline(level='components')
    result = extraction_pipeline.run(sky[0])
    sources = Pipeline().run(sky[0], noise=result.noise)
    components = result.extraction.components
    assert len(result.kept) + len(result.rejected) == len(components)
    np.testing.assert_array_equal(np.unique(result.kept['source_id']),
                                  np.unique(sources.kept['source_id']))
    # Components are kept or rejected with their source: never against each other.
    assert not np.any(result.rejected['rejected_by'] == result.rejected['source_id'])
    multi = sources.kept['source_id'][sources.kept['n_components'] > 1]
    assert len(multi) > 0
    kept_counts = np.bincount(result.kept['source_id'])
    for sid, n in zip(sources.kept['source_id'], sources.kept['n_components']):
        assert kept_counts[sid] == n
    with pytest.raises(ValueError, match='level'):
        Pipeline(level='islands')
    with pytest.raises(ValueError, match='components'):
        Pipeline(DendroExtractor(measurement='moments'), level='components').run(sky[0])
    # The cleaner on components alone would reject close components of one source.
    kept, rejected = CatalogCleaner().clean(components)
    assert set(rejected['reason']) <= {'duplicate', 'near_bright', 'zero_size', 'elongated',
                                       'faint_surface_brightness', 'invalid_flux',
                                       'below_flux_floor'}


@pytest.mark.parametrize('suffix', ['.ecsv', '.fits'])
def test_lotss_dr2_round_trip(extraction, tmp_path, suffix):
    sources = extraction.catalog
    dr2 = to_lotss_dr2(sources, mosaic_id='P218+55')
    assert dr2.colnames == list(LOTSS_DR2_COLUMNS)
    path = tmp_path / f'dr2{suffix}'
    write_table(dr2, path)
    back = normalise_columns(read_table(path))
    for dr2_name, (name, unit) in LOTSS_DR2_COLUMNS.items():
        assert name in back.colnames
        if unit is not None:
            assert back[name].unit == unit and dr2[dr2_name].unit == unit
    for name in ('ra', 'dec', 'ra_err', 'dec_err', 'total_flux', 'total_flux_err', 'peak_flux',
                 'peak_flux_err', 'major_fwhm', 'major_fwhm_err', 'minor_fwhm',
                 'minor_fwhm_err', 'pa', 'pa_err', 'dc_major_fwhm', 'dc_minor_fwhm', 'dc_pa',
                 'island_rms'):
        np.testing.assert_array_equal(u.Quantity(back[name]).to_value(sources[name].unit),
                                      sources[name].value, err_msg=name)
    assert back['s_code'].tolist() == sources['s_code'].tolist()
    assert set(back['mosaic_id']) == {'P218+55'}
    assert all(name.startswith('ILTJ') and len(name) == 22 for name in back['source_name'])
    # Isl_rms comes from island_rms, never from local_rms.
    assert np.ma.getmaskarray(to_lotss_dr2(sources[['ra', 'dec', 'local_rms']])['Isl_rms']).all()


def test_lotss_dr2_names_and_units_match_the_survey_sample(extraction):
    sample = QTable.read(get_path('lotss-dr2-sample'))
    ours, theirs = to_lotss_dr2(extraction.catalog), to_lotss_dr2(sample)
    assert ours.colnames == theirs.colnames == list(LOTSS_DR2_COLUMNS)
    for name in ours.colnames:
        assert ours[name].unit == theirs[name].unit, name
        package = LOTSS_DR2_COLUMNS[name][0]
        if package in sample.colnames and LOTSS_DR2_COLUMNS[name][1] is not None:
            assert sample[package].unit == ours[name].unit, name
    np.testing.assert_array_equal(theirs['Total_flux'], sample['total_flux'].to_value(u.mJy))
    assert theirs['Source_Name'].tolist() == sample['source_name'].tolist()


def test_eccentricity_cut_drops_sources_with_their_components(sky, extraction):
    cut = DendroExtractor(max_eccentricity=0.6).run(sky[0])
    assert 0 < len(cut.catalog) < len(extraction.catalog)
    assert np.all(cut.catalog['eccentricity'] <= 0.6)
    np.testing.assert_array_equal(cut.catalog['id'], np.arange(1, len(cut.catalog) + 1))
    assert set(cut.components['source_id']) == set(cut.catalog['source_id'])
    np.testing.assert_array_equal(np.bincount(cut.components['source_id'])[1:],
                                  cut.catalog['n_components'])


def test_measure_window_gives_back_the_leaves_it_was_given(sky):
    """The fits borrow the leaf image (one label image instead of three) and restore it."""
    from lotss_tools.extraction._islands import measure_window
    from lotss_tools.extraction.extractor import _island_labels
    from lotss_tools.noise import NoiseModel
    mosaic = sky[0]
    noise = NoiseModel.from_mosaic(mosaic)
    snr = noise.signal_to_noise(mosaic)
    islands, leaves = _island_labels(snr, 4.0, 1.0, 8, 'fast')
    given = leaves.copy()
    flux = mosaic.data - noise.background
    sigma = tuple(np.asarray(mosaic.beam_fwhm_pixels) / np.sqrt(8 * np.log(2)))
    peak_snr = np.asarray([snr[islands == i].max() for i in range(1, islands.max() + 1)])
    # Faint islands (fitted on their 4-sigma pixels) and bright ones are both there.
    assert (peak_snr < 10).sum() > 5 and (peak_snr >= 10).sum() > 5
    measured, _ = measure_window(flux, np.asarray(noise.rms), islands, leaves, sigma)
    assert np.unique(measured['label']).size == islands.max()
    np.testing.assert_array_equal(leaves, given)
