"""One tile grid for everything that cuts a mosaic into overlapping pieces.

Source extraction, the merging of tile overlaps and the patches of training
sets all use `TileGrid`, so that they agree on where tiles start and which
tile *owns* a position. Tiles overlap; the grid also partitions the image into
non-overlapping *cores* (each core is its tile less half of the overlap on
each inner side), and a source belongs to the tile whose core holds its
position. A source in the overlap of two tiles is thus reported once.
"""

import math
from dataclasses import dataclass

import numpy as np

__all__ = ['TileGrid', 'Tile']


@dataclass(frozen=True)
class Tile:
    """One tile of a `TileGrid`.

    Attributes
    ----------
    index : tuple of int
        ``(row, column)`` of the tile in the grid.
    slices : tuple of slice
        The tile's pixels in the image, ``image[tile.slices]``, clipped to
        the image (tiles at the border may be smaller than ``tile_size``).
    core : tuple of slice
        The part of the image this tile owns; the cores of a grid partition
        the image.
    """

    index: tuple
    slices: tuple
    core: tuple

    @property
    def origin(self):
        """``(y0, x0)``: the image pixel at the tile's first pixel."""
        return self.slices[0].start, self.slices[1].start

    @property
    def shape(self):
        """Shape ``(ny, nx)`` of the tile inside the image."""
        return (self.slices[0].stop - self.slices[0].start,
                self.slices[1].stop - self.slices[1].start)

    def owns(self, x, y):
        """True where image positions ``(x, y)`` fall in this tile's core."""
        x, y = np.asarray(x), np.asarray(y)
        (ys, xs) = self.core
        return (y >= ys.start - 0.5) & (y < ys.stop - 0.5) & (x >= xs.start - 0.5) & (x < xs.stop - 0.5)


class _Axis:
    """Tile starts, clipped spans and cores along one image axis."""

    def __init__(self, length, size, overlap, offset):
        self.length, self.size, self.overlap, self.offset = length, size, overlap, offset
        self.step = size - overlap
        if size >= length + offset:
            self.count = 1
        else:
            self.count = math.ceil((length + offset - size) / self.step) + 1

    def start(self, i):
        return -self.offset + i * self.step

    def span(self, i):
        start = self.start(i)
        return slice(max(start, 0), min(start + self.size, self.length))

    def core(self, i):
        half = self.overlap // 2
        low = 0 if i == 0 else self.start(i) + half
        high = self.length if i == self.count - 1 else self.start(i) + self.size - (self.overlap - half)
        return slice(max(low, 0), min(high, self.length))

    def owner(self, position):
        half = self.overlap // 2
        index = np.floor((np.asarray(position, float) + 0.5 + self.offset - half) / self.step)
        return np.clip(index.astype(int), 0, self.count - 1)


class TileGrid:
    """Overlapping square tiles covering an image of any shape.

    Tile ``i`` along an axis starts at pixel ``-origin_offset + i * (tile_size
    - overlap)``; tiles are clipped to the image, and enough tiles are made to
    reach its far edge.

    Parameters
    ----------
    shape : tuple of int
        Image shape ``(ny, nx)``.
    tile_size : int
        Side of a tile in pixels.
    overlap : int
        Pixels shared by neighbouring tiles.
    origin_offset : int
        How far before pixel 0 the first tile starts.

    Examples
    --------
    The research grid: 512-pixel tiles shifted by 480, starting 60 pixels
    before the image origin.

    >>> from lotss_tools.tiling import TileGrid
    >>> grid = TileGrid.research((1000, 1500))
    >>> len(grid), grid.grid_shape
    (12, (3, 4))
    >>> grid[0, 0].slices
    (slice(0, 452, None), slice(0, 452, None))
    """

    def __init__(self, shape, tile_size=512, overlap=32, origin_offset=0):
        if len(shape) != 2 or min(shape) < 1:
            raise ValueError(f'shape must be two positive integers, not {shape!r}.')
        if tile_size < 1 or not (0 <= overlap < tile_size) or origin_offset < 0:
            raise ValueError(f'need tile_size >= 1, 0 <= overlap < tile_size and origin_offset >= 0 '
                             f'(got {tile_size}, {overlap}, {origin_offset}).')
        if origin_offset >= tile_size - overlap:
            raise ValueError('origin_offset must be smaller than the tile step (tile_size - overlap).')
        self.shape = tuple(int(n) for n in shape)
        self.tile_size, self.overlap, self.origin_offset = int(tile_size), int(overlap), int(origin_offset)
        self._axes = [_Axis(n, self.tile_size, self.overlap, self.origin_offset) for n in self.shape]

    @classmethod
    def research(cls, shape):
        """The 2023 research grid: 512-pixel tiles, shift 480, starting 60 pixels before the origin."""
        return cls(shape, tile_size=512, overlap=32, origin_offset=60)

    @property
    def grid_shape(self):
        """Number of tiles ``(rows, columns)``."""
        return tuple(axis.count for axis in self._axes)

    def __len__(self):
        rows, cols = self.grid_shape
        return rows * cols

    def __getitem__(self, index):
        row, col = index
        ay, ax = self._axes
        if not (0 <= row < ay.count and 0 <= col < ax.count):
            raise IndexError(f'tile {index} is outside the {self.grid_shape} grid.')
        return Tile((row, col), (ay.span(row), ax.span(col)), (ay.core(row), ax.core(col)))

    def __iter__(self):
        rows, cols = self.grid_shape
        for row in range(rows):
            for col in range(cols):
                yield self[row, col]

    def __repr__(self):
        return (f'TileGrid(shape={self.shape}, tile_size={self.tile_size}, overlap={self.overlap}, '
                f'origin_offset={self.origin_offset}) with {self.grid_shape} tiles')

    def owner(self, x, y):
        """Grid index ``(rows, columns)`` of the tile whose core holds each position.

        Parameters
        ----------
        x, y : float or array-like
            Image pixel positions (0-based; pixel centres at integers).

        Returns
        -------
        rows, columns : `~numpy.ndarray` of int
        """
        return self._axes[0].owner(y), self._axes[1].owner(x)
