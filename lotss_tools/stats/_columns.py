"""Read a catalogue column as a float Quantity or as text, whatever table it comes from."""

import numpy as np
from astropy import units as u

from ..schema import COLUMN_UNITS, read_column

__all__ = []

#: Names used by the LoTSS release files, to point users at `normalise_catalog`.
_RELEASE_NAMES = {'total_flux': 'Total_flux', 'peak_flux': 'Peak_flux', 'major_fwhm': 'Maj',
                  'minor_fwhm': 'Min', 'dc_major_fwhm': 'DC_Maj', 'dc_minor_fwhm': 'DC_Min',
                  'local_rms': 'Isl_rms', 's_code': 'S_Code'}


def missing_column_error(catalog, name, caller):
    """A ValueError naming the missing column and what the table has."""
    hint = ''
    release = _RELEASE_NAMES.get(name)
    if release and release in catalog.colnames:
        hint = (f' It has {release!r}: rename the columns with '
                f'lotss_tools.catalogs.normalise_catalog(table) first.')
    names = ', '.join(catalog.colnames[:25]) or 'no columns'
    return ValueError(f'{caller}: the catalogue has no {name!r} column (it has {names}).{hint}')


def quantity(catalog, name, unit=None, *, caller='lotss_tools.stats', required=False):
    """Column ``name`` as a float `~astropy.units.Quantity` in ``unit``, NaN where masked.

    Returns None for a missing column unless ``required`` (then ValueError).
    A column without a unit takes ``lotss_tools.schema.COLUMN_UNITS[name]``.
    """
    if name not in catalog.colnames:
        if required:
            raise missing_column_error(catalog, name, caller)
        return None
    unit = u.Unit(unit) if unit is not None else COLUMN_UNITS.get(name, u.dimensionless_unscaled)
    try:
        return read_column(catalog, name, unit, dimensionless_is_unitless=True)
    except (TypeError, ValueError) as err:
        if isinstance(err, u.UnitConversionError):
            found = read_column(catalog, name, dimensionless_is_unitless=True).unit
            raise ValueError(f'{caller}: column {name!r} is in {found}, which does not '
                             f'convert to {unit}.') from err
        raise ValueError(f'{caller}: column {name!r} does not hold numbers '
                         f'({catalog[name].dtype}).') from err


def text(catalog, name):
    """Column ``name`` as stripped strings ('' where masked); None if missing."""
    if name not in catalog.colnames:
        return None
    column = catalog[name]
    filled = np.ma.filled(np.ma.asarray(column).astype(str), '')
    return np.char.strip(np.asarray(filled, dtype=str))


def nanmedian(values):
    """Median of the finite values, NaN (no warning) when there are none."""
    values = u.Quantity(values) if isinstance(values, u.Quantity) else np.asarray(values, float)
    finite = np.isfinite(values)
    if not np.any(finite):
        return np.nan * getattr(values, 'unit', 1)
    return np.median(values[finite])
