"""Tests of the tile grid shared by extraction, merging and training patches."""

import numpy as np
import pytest

from lotss_tools.tiling import TileGrid


@pytest.mark.parametrize('shape, size, overlap, offset', [
    ((1000, 1500), 512, 32, 60), ((300, 700), 128, 16, 0), ((64, 64), 512, 32, 0),
    ((513, 97), 100, 30, 10), ((1, 1), 8, 2, 0)])
def test_tiles_cover_and_cores_partition(shape, size, overlap, offset):
    grid = TileGrid(shape, tile_size=size, overlap=overlap, origin_offset=offset)
    covered = np.zeros(shape, int)
    owned = np.zeros(shape, int)
    for tile in grid:
        covered[tile.slices] += 1
        owned[tile.core] += 1
        assert tile.shape[0] <= size and tile.shape[1] <= size
        # The core lies inside the tile.
        for core, span in zip(tile.core, tile.slices):
            assert span.start <= core.start and core.stop <= span.stop
    assert covered.min() >= 1
    np.testing.assert_array_equal(owned, 1)


def test_owner_agrees_with_cores():
    grid = TileGrid((700, 900), tile_size=200, overlap=40, origin_offset=15)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-0.5, 899.49, 5000), rng.uniform(-0.5, 699.49, 5000)
    rows, cols = grid.owner(x, y)
    for tile in grid:
        mine = (rows == tile.index[0]) & (cols == tile.index[1])
        np.testing.assert_array_equal(tile.owns(x, y), mine)


def test_research_grid():
    grid = TileGrid.research((1000, 1500))
    assert grid.grid_shape == (3, 4)
    first, second = grid[0, 0], grid[0, 1]
    assert first.slices == (slice(0, 452), slice(0, 452))
    assert second.origin == (0, 420)  # 480 pixels after -60
    assert second.slices[1].stop - first.slices[1].stop == 480
    with pytest.raises(IndexError):
        grid[3, 0]


def test_bad_parameters():
    with pytest.raises(ValueError, match='overlap'):
        TileGrid((100, 100), tile_size=32, overlap=32)
    with pytest.raises(ValueError, match='shape'):
        TileGrid((0, 100))
    with pytest.raises(ValueError, match='origin_offset'):
        TileGrid((100, 100), tile_size=32, overlap=8, origin_offset=30)
