"""The statistics' use of the column layer (`lotss_tools.schema`), with their messages."""

import numpy as np
from astropy import units as u

from ..exceptions import MissingColumnError
from ..schema import COLUMN_UNITS, find_column, read_column, read_text

__all__ = []

#: The noise columns a signal-to-noise ratio can use, in order of preference:
#: the extractor's noise at the peak, then PyBDSF's island rms (survey catalogues).
NOISE_COLUMNS = ('local_rms', 'island_rms')


def missing_column_error(catalog, name, caller):
    """A `~lotss_tools.exceptions.MissingColumnError` naming the column and what the table has."""
    names = ', '.join(catalog.colnames[:25]) or 'no columns'
    return MissingColumnError(f'{caller}: the catalogue has no {name!r} column (it has {names}).')


def quantity(catalog, name, unit=None, *, caller='lotss_tools.stats', required=False):
    """Column ``name`` (package or survey spelling) as a float Quantity in ``unit``.

    Returns None for a missing column unless ``required`` (then
    `~lotss_tools.exceptions.MissingColumnError`). Units follow the rule of
    `lotss_tools.schema`; an impossible conversion or a non-numeric column
    is a `ValueError` naming the column.
    """
    if find_column(catalog, name) is None:
        if required:
            raise missing_column_error(catalog, name, caller)
        return None
    unit = u.Unit(unit) if unit is not None else COLUMN_UNITS.get(name, u.dimensionless_unscaled)
    try:
        return read_column(catalog, name, unit, purpose=caller)
    except TypeError as err:
        raise ValueError(f'{caller}: column {name!r} does not hold numbers.') from err


def noise_column(catalog, caller):
    """The first noise column present (`NOISE_COLUMNS`) in mJy/beam, or None."""
    for name in NOISE_COLUMNS:
        values = quantity(catalog, name, u.mJy / u.beam, caller=caller)
        if values is not None:
            return values
    return None


def text(catalog, name):
    """Column ``name`` as stripped strings ('' where masked); None if missing."""
    return read_text(catalog, name)


def nanmedian(values):
    """Median of the finite values, NaN (no warning) when there are none."""
    values = u.Quantity(values) if isinstance(values, u.Quantity) else np.asarray(values, float)
    finite = np.isfinite(values)
    if not np.any(finite):
        return np.nan * getattr(values, 'unit', 1)
    return np.median(values[finite])
