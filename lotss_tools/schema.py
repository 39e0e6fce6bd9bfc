"""Column names, units and meanings of the package's catalogues, defined once.

The extractor, the VizieR normaliser, the cleaner and the matcher all use
these names, so a catalogue from any source flows through every step.
"""

import numpy as np
from astropy import units as u

__all__ = ['CATALOG_COLUMNS', 'COLUMN_UNITS', 'describe_columns', 'read_column']

#: name -> (unit or None, description) of the columns of a source catalogue.
CATALOG_COLUMNS = {
    'id': (None, 'source identifier, unique in the catalogue'),
    'ra': (u.deg, 'right ascension (ICRS) of the flux-weighted centroid'),
    'dec': (u.deg, 'declination (ICRS) of the flux-weighted centroid'),
    'sky_centroid': (None, 'flux-weighted centroid as a SkyCoord'),
    'x': (None, 'centroid x, 0-based pixel of the whole mosaic (data[y, x])'),
    'y': (None, 'centroid y, 0-based pixel of the whole mosaic (data[y, x])'),
    'total_flux': (u.mJy, 'integrated flux density (pixel sum divided by the beam area, '
                          'corrected for the part of a Gaussian below the structure boundary)'),
    'peak_flux': (u.mJy / u.beam, 'brightest pixel of the source, background subtracted'),
    'major_fwhm': (u.arcsec, 'major-axis FWHM (2.3548 x second-moment sigma), convolved with '
                             'the beam like the survey Maj'),
    'minor_fwhm': (u.arcsec, 'minor-axis FWHM (2.3548 x second-moment sigma), convolved with '
                             'the beam like the survey Min'),
    'pa': (u.deg, 'position angle of the major axis, east of north, in [0, 180)'),
    'eccentricity': (None, 'sqrt(1 - minor**2 / major**2) of the moment ellipse'),
    'local_rms': (u.mJy / u.beam, 'local noise at the peak (photutils Background2D rms map)'),
    'snr': (None, 'peak_flux / local_rms'),
    'npix': (None, 'number of pixels of the structure'),
    'tile': (None, 'index of the extraction tile that reported the source'),
}


def describe_columns(table):
    """Set ``description`` (and check units) of the known columns of a table, in place."""
    for name in table.colnames:
        if name in CATALOG_COLUMNS:
            table[name].info.description = CATALOG_COLUMNS[name][1]
    return table


#: Unit of every column the package knows, for tables that carry none: the
#: catalogue columns above plus those of reference catalogues (LoTSS DR2).
COLUMN_UNITS = {name: unit for name, (unit, _) in CATALOG_COLUMNS.items() if unit is not None}
COLUMN_UNITS.update(dc_major_fwhm=u.arcsec, dc_minor_fwhm=u.arcsec, total_flux_err=u.mJy,
                    peak_flux_err=u.mJy / u.beam)


def read_column(catalog, name, unit=None, *, dimensionless_is_unitless=False):
    """A column as a float `~astropy.units.Quantity`, NaN where masked.

    The one reader of numeric catalogue columns; the cleaner, the matcher and
    the statistics wrap it with their own error messages.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
    name : str
        Column name (``KeyError`` if absent).
    unit : `~astropy.units.Unit`, optional
        Convert to this unit (``UnitConversionError`` if impossible).
    dimensionless_is_unitless : bool
        Treat a dimensionless column like one without a unit.

    Returns
    -------
    values : `~astropy.units.Quantity`
        A column without a unit takes its `COLUMN_UNITS` unit
        (dimensionless for unknown names).

    Raises
    ------
    TypeError, ValueError
        If the column does not hold numbers.
    """
    column = catalog[name]
    mask = np.broadcast_to(np.asarray(getattr(column, 'mask', False), bool), (len(column),))
    raw = getattr(column, 'unmasked', column)
    values = np.array(np.ma.getdata(getattr(raw, 'value', raw)), dtype=float)
    values = np.where(mask, np.nan, values)
    column_unit = getattr(column, 'unit', None)
    if column_unit is None or (dimensionless_is_unitless
                               and column_unit == u.dimensionless_unscaled):
        column_unit = COLUMN_UNITS.get(name, u.dimensionless_unscaled)
    values = values * u.Unit(column_unit)
    return values if unit is None else values.to(unit)
