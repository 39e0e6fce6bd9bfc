"""`TrainingSet`: network input patches with their target boxes, and its files.

On disk a training set is two files written atomically through
`lotss_tools.io`:

- ``<name>.npz`` (NumPy): ``patches`` (float32, ``(n, p, p)``), ``valid_mask``
  (bool, ``(n, p, p)``: True where the pixel is finite data of the mosaic,
  False where it was filled), one array per column of the patch table
  (``patch_<column>``), ``wcs_header`` (the FITS header of the pooled
  mosaic's WCS, as text) and ``parameters`` (JSON: every builder parameter
  and the mosaic it came from);
- ``<name>.boxes.ecsv``: the box table (`BOX_COLUMNS`), with the same
  parameters in its ``meta['training_set']``.
"""

import json
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import QTable
from astropy.wcs import WCS

from ..io import atomic_paths, write_table
from .targets import BOX_COLUMNS, yolo_targets

__all__ = ['TrainingSet', 'PATCH_COLUMNS']

#: name -> description of the columns of `TrainingSet.patch_table`.
PATCH_COLUMNS = {
    'patch': 'index of the patch (first axis of the patch array)',
    'row': 'row of the patch in the patch grid (lotss_tools.tiling.TileGrid)',
    'col': 'column of the patch in the patch grid',
    'y0': 'pooled-mosaic row at patch pixel (0, 0); negative for patches padded at the bottom',
    'x0': 'pooled-mosaic column at patch pixel (0, 0); negative for patches padded on the left',
    'valid_ymin': 'first patch row inside the mosaic',
    'valid_ymax': 'last patch row inside the mosaic, plus one',
    'valid_xmin': 'first patch column inside the mosaic',
    'valid_xmax': 'last patch column inside the mosaic, plus one',
    'finite_fraction': 'fraction of the patch pixels that hold finite (not blanked) data',
}

def _paths(path):
    path = Path(path)
    if path.suffix != '.npz':
        path = path.with_name(path.name + '.npz')
    return path, path.with_suffix('.boxes.ecsv')


