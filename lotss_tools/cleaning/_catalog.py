"""The cleaner's use of the column layer (`lotss_tools.schema`): positions, numbers, ids."""

import numpy as np

from ..exceptions import MissingColumnError
from ..schema import catalog_coordinates, find_column, has_columns, read_column

__all__ = ['MissingColumnError']



def positions(catalog, purpose):
    """Sky positions (ICRS `~astropy.coordinates.SkyCoord`), or a `MissingColumnError`."""
    return catalog_coordinates(catalog, purpose=purpose)


def quantity(catalog, name, unit, purpose):
    """Column ``name`` as a float array in ``unit`` (masked values NaN), by the schema's rule.

    Raises
    ------
    MissingColumnError
        When the column is absent, or has no unit and is not a known column.
    astropy.units.UnitsError
        When its unit cannot be converted to ``unit``.
    """
    return read_column(catalog, name, unit, purpose=purpose).value


def source_ids(catalog):
    """The ``id`` column (or PyBDSF ``Source_id``) as integers, or the row numbers."""
    name = find_column(catalog, 'id')
    if name is not None:
        ids = np.asarray(catalog[name])
        if np.issubdtype(ids.dtype, np.integer):
            return ids.astype(np.int64)
    return np.arange(len(catalog), dtype=np.int64)
