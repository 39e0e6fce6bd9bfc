"""Tests of TrainingSetBuilder and TrainingSet: patches, boxes, labels, files."""

import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable

from lotss_tools import Mosaic
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.tiling import TileGrid
from lotss_tools.training import (BOX_COLUMNS, PATCH_COLUMNS, YOLO_COLUMNS, TrainingSet,
                                  TrainingSetBuilder, nms_across_patches, pool)

SMALL = dict(patch_size=64, patch_shift=56, origin_offset=8)


def _grid_sources(shape, spacing=60.0, seed=3):
    """A mosaic with bright sources of random shapes on a grid, and its truth."""
    empty = QTable({'x': [0.0], 'y': [0.0], 'total_flux': [0.0] * u.mJy})
    blank, _ = simulate_mosaic(shape, seed=1, sources=empty, holes=False, blank_edges=False)
    xs, ys = np.meshgrid(np.arange(40, shape[1] - 20, spacing),
                         np.arange(40, shape[0] - 20, spacing))
    xs, ys = xs.ravel() + 0.3, ys.ravel() - 0.2
    rng = np.random.default_rng(seed)
    sky = blank.wcs.pixel_to_world(xs, ys)
    n = xs.size
    sources = QTable({'ra': sky.ra, 'dec': sky.dec, 'total_flux': rng.uniform(20, 60, n) * u.mJy,
                      'dc_major_fwhm': rng.uniform(0, 25, n) * u.arcsec,
                      'dc_minor_fwhm': rng.uniform(0, 8, n) * u.arcsec,
                      'pa': rng.uniform(0, 180, n) * u.deg})
    return simulate_mosaic(shape, seed=1, sources=sources, holes=False, blank_edges=False,
                           rms=1 * u.uJy / u.beam)


@pytest.fixture(scope='module')
def bright_field():
    return _grid_sources((400, 520))


def test_boxes_land_on_the_source_pixels(bright_field):
    mosaic, truth = bright_field
    builder = TrainingSetBuilder(**SMALL, clip=(0, 200) * u.mJy / u.beam, stretch='linear',
                                 min_box_fraction=1.0)
    training_set = builder.build(mosaic, truth)
    boxes = training_set.boxes
    # Every source is in at least one patch; sources in overlaps are in several.
    assert set(boxes['catalog_index']) == set(range(len(truth)))
    assert len(boxes) > len(truth)
    yy, xx = np.mgrid[:64, :64]
    checked = 0
    for row in boxes:
        patch = training_set.patches[row['patch']]
        near = np.hypot(xx - row['x'], yy - row['y']) < 12
        peak_y, peak_x = np.unravel_index(np.argmax(np.where(near, patch, -1)), patch.shape)
        assert row['xmin'] <= peak_x <= row['xmax'] and row['ymin'] <= peak_y <= row['ymax']
        assert row['x'] == pytest.approx(0.5 * (row['xmin'] + row['xmax']))
        # The box is the bounding box of the half-maximum contour: the pixels
        # above half the peak span it to within the pixel size.
        half = near & (patch >= 0.5 * patch[peak_y, peak_x])
        assert abs(xx[half].min() - 0.5 - row['xmin']) < 0.75
        assert abs(xx[half].max() + 0.5 - row['xmax']) < 0.75
        assert abs(yy[half].min() - 0.5 - row['ymin']) < 0.75
        assert abs(yy[half].max() + 0.5 - row['ymax']) < 0.75
        # The flux-weighted centre of the source is the box centre.
        if not (12 <= row['x'] <= 51 and 12 <= row['y'] <= 51):
            continue                       # the source's wings are cut by the patch edge
        weights = np.where(near, patch, 0)
        assert np.sum(weights * xx) / weights.sum() == pytest.approx(row['x'], abs=0.2)
        assert np.sum(weights * yy) / weights.sum() == pytest.approx(row['y'], abs=0.2)
        checked += 1
    assert checked >= 10


def test_box_positions_and_patch_wcs(bright_field):
    mosaic, truth = bright_field
    training_set = TrainingSetBuilder(**SMALL).build(mosaic, truth)
    for row in training_set.boxes[:20]:
        wcs = training_set.patch_wcs(row['patch'])
        source = truth[row['catalog_index']]
        x, y = wcs.world_to_pixel(mosaic.wcs.pixel_to_world(source['x'], source['y']))
        assert x == pytest.approx(row['x'], abs=1e-6) and y == pytest.approx(row['y'], abs=1e-6)
        # Pooled pixel of the source: original pixel / 2 - 0.25, shifted by the origin.
        info = training_set.patch_table[row['patch']]
        assert row['x'] == pytest.approx((source['x'] + 0.5) / 2 - 0.5 - info['x0'], abs=1e-6)
        assert row['y'] == pytest.approx((source['y'] + 0.5) / 2 - 0.5 - info['y0'], abs=1e-6)