class TrainingSet:
    """Patches of one mosaic for a detector network, with their target boxes.

    Made by `~lotss_tools.training.TrainingSetBuilder.build`; read back from
    disk with `read`.

    Parameters
    ----------
    patches : `~numpy.ndarray` of float32, shape (n, p, p)
        Normalised pooled pixels; filled pixels hold the builder's
        ``fill_value``.
    valid_mask : `~numpy.ndarray` of bool, shape (n, p, p)
        True where a patch pixel is finite data of the mosaic.
    patch_table : `~astropy.table.QTable`
        One row per patch (`PATCH_COLUMNS`).
    boxes : `~astropy.table.QTable`
        One row per target box (`~lotss_tools.training.BOX_COLUMNS`).
    wcs : `~astropy.wcs.WCS`
        WCS of the pooled mosaic the patches were cut from.
    parameters : dict
        The builder's parameters and a description of the mosaic
        (JSON-compatible).
    """

    def __init__(self, patches, valid_mask, patch_table, boxes, wcs, parameters):
        self.patches = patches
        self.valid_mask = valid_mask
        self.patch_table = patch_table
        self.boxes = boxes
        self.wcs = wcs
        self.parameters = parameters

    def __len__(self):
        return len(self.patches)

    def __repr__(self):
        size = self.patches.shape[1] if self.patches.ndim == 3 else 0
        return (f'<TrainingSet {self.parameters.get("mosaic") or ""}: {len(self)} patches of '
                f'{size}x{size} pixels, {len(self.boxes)} boxes>')

    def patch_wcs(self, index):
        """The WCS of patch ``index`` (the pooled WCS shifted to its origin)."""
        row = self.patch_table[index]
        wcs = self.wcs.deepcopy()
        wcs.wcs.crpix = wcs.wcs.crpix - np.array([row['x0'], row['y0']], float)
        wcs.wcs.set()
        return wcs

    def boxes_of(self, index):
        """The rows of `boxes` that belong to patch ``index``."""
        return self.boxes[np.asarray(self.boxes['patch']) == index]

    def yolo_targets(self, max_objects=None):
        """Targets in the YOLO-style per-object layout; see `~lotss_tools.training.yolo_targets`."""
        return yolo_targets(self.boxes, len(self), max_objects)

    # ------------------------------------------------------------------ files
    @staticmethod
    def output_paths(path):
        """The two files `write` writes for ``path``: ``<path>.npz`` and ``<path>.boxes.ecsv``.

        Examples
        --------
        >>> from lotss_tools.training import TrainingSet
        >>> [p.name for p in TrainingSet.output_paths('field1')]
        ['field1.npz', 'field1.boxes.ecsv']
        """
        return _paths(path)

    def write(self, path, *, overwrite=False, inputs=()):
        """Write ``<path>.npz`` and ``<path>.boxes.ecsv``, both or neither.

        Both targets are checked before anything is written and the two
        files are moved into place together (`lotss_tools.io.atomic_paths`).

        Parameters
        ----------
        path : str or `os.PathLike`
            The ``.npz`` file (the suffix is added if missing); the box table
            goes next to it with the suffix ``.boxes.ecsv``.
        overwrite : bool
            Replace existing files.
        inputs : sequence of str or `os.PathLike`
            Files that must not be overwritten (the mosaic and catalogues).

        Returns
        -------
        npz_path, boxes_path : `pathlib.Path`

        Raises
        ------
        `~lotss_tools.io.OutputExistsError`
            If a file exists and ``overwrite`` is False.
        """
        npz_path, boxes_path = _paths(path)
        arrays = {f'patch_{name}': np.asarray(self.patch_table[name]) for name in PATCH_COLUMNS}
        boxes = self.boxes.copy(copy_data=False)
        boxes.meta['training_set'] = self.parameters
        boxes.meta['patches_file'] = npz_path.name
        boxes.meta['n_patches'] = len(self)
        with atomic_paths([npz_path, boxes_path], overwrite=overwrite,
                          inputs=inputs) as (npz_tmp, boxes_tmp):
            with open(npz_tmp, 'wb') as stream:
                np.savez_compressed(stream, patches=self.patches, valid_mask=self.valid_mask,
                                    wcs_header=np.array(self.wcs.to_header().tostring()),
                                    parameters=np.array(json.dumps(self.parameters)), **arrays)
            write_table(boxes, boxes_tmp, overwrite=True, format='ascii.ecsv')
        return npz_path, boxes_path

    @classmethod
    def read(cls, path):
        """Read a training set written by `write`.

        Parameters
        ----------
        path : str or `os.PathLike`
            The ``.npz`` file (or its name without the suffix).

        Returns
        -------
        training_set : `TrainingSet`

        Raises
        ------
        FileNotFoundError
            If either file is missing.
        ValueError
            If the two files do not belong together.
        """
        npz_path, boxes_path = _paths(path)
        for needed in (npz_path, boxes_path):
            if not needed.exists():
                raise FileNotFoundError(f'{needed}: no such training-set file.')
        with np.load(npz_path, allow_pickle=False) as data:
            patches = data['patches']
            valid_mask = data['valid_mask']
            header = fits.Header.fromstring(str(data['wcs_header']))
            parameters = json.loads(str(data['parameters']))
            patch_table = QTable({name: data[f'patch_{name}'] for name in PATCH_COLUMNS})
        for name, description in PATCH_COLUMNS.items():
            patch_table[name].info.description = description
        boxes = QTable.read(boxes_path, format='ascii.ecsv')
        n_patches = boxes.meta.pop('n_patches', None)
        boxes.meta.pop('patches_file', None)
        if n_patches != len(patches) or boxes.meta.pop('training_set', None) != parameters:
            raise ValueError(f'{boxes_path} does not describe the patches of {npz_path} '
                             f'({n_patches} against {len(patches)} patches, or other parameters).')
        return cls(patches, valid_mask, patch_table, boxes, WCS(header), parameters)

    # ------------------------------------------------------------------- plot
    def plot_patch(self, index, ax=None, *, boxes=True, cmap='inferno'):
        """Show patch ``index`` with its boxes; see `~lotss_tools.visualization.plot_training_patch`."""
        from ..visualization import plot_training_patch
        return plot_training_patch(self, index, ax=ax, boxes=boxes, cmap=cmap)


def empty_boxes():
    """A box table with no rows and the documented columns and units."""
    table = QTable()
    for name, (unit, description) in BOX_COLUMNS.items():
        dtype = {'patch': int, 'catalog_index': int, 'reference_index': int,
                 'label': '<U14', 'clipped': bool}.get(name, float)
        column = np.zeros(0, dtype)
        table[name] = column * unit if unit is not None else column
        table[name].info.description = description
    return table
