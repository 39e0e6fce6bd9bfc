"""`TrainingSetBuilder`: from a mosaic and catalogues to network patches and target boxes.

The steps (``method.md``, step 10):

1. **Pool** the mosaic (Jy/beam; masked pixels as NaN) by ``pooling`` x
   ``pooling`` blocks with `~lotss_tools.training.pool` (mean of the finite
   pixels of each block; the last partial blocks are padded with NaN).
2. **Normalise** with `~lotss_tools.training.normalize`: clip (fixed limits
   or percentiles), rescale to [0, 1], ``tanh(3 x)``.
3. **Cut patches** on a `~lotss_tools.tiling.TileGrid` of the pooled image:
   ``TileGrid(pooled_shape, tile_size=patch_size, overlap=patch_size -
   patch_shift, origin_offset=origin_offset)``. Patch ``(row, col)`` covers
   pooled pixels from ``-origin_offset + index * patch_shift``; the grid
   covers images of any shape. Patches are always ``patch_size`` square:
   the part outside the mosaic (at its borders) and blanked pixels (NaN)
   inside are set to ``fill_value`` (default 0, the normalised value of
   pixels at or below the lower clip limit, i.e. empty sky), and
   ``valid_mask`` marks the real pixels. Patches without any finite pixel
   (or with a finite fraction below ``min_valid_fraction``) are skipped.
4. **Label** the sources with `~lotss_tools.training.confidence_labels`
   (``'both'``, ``'catalog_only'``, ``'reference_only'``); ``keep_labels``
   selects which become boxes. Rows without a finite position (NaN RA or
   Dec) are left out, with a `~lotss_tools.exceptions.DroppedRowsWarning`
   saying how many; ``catalog_index``/``reference_index`` still count the
   rows of the tables as given. Matched (``'both'``) sources take their
   position and shape from the catalogue row.
5. **Boxes**: the bounding box, in pooled pixels, of each source's FWHM
   ellipse (`~lotss_tools.training.ellipse_bounding_boxes`, axes scaled by
   ``box_scale``). Axes that are missing or not positive are replaced by
   the beam (a point source). A source gets a box in every patch that holds
   its centre, if the centre is on a finite pooled pixel. The **edge rule**:
   the box is clipped to the patch's valid region (the part inside the
   mosaic) and kept if at least ``min_box_fraction`` of its area remains
   (``clipped`` and ``box_fraction`` record this).
"""

import warnings

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from .._params import ParamsMixin
from .. import __version__
from ..exceptions import DroppedRowsWarning
from ..mosaic import JY_PER_BEAM, Mosaic
from ..radii import MATCH_RADIUS
from ..schema import catalog_coordinates, has_columns, read_column
from ..tiling import TileGrid
from .dataset import PATCH_COLUMNS, TrainingSet, empty_boxes
from .labels import LABELS, confidence_labels
from .normalize import FIXED_CLIP, PERCENTILE_CLIP, normalize
from .pooling import beam_pooling_factor, pool, pooled_wcs
from .targets import BOX_COLUMNS, ellipse_bounding_boxes

__all__ = ['TrainingSetBuilder']

_SHAPE_COLUMNS = ('total_flux', 'major_fwhm', 'minor_fwhm', 'pa')


def _rows_with_positions(table, which):
    """The rows of ``table`` with a finite position, and their row numbers in ``table``."""
    if table is None:
        return None, None
    coords = catalog_coordinates(table, which, purpose='target boxes')
    finite = np.isfinite(coords.ra.deg) & np.isfinite(coords.dec.deg)
    if finite.all():
        return table, np.arange(len(table))
    n_dropped = int((~finite).sum())
    warnings.warn(f'TrainingSetBuilder.build: {n_dropped} of {len(table)} rows of the {which} '
                  'have no finite position (NaN RA or Dec) and were left out of the labels and '
                  'boxes.', DroppedRowsWarning)
    return table[finite], np.flatnonzero(finite)


def _input_rows(boxes, name, rows):
    """Turn the row numbers of a filtered table back into those of the table given."""
    if rows is None or not len(boxes):
        return
    index = np.asarray(boxes[name])
    boxes[name] = np.where(index >= 0, rows[np.maximum(index, 0)], index)


