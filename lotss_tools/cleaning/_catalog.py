"""Reading the columns the cleaner needs from a catalogue, with units and clear errors."""

import numpy as np
from astropy import units as u

from ..exceptions import MissingColumnError
from ..matching import catalog_coordinates
from ..schema import read_column

__all__ = ['MissingColumnError']


def _columns_list(catalog):
    names = catalog.colnames
    return ', '.join(names[:15]) + (', ...' if len(names) > 15 else '') if names else 'none'


def positions(catalog, purpose):
    """Sky positions (`~astropy.coordinates.SkyCoord`) of a catalogue, or a clear error."""
    try:
        return catalog_coordinates(catalog)
    except ValueError as exc:
        raise MissingColumnError(
            f'{purpose} needs source positions: a sky_centroid column or ra and dec columns '
            f'(columns: {_columns_list(catalog)}).') from exc


def has_columns(catalog, names):
    return all(name in catalog.colnames for name in names)


def quantity(catalog, name, unit, purpose):
    """Column ``name`` as a float array in ``unit``, masked values as NaN.

    Raises
    ------
    MissingColumnError
        When the column is absent or has no unit.
    astropy.units.UnitsError
        When its unit cannot be converted to ``unit``.
    """
    if name not in catalog.colnames:
        raise MissingColumnError(f'{purpose} needs a {name!r} column ({unit}), which the '
                                 f'catalogue lacks (columns: {_columns_list(catalog)}).')
    source_unit = getattr(catalog[name], 'unit', None)
    if source_unit is None:
        raise MissingColumnError(f'column {name!r} has no unit; {purpose} needs it in a unit '
                                 f'convertible to {unit} (give the column a unit, e.g. '
                                 f'table[{name!r}].unit = {unit.to_string()!r}).')
    try:
        return read_column(catalog, name, unit).value
    except u.UnitsError as exc:
        raise u.UnitsError(f'column {name!r} is in {source_unit}, which cannot be converted to '
                           f'{unit} ({purpose}).') from exc


def source_ids(catalog):
    """The ``id`` column as integers, or the row numbers when there is none."""
    if 'id' in catalog.colnames:
        ids = np.asarray(catalog['id'])
        if np.issubdtype(ids.dtype, np.integer):
            return ids.astype(np.int64)
    return np.arange(len(catalog), dtype=np.int64)