@pytest.mark.parametrize('shape', [(150, 700), (700, 150), (301, 257)])
def test_patch_grid_covers_non_square_mosaics(shape):
    mosaic, _ = simulate_mosaic(shape, seed=4, holes=False, blank_edges=False)
    builder = TrainingSetBuilder(**SMALL)
    training_set = builder.build(mosaic)
    pooled_shape = (-(-shape[0] // 2), -(-shape[1] // 2))
    assert training_set.parameters['pooled_shape'] == list(pooled_shape)
    grid = TileGrid(pooled_shape, tile_size=64, overlap=8, origin_offset=8)
    assert len(training_set) == len(grid)        # no blanked pixel: no patch skipped
    covered = np.zeros(pooled_shape, int)
    expected = pool(mosaic.data, 2)
    for k, info in enumerate(training_set.patch_table):
        y0, x0 = int(info['y0']), int(info['x0'])
        assert (y0, x0) == (-8 + 56 * info['row'], -8 + 56 * info['col'])
        inside = (slice(info['valid_ymin'], info['valid_ymax']),
                  slice(info['valid_xmin'], info['valid_xmax']))
        image = (slice(y0 + info['valid_ymin'], y0 + info['valid_ymax']),
                 slice(x0 + info['valid_xmin'], x0 + info['valid_xmax']))
        covered[image] += 1
        assert training_set.valid_mask[k][inside].all()
        assert training_set.valid_mask[k].sum() == training_set.valid_mask[k][inside].sum()
        # Pixels outside the mosaic are the fill value (0).
        assert np.all(training_set.patches[k][~training_set.valid_mask[k]] == 0)
        # Inside, the patch is the normalised pooled image.
        clipped = np.clip(expected[image], 0.4e-6, 0.4e-4)
        np.testing.assert_allclose(training_set.patches[k][inside],
                                   np.tanh(3 * (clipped - 0.4e-6) / (0.4e-4 - 0.4e-6)), atol=1e-6)
    assert covered.min() >= 1


def test_nan_patches_skipped_and_filled():
    mosaic, truth = simulate_mosaic((300, 400), seed=5, holes=False, blank_edges=False)
    data = mosaic.data.copy()
    data[:, :250] = np.nan                     # pooled columns 0..124 blanked
    data[200:210, 300:310] = np.nan            # a small hole
    blanked = Mosaic(data, wcs=mosaic.wcs, unit=mosaic.unit, beam=mosaic.beam, name='blanked')
    training_set = TrainingSetBuilder(**SMALL).build(blanked, truth)
    all_patches = TrainingSetBuilder(**SMALL).build(mosaic, truth)
    # Patches starting at pooled x0 = -8 and 48 (ending at 111) are all NaN: skipped.
    assert set(training_set.patch_table['x0']) == {104, 160}
    assert len(training_set) < len(all_patches)
    assert not np.isnan(training_set.patches).any()
    assert np.all(training_set.patches[~training_set.valid_mask] == 0.0)
    assert np.all(training_set.patch_table['finite_fraction'] < 1)
    # No box is centred on a blanked pixel.
    x_pooled = np.asarray(training_set.boxes['x']) + np.asarray(
        training_set.patch_table['x0'])[training_set.boxes['patch']]
    assert np.all(x_pooled >= 124.5)
    # A minimum finite fraction skips the mostly blanked patches too.
    strict = TrainingSetBuilder(**SMALL, min_valid_fraction=0.9).build(blanked, truth)
    assert np.all(strict.patch_table['finite_fraction'] >= 0.9) and len(strict) < len(training_set)


def test_edge_rule_clips_or_drops_boxes():
    # One big source whose centre sits 1.5 pooled pixels inside the right edge
    # of the first patch column (patch x0 = -8: pooled x = 54): the overlap
    # is at pooled x 48..55, so the neighbour patch holds it too.
    empty = QTable({'x': [0.0], 'y': [0.0], 'total_flux': [0.0] * u.mJy})
    blank, _ = simulate_mosaic((200, 200), seed=1, sources=empty, holes=False, blank_edges=False)
    sky = blank.wcs.pixel_to_world([108.5], [60.0])         # pooled (54.0, 29.75)
    sources = QTable({'ra': sky.ra, 'dec': sky.dec, 'total_flux': [50] * u.mJy,
                      'dc_major_fwhm': [30] * u.arcsec, 'dc_minor_fwhm': [30] * u.arcsec})
    mosaic, truth = simulate_mosaic((200, 200), seed=1, sources=sources, holes=False,
                                    blank_edges=False)
    lenient = TrainingSetBuilder(**SMALL, min_box_fraction=0.5).build(mosaic, truth)
    boxes = lenient.boxes
    assert len(boxes) == 2
    first = boxes[lenient.patch_table['x0'][boxes['patch']] == -8][0]
    second = boxes[lenient.patch_table['x0'][boxes['patch']] == 48][0]
    # Cut by the first patch's right edge (62 + 0.5 = 63.5) and clipped there.
    assert first['clipped'] and first['xmax'] == 63.5
    width = second['xmax'] - second['xmin']          # the full box in the other patch
    assert not second['clipped'] and second['box_fraction'] == 1.0
    assert first['box_fraction'] == pytest.approx((63.5 - first['xmin']) / width)
    assert 0.5 < first['box_fraction'] < 0.9
    strict = TrainingSetBuilder(**SMALL, min_box_fraction=0.9).build(mosaic, truth)
    assert len(strict.boxes) == 1 and not strict.boxes['clipped'][0]
    # NMS across the overlap keeps one copy: the complete box.
    keep = nms_across_patches(
        np.column_stack([boxes[c] for c in ('xmin', 'ymin', 'xmax', 'ymax')]),
        boxes['box_fraction'],
        np.column_stack([lenient.patch_table['y0'], lenient.patch_table['x0']])[boxes['patch']],
        threshold=0.3)
    assert keep.tolist() == [int(np.flatnonzero(~boxes['clipped'])[0])]


def test_confidence_labels_and_keep_only_both(bright_field):
    mosaic, truth = bright_field
    catalog = truth[:-5]                     # the package missed the last five sources
    reference = truth[3:]                    # the reference missed the first three
    builder = TrainingSetBuilder(**SMALL)
    boxes = builder.build(mosaic, catalog, reference).boxes
    per_source = {}
    for row in boxes:
        key = (row['catalog_index'], row['reference_index'])
        per_source.setdefault(key, set()).add(str(row['label']))
    labels = {key: next(iter(value)) for key, value in per_source.items()}
    assert {key for key, label in labels.items() if label == 'catalog_only'} == {
        (0, -1), (1, -1), (2, -1)}
    assert {key[1] for key, label in labels.items() if label == 'reference_only'} == {
        len(reference) - k for k in range(1, 6)}
    assert all(key[0] - 3 == key[1] for key, label in labels.items() if label == 'both')
    assert sum(label == 'both' for label in labels.values()) == len(truth) - 8
    # Reference-only boxes carry the reference row's values.
    for row in boxes[boxes['label'] == 'reference_only']:
        assert row['total_flux'] == reference['total_flux'][row['reference_index']]
    only_both = TrainingSetBuilder(**SMALL, keep_labels=['both']).build(mosaic, catalog, reference)
    assert set(only_both.boxes['label'].tolist()) == {'both'}
    assert len(only_both.boxes) == np.sum(boxes['label'] == 'both')


def test_write_read_round_trip(tmp_path, bright_field):
    mosaic, truth = bright_field
    builder = TrainingSetBuilder(**SMALL, keep_labels=('both', 'catalog_only'))
    built = builder.build(mosaic, truth[:-3], truth[2:])
    assert repr(builder) == repr(TrainingSetBuilder(**SMALL, keep_labels=('both', 'catalog_only')))
    assert 'training_set' not in vars(builder)                # build keeps nothing
    npz_path, boxes_path = built.write(tmp_path / 'set')
    assert npz_path.name == 'set.npz' and boxes_path.name == 'set.boxes.ecsv'
    with pytest.raises(FileExistsError):
        built.write(tmp_path / 'set.npz')
    loaded = TrainingSetBuilder.read(tmp_path / 'set.npz')
    assert isinstance(loaded, TrainingSet)
    assert loaded.patches.dtype == np.float32
    np.testing.assert_array_equal(loaded.patches, built.patches)
    np.testing.assert_array_equal(loaded.valid_mask, built.valid_mask)
    assert loaded.parameters == built.parameters
    assert loaded.parameters['keep_labels'] == ['both', 'catalog_only']
    assert loaded.wcs.to_header() == built.wcs.to_header()
    assert loaded.patch_table.colnames == list(PATCH_COLUMNS)
    for name in PATCH_COLUMNS:
        np.testing.assert_array_equal(loaded.patch_table[name], built.patch_table[name])
    assert loaded.boxes.colnames == list(BOX_COLUMNS) == built.boxes.colnames
    for name in BOX_COLUMNS:
        assert getattr(loaded.boxes[name], 'unit', None) == getattr(built.boxes[name], 'unit', None)
        np.testing.assert_array_equal(loaded.boxes[name], built.boxes[name])
    # The builder can be rebuilt from the stored parameters.
    rebuilt = TrainingSetBuilder.from_parameters(loaded.parameters)
    again = rebuilt.build(mosaic, truth[:-3], truth[2:])
    np.testing.assert_array_equal(again.patches, built.patches)
    # Mismatched files are refused.
    TrainingSetBuilder(**SMALL).build(mosaic).write(tmp_path / 'other')
    (tmp_path / 'other.boxes.ecsv').unlink()
    boxes_path.rename(tmp_path / 'other.boxes.ecsv')
    with pytest.raises(ValueError, match='does not describe'):
        TrainingSet.read(tmp_path / 'other')
    with pytest.raises(FileNotFoundError):
        TrainingSet.read(tmp_path / 'set')


def test_yolo_targets(bright_field):
    mosaic, truth = bright_field
    training_set = TrainingSetBuilder(**SMALL).build(mosaic, truth)
    targets, counts = training_set.yolo_targets()
    assert targets.shape == (len(training_set), counts.max(), len(YOLO_COLUMNS))
    np.testing.assert_array_equal(counts, np.bincount(training_set.boxes['patch'],
                                                      minlength=len(training_set)))
    k = int(np.argmax(counts))
    rows = training_set.boxes_of(k)
    theta = rows['pa'].to_value(u.rad)
    expected = np.column_stack([rows['xmin'], rows['ymin'], rows['xmax'], rows['ymax'],
                                rows['total_flux'].to_value(u.mJy),
                                rows['major_fwhm'].to_value(u.arcsec),
                                rows['minor_fwhm'].to_value(u.arcsec),
                                np.cos(theta), (np.sin(theta) + 1) / 2])
    np.testing.assert_allclose(targets[k, :counts[k]], expected, rtol=1e-6)
    assert np.all(targets[counts == 0] == 0)
    clipped, clipped_counts = training_set.yolo_targets(max_objects=1)
    assert clipped.shape[1] == 1 and clipped_counts.max() == 1


def test_research_2024_settings():
    mosaic, truth = simulate_mosaic((700, 900), seed=6)
    builder = TrainingSetBuilder.research_2024(patch_size=64, patch_shift=60)
    training_set = builder.build(mosaic, truth)
    parameters = training_set.parameters
    assert parameters['pooling_factor'] == 4 and parameters['pooled_shape'] == [175, 225]
    pooled = pool(np.where(mosaic.footprint, mosaic.data, np.nan), 4)
    np.testing.assert_allclose(parameters['clip_limits'],
                               np.percentile(pooled[np.isfinite(pooled)], [90, 95]))
    valid = training_set.valid_mask
    # 90% of the pixels sit at 0, 5% at the top of the stretch.
    assert np.mean(training_set.patches[valid] == 0) == pytest.approx(0.9, abs=0.01)


def test_empty_and_invalid_input(bright_field):
    mosaic, truth = bright_field
    builder = TrainingSetBuilder(**SMALL)
    empty = builder.build(mosaic, truth[:0])
    assert len(empty.boxes) == 0 and empty.boxes.colnames == list(BOX_COLUMNS)
    assert empty.boxes['total_flux'].unit == u.mJy
    no_catalog = builder.build(mosaic)
    assert len(no_catalog.boxes) == 0 and len(no_catalog) > 0
    with pytest.raises(TypeError, match='Mosaic'):
        builder.build(mosaic.data, truth)
    with pytest.raises(ValueError, match='major_fwhm'):
        builder.build(mosaic, truth['ra', 'dec', 'total_flux'])
    with pytest.raises(ValueError, match='patch_shift'):
        TrainingSetBuilder(patch_size=64, patch_shift=80)
    with pytest.raises(ValueError, match='origin_offset'):
        TrainingSetBuilder(patch_size=64, patch_shift=32, origin_offset=32)
    with pytest.raises(ValueError, match='Jy/beam'):
        TrainingSetBuilder(clip=(1, 2) * u.mJy)
    with pytest.raises(ValueError, match='unknown labels'):
        TrainingSetBuilder(keep_labels=['good'])
    with pytest.raises(ValueError, match='pooling'):
        TrainingSetBuilder(pooling=0)
