"""Column names, units and meanings of the package's catalogues, defined once.

The extractor, the VizieR normaliser, the cleaner and the matcher all use
these names, so a catalogue from any source flows through every step.
"""

from astropy import units as u

__all__ = ['CATALOG_COLUMNS', 'describe_columns']

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
