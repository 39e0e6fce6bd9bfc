"""Column access shared by the cross-matching modules: positions, units, names."""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from ..matching import catalog_coordinates
from ..schema import CATALOG_COLUMNS, read_column

__all__ = []

#: Short names accepted for ``quantity=`` and the column each one reads.
QUANTITY_ALIASES = {'flux': 'total_flux', 'snr': 'snr'}


def as_catalog(catalog, role):
    """``catalog`` as a `~astropy.table.QTable` (a SkyCoord becomes a ``sky_centroid`` column)."""
    if isinstance(catalog, SkyCoord):
        return QTable({'sky_centroid': catalog.reshape(-1) if catalog.isscalar else catalog})
    if not isinstance(catalog, Table):
        raise TypeError(f'the {role} must be an astropy Table or QTable (or a SkyCoord), '
                        f'not {type(catalog).__name__}.')
    return catalog if isinstance(catalog, QTable) else QTable(catalog)


def positions(catalog, role):
    """Sky positions of a catalogue, with an error naming the ``role`` when absent or invalid."""
    try:
        coords = catalog_coordinates(catalog, name=role)
    except u.UnitsError as exc:
        raise ValueError(f'the {role} positions are not angles: {exc}') from None
    if len(coords):
        bad = ~(np.isfinite(coords.spherical.lon.deg) & np.isfinite(coords.spherical.lat.deg))
        if bad.any():
            raise ValueError(f'the {role} has {int(bad.sum())} rows with non-finite positions '
                             f'(first: row {int(np.flatnonzero(bad)[0])}); remove them before '
                             f'matching.')
    return coords


def column_quantity(catalog, name, role, unit=None):
    """Column ``name`` as a float Quantity (schema unit for unitless columns), in ``unit``.

    Raises a `ValueError` naming the column and the catalogue when it is
    missing or its unit does not convert.
    """
    if name not in catalog.colnames:
        raise ValueError(f'the {role} has no {name!r} column (columns: '
                         f'{", ".join(catalog.colnames[:16])}).')
    try:
        values = read_column(catalog, name)
    except (TypeError, ValueError):
        raise ValueError(f'the {role} column {name!r} is not numeric.') from None
    if unit is not None:
        try:
            values = values.to(unit)
        except u.UnitsError:
            raise ValueError(f'the {role} column {name!r} is in {values.unit}, which does not '
                             f'convert to {unit}.') from None
    return values


def binning_values(catalog, quantity, role, unit=None):
    """Values of ``quantity`` ('flux', 'snr' or a column name) in a catalogue.

    ``'snr'`` reads an ``snr`` column, or computes ``peak_flux / local_rms``
    when there is none (as for LoTSS DR2 from VizieR).
    """
    name = QUANTITY_ALIASES.get(quantity, quantity)
    if name == 'snr' and 'snr' not in catalog.colnames:
        if 'peak_flux' in catalog.colnames and 'local_rms' in catalog.colnames:
            peak = column_quantity(catalog, 'peak_flux', role)
            rms = column_quantity(catalog, 'local_rms', role)
            return (peak / rms).to(u.dimensionless_unscaled)
        raise ValueError(f'the {role} has neither an snr column nor peak_flux and local_rms '
                         f'to compute it (columns: {", ".join(catalog.colnames[:16])}).')
    return column_quantity(catalog, name, role, unit)


def quantity_unit(quantity, catalog, reference):
    """The unit in which to bin ``quantity``: the schema unit, else the reference's."""
    name = QUANTITY_ALIASES.get(quantity, quantity)
    if name == 'snr':
        return u.dimensionless_unscaled
    unit = CATALOG_COLUMNS.get(name, (None,))[0]
    if unit is not None:
        return unit
    for table in (reference, catalog):
        if name in table.colnames and isinstance(table[name], u.Quantity):
            return table[name].unit
    return u.dimensionless_unscaled