def _columns(table, which, beam):
    """Positions, fluxes and shapes of some rows of a catalogue, with defaults."""
    missing = [name for name in _SHAPE_COLUMNS if not has_columns(table, [name])]
    if missing:
        raise ValueError(f'the {which} lacks the column(s) {", ".join(missing)} needed for '
                         f'target boxes (columns: {", ".join(table.colnames[:12])}).')
    coords = catalog_coordinates(table, which)
    beam_major = beam.major.to_value(u.arcsec)

    def read(name, unit):
        return read_column(table, name, unit, role=which, purpose='target boxes').value

    def axis(name):
        values = read(name, u.arcsec)
        return np.where(np.isfinite(values) & (values > 0), values, beam_major)
    pa = read('pa', u.deg)
    return {'ra': coords.ra.deg, 'dec': coords.dec.deg,
            'total_flux': read('total_flux', u.mJy),
            'major_fwhm': axis('major_fwhm'), 'minor_fwhm': axis('minor_fwhm'),
            'pa': np.where(np.isfinite(pa), pa, 0.0)}


class TrainingSetBuilder(ParamsMixin):
    """Build training sets for deep-learning source detectors from LoTSS mosaics.

    The defaults are the 2023 research choices: 2x2 mean pooling, clip at
    0.4e-6 .. 0.4e-4 Jy/beam, ``tanh(3 x)``, 256-pixel patches shifted by
    240 from 64 pixels before the origin. `research_2024` gives the 2024
    ones. See the module docstring for every step and rule. Every parameter
    is keyword-only; `build` returns the `~lotss_tools.training.TrainingSet`
    and the builder keeps nothing of it.

    Parameters
    ----------
    patch_size : int
        Side of the (square) patches, in pooled pixels.
    patch_shift : int
        Distance between the starts of neighbouring patches (``patch_size -
        patch_shift`` pixels of overlap).
    origin_offset : int
        How many pooled pixels before the image origin the first patch
        starts (< ``patch_shift``).
    pooling : int or 'beam'
        Pooling factor, or ``'beam'`` for ``round(BMAJ / pixel size)`` (the
        2024 rule, 4 for LoTSS).
    pooling_method : {'mean', 'max'}
    clip : `~astropy.units.Quantity` or 'percentile'
        Clip limits (Jy/beam or equivalent) or ``'percentile'``.
    percentiles : tuple of float
        Percentiles of the pooled mosaic for ``clip='percentile'``.
    stretch : {'tanh', 'linear'}
    tanh_scale : float
    fill_value : float
        Value of patch pixels outside the mosaic or blanked.
    min_valid_fraction : float
        Skip patches with a smaller fraction of finite pixels (all-NaN
        patches are always skipped).
    box_scale : float
        Boxes bound the ellipse of ``box_scale`` x the FWHM axes.
    min_box_fraction : float
        Edge rule: keep a box cut by the valid region if at least this
        fraction of its area remains.
    match_radius : `~astropy.units.Quantity`
        Radius of the catalogue/reference cross-match (default
        `~lotss_tools.radii.MATCH_RADIUS`).
    keep_labels : sequence of str, optional
        Confidence labels to keep as boxes; default all. ``('both',)``
        keeps only the sources both catalogues agree on.

    Examples
    --------
    >>> from lotss_tools.simulate import simulate_mosaic
    >>> from lotss_tools.training import TrainingSetBuilder
    >>> mosaic, truth = simulate_mosaic((600, 800), seed=3)
    >>> builder = TrainingSetBuilder(patch_size=128, patch_shift=112, origin_offset=32)
    >>> training_set = builder.build(mosaic, truth)
    >>> training_set.patches.shape, training_set.patches.dtype
    ((12, 128, 128), dtype('float32'))
    >>> sorted(set(training_set.boxes['label'].tolist()))
    ['unverified']
    """

    def __init__(self, *, patch_size=256, patch_shift=240, origin_offset=64, pooling=2,
                 pooling_method='mean', clip=FIXED_CLIP, percentiles=PERCENTILE_CLIP,
                 stretch='tanh', tanh_scale=3.0, fill_value=0.0, min_valid_fraction=0.0,
                 box_scale=1.0, min_box_fraction=0.5, match_radius=MATCH_RADIUS,
                 keep_labels=None):
        ints = {'patch_size': patch_size, 'patch_shift': patch_shift,
                'origin_offset': origin_offset}
        for name, value in ints.items():
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f'{name} must be an integer, not {value!r}.')
        if not 0 < patch_shift <= patch_size:
            raise ValueError(f'need 0 < patch_shift <= patch_size (got {patch_shift}, '
                             f'{patch_size}).')
        if not 0 <= origin_offset < patch_shift:
            raise ValueError(f'need 0 <= origin_offset < patch_shift (got {origin_offset}).')
        if pooling != 'beam' and (isinstance(pooling, bool) or not isinstance(
                pooling, (int, np.integer)) or pooling < 1):
            raise ValueError(f"pooling must be an integer >= 1 or 'beam', not {pooling!r}.")
        if isinstance(clip, str):
            if clip != 'percentile':
                raise ValueError(f"clip must be two limits in Jy/beam or 'percentile', "
                                 f"not {clip!r}.")
        else:
            clip = u.Quantity(clip)
            if clip.shape != (2,) or not clip.unit.is_equivalent(JY_PER_BEAM) or clip[0] >= clip[1]:
                raise ValueError(f'clip must be two increasing limits in Jy/beam, not {clip!r}.')
        if keep_labels is not None:
            unknown = set(keep_labels) - set(LABELS)
            if unknown:
                raise ValueError(f'unknown labels {sorted(unknown)}; known: {LABELS}.')
            keep_labels = tuple(keep_labels)
        if not 0 <= min_box_fraction <= 1 or not 0 <= min_valid_fraction <= 1:
            raise ValueError('min_box_fraction and min_valid_fraction must be between 0 and 1.')
        if not box_scale > 0:
            raise ValueError(f'box_scale must be positive, not {box_scale!r}.')
        self.patch_size, self.patch_shift = int(patch_size), int(patch_shift)
        self.origin_offset = int(origin_offset)
        self.pooling, self.pooling_method, self.clip = pooling, pooling_method, clip
        self.percentiles = tuple(float(p) for p in percentiles)
        self.stretch, self.tanh_scale = stretch, float(tanh_scale)
        self.fill_value = float(fill_value)
        self.min_valid_fraction, self.box_scale = float(min_valid_fraction), float(box_scale)
        self.min_box_fraction = float(min_box_fraction)
        self.match_radius = u.Quantity(match_radius, u.arcsec)
        self.keep_labels = keep_labels

    @classmethod
    def research_2024(cls, **kwargs):
        """The 2024 research input: pooling by the beam (4 for LoTSS), clip at the
        90th-95th percentiles, ``tanh(3 x)``, 512-pixel patches shifted by 480.

        The 2024 grid's origin offset was not recorded; 0 is used.
        """
        settings = dict(patch_size=512, patch_shift=480, origin_offset=0, pooling='beam',
                        clip='percentile', percentiles=PERCENTILE_CLIP)
        settings.update(kwargs)
        return cls(**settings)

    @property
    def parameters(self):
        """The builder's parameters as JSON-compatible values (units: Jy/beam, arcsec)."""
        clip = self.clip if isinstance(self.clip, str) else self.clip.to_value(JY_PER_BEAM).tolist()
        return {'patch_size': self.patch_size, 'patch_shift': self.patch_shift,
                'origin_offset': self.origin_offset,
                'pooling': self.pooling if self.pooling == 'beam' else int(self.pooling),
                'pooling_method': self.pooling_method, 'pooling_padding': 'nan', 'clip': clip,
                'percentiles': list(self.percentiles), 'stretch': self.stretch,
                'tanh_scale': self.tanh_scale, 'fill_value': self.fill_value,
                'min_valid_fraction': self.min_valid_fraction, 'box_scale': self.box_scale,
                'min_box_fraction': self.min_box_fraction,
                'match_radius': self.match_radius.to_value(u.arcsec),
                'keep_labels': None if self.keep_labels is None else list(self.keep_labels)}

    @classmethod
    def from_parameters(cls, parameters):
        """A builder from `parameters` (or a training set's ``parameters``)."""
        names = ('patch_size', 'patch_shift', 'origin_offset', 'pooling', 'pooling_method',
                 'clip', 'percentiles', 'stretch', 'tanh_scale', 'fill_value',
                 'min_valid_fraction', 'box_scale', 'min_box_fraction', 'match_radius',
                 'keep_labels')
        kwargs = {name: parameters[name] for name in names if name in parameters}
        if 'clip' in kwargs and not isinstance(kwargs['clip'], str):
            kwargs['clip'] = kwargs['clip'] * JY_PER_BEAM
        if 'match_radius' in kwargs:
            kwargs['match_radius'] = kwargs['match_radius'] * u.arcsec
        return cls(**kwargs)

    def grid(self, pooled_shape):
        """The patch grid (`~lotss_tools.tiling.TileGrid`) of a pooled image."""
        return TileGrid(pooled_shape, tile_size=self.patch_size,
                        overlap=self.patch_size - self.patch_shift,
                        origin_offset=self.origin_offset)

    # ------------------------------------------------------------------ build
    def build(self, mosaic, catalog=None, reference=None):
        """Cut a mosaic into normalised patches and turn catalogue sources into boxes.

        Parameters
        ----------
        mosaic : `~lotss_tools.Mosaic`
        catalog : `~astropy.table.Table`, optional
            The package's catalogue (or any table with ``ra``/``dec`` or
            ``sky_centroid``, ``total_flux``, ``major_fwhm``, ``minor_fwhm``
            and ``pa``). Without it, the patches have no boxes.
        reference : `~astropy.table.Table`, optional
            A reference catalogue with the same columns (e.g. LoTSS DR2;
            survey column names such as ``RA``, ``Total_flux``, ``Maj`` are
            understood, `lotss_tools.schema`); gives the confidence labels.

        Returns
        -------
        training_set : `~lotss_tools.training.TrainingSet`
            Write it with `~lotss_tools.training.TrainingSet.write`.
        """
        if not isinstance(mosaic, Mosaic):
            raise TypeError(f'build needs a lotss_tools.Mosaic, not {type(mosaic).__name__}.')
        data = np.where(mosaic.footprint, mosaic.data, np.nan)
        factor = (beam_pooling_factor(mosaic.beam.major, mosaic.pixel_scale)
                  if self.pooling == 'beam' else int(self.pooling))
        pooled = pool(data, factor, self.pooling_method, padding='nan')
        pooled *= mosaic.unit.to(JY_PER_BEAM)
        wcs = pooled_wcs(mosaic.wcs, factor)
        image, limits = normalize(pooled * JY_PER_BEAM, self.clip, percentiles=self.percentiles,
                                  stretch=self.stretch, tanh_scale=self.tanh_scale)
        finite = np.isfinite(pooled)
        patches, masks, patch_rows = self._cut(image, finite)
        catalog, catalog_rows = _rows_with_positions(catalog, 'catalogue')
        reference, reference_rows = _rows_with_positions(reference, 'reference catalogue')
        boxes = self._boxes(mosaic, wcs, finite, patch_rows, catalog, reference)
        _input_rows(boxes, 'catalog_index', catalog_rows)
        _input_rows(boxes, 'reference_index', reference_rows)
        parameters = dict(self.parameters, pooling_factor=factor,
                          clip_limits=limits.to_value(JY_PER_BEAM).tolist(),
                          mosaic=mosaic.name, mosaic_shape=list(mosaic.shape),
                          pooled_shape=list(pooled.shape),
                          beam_major=mosaic.beam.major.to_value(u.arcsec),
                          beam_minor=mosaic.beam.minor.to_value(u.arcsec),
                          pixel_scale=mosaic.pixel_scale.to_value(u.arcsec / u.pix),
                          lotss_tools_version=__version__)
        patch_table = QTable({name: np.array([row[k] for row in patch_rows],
                                             float if name == 'finite_fraction' else int)
                              for k, name in enumerate(PATCH_COLUMNS)})
        for name, description in PATCH_COLUMNS.items():
            patch_table[name].info.description = description
        return TrainingSet(patches, masks, patch_table, boxes, wcs, parameters)

    def _cut(self, image, finite):
        """Fixed-size patches of the normalised image, their masks and descriptions."""
        grid, size, shift = self.grid(image.shape), self.patch_size, self.patch_shift
        patches, masks, rows = [], [], []
        for tile in grid:
            (ys, xs) = tile.slices
            count = int(finite[tile.slices].sum())
            if count == 0 or count / size ** 2 < self.min_valid_fraction:
                continue
            y0 = -self.origin_offset + tile.index[0] * shift
            x0 = -self.origin_offset + tile.index[1] * shift
            inside = (slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0))
            patch = np.full((size, size), self.fill_value, np.float32)
            mask = np.zeros((size, size), bool)
            mask[inside] = finite[tile.slices]
            patch[inside] = np.where(mask[inside], image[tile.slices], self.fill_value)
            patches.append(patch)
            masks.append(mask)
            rows.append((len(rows), tile.index[0], tile.index[1], y0, x0, inside[0].start,
                         inside[0].stop, inside[1].start, inside[1].stop, count / size ** 2))
        if not patches:
            return np.zeros((0, size, size), np.float32), np.zeros((0, size, size), bool), []
        return np.stack(patches), np.stack(masks), rows

    def _objects(self, mosaic, catalog, reference):
        """Labelled sources (catalogue rows, then reference-only rows) to turn into boxes."""
        labels = confidence_labels(catalog, reference, self.match_radius)
        if self.keep_labels is not None:
            labels = labels[np.isin(labels['label'], self.keep_labels)]
        from_catalog = np.asarray(labels['catalog_index']) >= 0
        parts = []
        if from_catalog.any():
            parts.append(_columns(catalog[np.asarray(labels['catalog_index'])[from_catalog]],
                                  'catalogue', mosaic.beam))
        if (~from_catalog).any():
            parts.append(_columns(reference[np.asarray(labels['reference_index'])[~from_catalog]],
                                  'reference catalogue', mosaic.beam))
        order = np.concatenate([np.flatnonzero(from_catalog), np.flatnonzero(~from_catalog)])
        objects = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]} \
            if parts else {}
        return labels[order], objects

    def _boxes(self, mosaic, wcs, finite, patch_rows, catalog, reference):
        """The box table: every kept source in every patch that holds its centre."""
        if catalog is None or len(catalog) + (0 if reference is None else len(reference)) == 0:
            return empty_boxes()
        labels, objects = self._objects(mosaic, catalog, reference)
        if not objects or not patch_rows:
            return empty_boxes()
        coords = SkyCoord(objects['ra'] * u.deg, objects['dec'] * u.deg)
        x, y, boxes = ellipse_bounding_boxes(coords, objects['major_fwhm'] * u.arcsec,
                                             objects['minor_fwhm'] * u.arcsec,
                                             objects['pa'] * u.deg, wcs, self.box_scale)
        ny, nx = finite.shape
        ix, iy = np.rint(x).astype(int), np.rint(y).astype(int)
        on_data = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        on_data[on_data] = finite[iy[on_data], ix[on_data]]
        pieces = []
        for patch, _, _, y0, x0, vy0, vy1, vx0, vx1, _ in patch_rows:
            px, py = x - x0, y - y0
            low = np.array([vx0, vy0, vx0, vy0], float) - 0.5
            high = np.array([vx1, vy1, vx1, vy1], float) - 0.5
            inside = on_data & (px >= low[0]) & (px < high[0]) & (py >= low[1]) & (py < high[1])
            index = np.flatnonzero(inside)
            local = boxes[index] - np.array([x0, y0, x0, y0], float)
            clipped = np.clip(local, low, high)
            area = (local[:, 2] - local[:, 0]) * (local[:, 3] - local[:, 1])
            kept_area = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
            with np.errstate(invalid='ignore', divide='ignore'):
                fraction = np.where(area > 0, kept_area / area, 1.0)
            ok = fraction >= self.min_box_fraction
            index = index[ok]
            pieces.append((np.full(index.size, patch), index, px[index], py[index],
                           clipped[ok], fraction[ok], np.any(clipped[ok] != local[ok], axis=1)))
        patch, index, px, py, clipped, fraction, was_clipped = (
            np.concatenate([piece[k] for piece in pieces]) for k in range(7))
        table = empty_boxes()
        columns = {'patch': patch, 'label': np.asarray(labels['label'])[index].astype('<U14'),
                   'catalog_index': np.asarray(labels['catalog_index'])[index],
                   'reference_index': np.asarray(labels['reference_index'])[index],
                   'x': px, 'y': py, 'xmin': clipped[:, 0], 'ymin': clipped[:, 1],
                   'xmax': clipped[:, 2], 'ymax': clipped[:, 3], 'box_fraction': fraction,
                   'clipped': was_clipped}
        for name in ('ra', 'dec', 'total_flux', 'major_fwhm', 'minor_fwhm', 'pa'):
            columns[name] = objects[name][index]
        result = QTable()
        for name, (unit, description) in BOX_COLUMNS.items():
            values = np.asarray(columns[name], dtype=table[name].dtype)
            result[name] = values * unit if unit is not None else values
            result[name].info.description = description
        return result

    # ------------------------------------------------------------------ files
    @staticmethod
    def read(path):
        """Read a training set written by `write` (see `TrainingSet.read`)."""
        return TrainingSet.read(path)
