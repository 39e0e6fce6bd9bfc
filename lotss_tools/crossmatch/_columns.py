"""The cross-match's use of the column layer (`lotss_tools.schema`): tables, positions, bins."""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from ..schema import COLUMN_UNITS, catalog_coordinates, find_column, read_column

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
        bad = ~(np.isfinite(coords.ra.deg) & np.isfinite(coords.dec.deg))
        if bad.any():
            raise ValueError(f'the {role} has {int(bad.sum())} rows with non-finite positions '
                             f'(first: row {int(np.flatnonzero(bad)[0])}); remove them before '
                             f'matching.')
    return coords


def binning_values(catalog, quantity, role, unit=None):
    """Values of ``quantity`` ('flux', 'snr' or a column name) in a catalogue.

    ``'snr'`` reads an ``snr`` column or computes ``peak_flux / local_rms``
    (``peak_flux / island_rms`` for survey catalogues such as LoTSS DR2).
    """
    name = QUANTITY_ALIASES.get(quantity, quantity)
    if name == 'snr' and find_column(catalog, 'snr') is None:
        rms = next((n for n in ('local_rms', 'island_rms') if find_column(catalog, n)), None)
        if find_column(catalog, 'peak_flux') is None or rms is None:
            raise ValueError(f'the {role} has neither an snr column nor peak_flux and local_rms '
                             f'(or island_rms) to compute it (columns: '
                             f'{", ".join(catalog.colnames[:16])}).')
        peak = read_column(catalog, 'peak_flux', role=role)
        return (peak / read_column(catalog, rms, role=role)).to(u.dimensionless_unscaled)
    return read_column(catalog, name, unit, role=role)


def quantity_unit(quantity, catalog, reference):
    """The unit in which to bin ``quantity``: the schema unit, else the reference's."""
    name = QUANTITY_ALIASES.get(quantity, quantity)
    if name == 'snr':
        return u.dimensionless_unscaled
    if name in COLUMN_UNITS:
        return COLUMN_UNITS[name]
    for table in (reference, catalog):
        if name in table.colnames and isinstance(table[name], u.Quantity):
            return table[name].unit
    return u.dimensionless_unscaled
