"""Column names, units and meanings of catalogues, and the one reader of their columns.

Every module that takes a catalogue (the cleaner, the matcher, the
statistics, the training sets, the survey, the command line) reads its
positions with `catalog_coordinates` and its numbers with `read_column`, so
a catalogue from any source flows through every step:

* the package's own catalogues (`~lotss_tools.DendroExtractor`, the
  simulated truth, LoTSS DR2 from `lotss_tools.catalogs`) use the names of
  `CATALOG_COLUMNS` and `REFERENCE_COLUMNS`;
* survey catalogues (LoTSS DR1/DR2 release files, PyBDSF outputs, VizieR
  answers) use the names of `SURVEY_COLUMN_NAMES`, which the readers
  accept in place of the package's names; `normalise_columns` renames them
  once, for tables that are written again.

The rule for units
------------------
A column with a unit is read in that unit and converted (a PyBDSF FITS
catalogue in Jy and degrees and a VizieR answer in mJy and arcsec give the
same numbers). A column **without** a unit (or with a dimensionless one)
whose name is known -- a package name or a survey name -- takes the unit
listed for it in `COLUMN_UNITS` (the LoTSS release units: deg for positions,
mJy for fluxes, mJy/beam for brightnesses, arcsec for sizes, deg for
angles). A unit-less column with an unknown name cannot be read as a
physical quantity: `read_column` raises `~lotss_tools.exceptions.MissingColumnError`
naming it.

``local_rms`` and ``island_rms``
--------------------------------
``local_rms`` is the noise at a source's peak pixel, from the extractor's
noise map (`~lotss_tools.noise.NoiseModel`); ``island_rms`` is PyBDSF's
average background rms over the source's island (``Isl_rms`` of the LoTSS
releases). They are different numbers and are never mixed: reading
``local_rms`` never returns an ``Isl_rms`` column.
"""

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from .exceptions import MissingColumnError

__all__ = ['CATALOG_COLUMNS', 'MOMENT_COLUMNS', 'SOURCE_COLUMNS', 'COMPONENT_COLUMNS',
           'REFERENCE_COLUMNS', 'LOTSS_DR2_COLUMNS', 'to_lotss_dr2', 'COLUMN_UNITS',
           'SURVEY_COLUMN_NAMES',
           'describe_columns', 'find_column', 'has_columns', 'read_column', 'read_text',
           'catalog_coordinates', 'as_icrs', 'normalise_columns']

_MJY_BEAM = u.mJy / u.beam

#: name -> (unit or None, description) of the columns of the catalogues made by
#: `~lotss_tools.DendroExtractor`: the moment catalogue (`MOMENT_COLUMNS`), and
#: the source and component tables of Gaussian fits (`SOURCE_COLUMNS`,
#: `COMPONENT_COLUMNS`).
CATALOG_COLUMNS = {
    'id': (None, 'source identifier, unique in the catalogue'),
    'source_id': (None, 'source number, 1, 2, ... by decreasing peak brightness; in the '
                        'component table, the source the component belongs to'),
    'component_id': (None, 'component number, 1, 2, ... (grouped by source, brightest first)'),
    'island_id': (None, 'island (dendrogram trunk) of the component, or of the brightest '
                        'component of a source'),
    'ra': (u.deg, 'right ascension (ICRS): flux-weighted centroid of the pixels (moments) or '
                  'of the Gaussian components (sources); Gaussian centre (components)'),
    'dec': (u.deg, 'declination (ICRS): flux-weighted centroid of the pixels (moments) or '
                   'of the Gaussian components (sources); Gaussian centre (components)'),
    'sky_centroid': (None, 'ra and dec as a SkyCoord, always ICRS (converted from the frame of '
                           'the mosaic WCS)'),
    'x': (None, 'position x (as ra, dec), 0-based pixel of the whole mosaic (data[y, x])'),
    'y': (None, 'position y (as ra, dec), 0-based pixel of the whole mosaic (data[y, x])'),
    'ra_err': (u.arcsec, '1-sigma error of ra, arcsec on the sky (Gaussian fits: least-squares '
                         'covariance in beam-correlated noise, Condon 1997)'),
    'dec_err': (u.arcsec, '1-sigma error of dec'),
    'total_flux': (u.mJy, 'integrated flux density: integral of the fitted Gaussians (summed '
                          'over the components of a source), or the pixel sum divided by the '
                          'beam area, corrected for the part of a Gaussian below the structure '
                          'boundary (moments)'),
    'total_flux_err': (u.mJy, '1-sigma error of total_flux (components: fit error, plus the '
                              'flux-scale error if requested; sources: quadratic sum)'),
    'peak_flux': (_MJY_BEAM, 'peak brightness: of the fitted Gaussians (their sum for a '
                             'source), or the brightest pixel, background subtracted (moments)'),
    'peak_flux_err': (_MJY_BEAM, '1-sigma error of peak_flux'),
    'major_fwhm': (u.arcsec, 'major-axis FWHM convolved with the beam like the survey Maj: '
                             'fitted (components), from the second moments of the components '
                             '(sources), or 2.3548 x the second-moment sigma of the pixels '
                             '(moments)'),
    'major_fwhm_err': (u.arcsec, '1-sigma error of major_fwhm'),
    'minor_fwhm': (u.arcsec, 'minor-axis FWHM convolved with the beam like the survey Min '
                             '(measured as major_fwhm)'),
    'minor_fwhm_err': (u.arcsec, '1-sigma error of minor_fwhm'),
    'pa': (u.deg, 'position angle of the major axis, east of north, in [0, 180)'),
    'pa_err': (u.deg, '1-sigma error of pa (at most 180)'),
    'dc_major_fwhm': (u.arcsec, 'major-axis FWHM deconvolved from the beam (0: not '
                                'deconvolvable, as the survey DC_Maj)'),
    'dc_minor_fwhm': (u.arcsec, 'minor-axis FWHM deconvolved from the beam (0: not '
                                'deconvolvable)'),
    'dc_pa': (u.deg, 'position angle of the deconvolved major axis, east of north'),
    'deconvolved': (None, 'True if the beam could be deconvolved from the size'),
    'resolved': (None, 'resolved by the LoTSS DR2 envelope of ln(total_flux / peak_flux) '
                       'against snr (Shimwell et al. 2022, Sect. 3.1)'),
    'eccentricity': (None, 'sqrt(1 - minor**2 / major**2) of the measured ellipse'),
    'local_rms': (_MJY_BEAM, 'noise from the extractor noise map (photutils Background2D rms; '
                             'the global rms for global thresholds) at the source: its peak '
                             'pixel (moments), the centre of its brightest component (sources) '
                             'or its centre (components)'),
    'island_rms': (_MJY_BEAM, 'average background rms over the island of the source (the '
                              'survey Isl_rms; the extractor averages its rms map over the '
                              'pixels of the source\'s islands; not the same as local_rms)'),
    'snr': (None, 'peak_flux / local_rms'),
    's_code': (None, 'structure code as PyBDSF: S single Gaussian alone in its island, C single '
                     'Gaussian in an island shared with other sources, M several Gaussians'),
    'n_components': (None, 'number of Gaussian components of the source'),
    'n_islands': (None, 'number of islands the components of the source lie in'),
    'residual_rms': (_MJY_BEAM, 'rms of (data - model) over the island pixels (the largest over '
                                'the islands of a source)'),
    'chi2': (None, 'reduced chi-square of the island fit (the largest over the islands of a '
                   'source)'),
    'fit_flag': (None, 'FitFlag bits of the fit, OR-ed over the components of a source (0: '
                       'clean fit; 1: moments instead of a fit; 2: not converged; 4: size at a '
                       'bound; 8: components dropped)'),
    'npix': (None, 'pixels of the structure (moments), or the island pixels where the Gaussians '
                   'of the source (component) are the brightest (Gaussian fits)'),
    'tile': (None, 'index of the extraction tile that reported the source'),
}

#: Columns of the moment catalogue (``DendroExtractor(measurement='moments')``).
MOMENT_COLUMNS = ('id', 'ra', 'dec', 'sky_centroid', 'x', 'y', 'total_flux', 'peak_flux',
                  'major_fwhm', 'minor_fwhm', 'pa', 'eccentricity', 'local_rms', 'snr', 'npix',
                  'tile')
#: Columns of the source table of Gaussian fits (the catalogue of ``DendroExtractor()``).
SOURCE_COLUMNS = ('id', 'source_id', 'ra', 'dec', 'sky_centroid', 'x', 'y', 'ra_err', 'dec_err',
                  'total_flux', 'total_flux_err', 'peak_flux', 'peak_flux_err', 'major_fwhm',
                  'major_fwhm_err', 'minor_fwhm', 'minor_fwhm_err', 'pa', 'pa_err',
                  'dc_major_fwhm', 'dc_minor_fwhm', 'dc_pa', 'deconvolved', 'resolved',
                  'eccentricity', 'local_rms', 'island_rms', 'snr', 's_code', 'n_components',
                  'n_islands', 'island_id', 'residual_rms', 'chi2', 'fit_flag', 'npix', 'tile')
#: Columns of the component table of Gaussian fits (`~lotss_tools.extraction.Extraction`
#: ``components``).
COMPONENT_COLUMNS = ('component_id', 'source_id', 'island_id', 'ra', 'dec', 'sky_centroid', 'x',
                     'y', 'ra_err', 'dec_err', 'total_flux', 'total_flux_err', 'peak_flux',
                     'peak_flux_err', 'major_fwhm', 'major_fwhm_err', 'minor_fwhm',
                     'minor_fwhm_err', 'pa', 'pa_err', 'dc_major_fwhm', 'dc_minor_fwhm', 'dc_pa',
                     'deconvolved', 'resolved', 'eccentricity', 'local_rms', 'island_rms', 'snr',
                     's_code', 'residual_rms', 'chi2', 'fit_flag', 'npix', 'tile')

#: name -> (unit or None, description) of the columns that reference
#: catalogues (LoTSS DR1/DR2, PyBDSF) add to those of `CATALOG_COLUMNS`.
REFERENCE_COLUMNS = {
    'source_name': (None, 'ILTJhhmmss.ss+ddmmss.s name of the PyBDSF source'),
    'mosaic_id': (None, 'name of the survey mosaic the source was catalogued from'),
}

#: Survey spelling -> package name: the column names of the LoTSS DR1/DR2
#: release catalogues and PyBDSF (``RA``, ``Total_flux``, ``Isl_rms``...) and
#: of the LoTSS DR2 VizieR table ``J/A+A/659/A1`` (``RAJ2000``,
#: ``SpeakTot``, ``Islrms``...). Units come from the file when it has them;
#: the LoTSS release units (`COLUMN_UNITS`) otherwise.
SURVEY_COLUMN_NAMES = {
    # PyBDSF and the LoTSS DR1/DR2 release files
    'Source_id': 'id', 'Source_Name': 'source_name',
    'RA': 'ra', 'DEC': 'dec', 'E_RA': 'ra_err', 'E_DEC': 'dec_err',
    'Total_flux': 'total_flux', 'E_Total_flux': 'total_flux_err',
    'Peak_flux': 'peak_flux', 'E_Peak_flux': 'peak_flux_err',
    'Maj': 'major_fwhm', 'E_Maj': 'major_fwhm_err', 'Min': 'minor_fwhm',
    'E_Min': 'minor_fwhm_err', 'PA': 'pa', 'E_PA': 'pa_err',
    'DC_Maj': 'dc_major_fwhm', 'DC_Min': 'dc_minor_fwhm', 'DC_PA': 'dc_pa',
    'Isl_rms': 'island_rms', 'S_Code': 's_code', 'Mosaic_ID': 'mosaic_id',
    # VizieR labels (J/A+A/659/A1/catalog) and VizieR's computed positions
    'Source': 'source_name', 'RAJ2000': 'ra', 'DEJ2000': 'dec', 'RAdeg': 'ra', 'DEdeg': 'dec',
    '_RAJ2000': 'ra', '_DEJ2000': 'dec', 'e_RAJ2000': 'ra_err', 'e_DEJ2000': 'dec_err',
    'e_RAdeg': 'ra_err', 'e_DEdeg': 'dec_err', 'SpeakTot': 'total_flux',
    'e_SpeakTot': 'total_flux_err', 'Speak': 'peak_flux', 'e_Speak': 'peak_flux_err',
    'e_Maj': 'major_fwhm_err', 'e_Min': 'minor_fwhm_err', 'e_PA': 'pa_err',
    'DCMaj': 'dc_major_fwhm', 'DCMin': 'dc_minor_fwhm', 'DCPA': 'dc_pa', 'Islrms': 'island_rms',
    'SCode': 's_code', 'Mosaic': 'mosaic_id',
}

#: Unit of every known column (package names), assumed for columns without one.
COLUMN_UNITS = {name: unit for name, (unit, _) in {**CATALOG_COLUMNS, **REFERENCE_COLUMNS}.items()
                if unit is not None}

#: Package name -> its survey spellings, in the order they are looked for.
_ALIASES = {}
for _survey, _package in SURVEY_COLUMN_NAMES.items():
    _ALIASES.setdefault(_package, []).append(_survey)


def describe_columns(table):
    """Set the ``description`` of the known columns of a table, in place; returns it."""
    descriptions = {**REFERENCE_COLUMNS, **CATALOG_COLUMNS}
    for name in table.colnames:
        if name in descriptions:
            table[name].info.description = descriptions[name][1]
    return table


def find_column(catalog, name):
    """The column of ``catalog`` that holds ``name``: itself, or a survey spelling of it.

    Returns
    -------
    column_name : str or None
        ``name`` when present, else the first of its `SURVEY_COLUMN_NAMES`
        spellings present (``'Total_flux'`` for ``'total_flux'``), else None.

    Examples
    --------
    >>> from astropy.table import Table
    >>> from lotss_tools.schema import find_column
    >>> find_column(Table(names=['RA', 'DEC', 'Total_flux']), 'total_flux')
    'Total_flux'
    """
    names = catalog.colnames
    if name in names:
        return name
    return next((alias for alias in _ALIASES.get(name, ()) if alias in names), None)


def has_columns(catalog, names):
    """True if the catalogue holds every one of ``names`` (package or survey spelling)."""
    return all(find_column(catalog, name) is not None for name in names)


def _columns_list(catalog):
    names = catalog.colnames
    return ', '.join(names[:16]) + (', ...' if len(names) > 16 else '') if names else 'none'


def _missing(catalog, name, role, purpose):
    spellings = [name] + _ALIASES.get(name, [])
    looked = f' (or {", ".join(spellings[1:])})' if len(spellings) > 1 else ''
    prefix = f'{purpose}: ' if purpose else ''
    return MissingColumnError(f'{prefix}the {role} has no {name!r} column{looked} '
                              f'(columns: {_columns_list(catalog)}).')


def read_column(catalog, name, unit=None, *, role='catalogue', purpose=None):
    """A numeric column as a float `~astropy.units.Quantity`, NaN where masked.

    The one reader of numeric catalogue columns. The column is found by its
    package name or a survey spelling (`find_column`) and its unit follows
    the module's rule: the column's own unit, else (no unit or a
    dimensionless one) the `COLUMN_UNITS` unit of its name.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
    name : str
        Package column name (``'total_flux'``).
    unit : `~astropy.units.Unit` or str, optional
        Convert to this unit.
    role : str
        How messages call the table (``'catalogue'``, ``'reference'``).
    purpose : str, optional
        What needs the column, for messages (``'CatalogCleaner.clean'``).

    Returns
    -------
    values : `~astropy.units.Quantity`

    Raises
    ------
    MissingColumnError
        The column is absent, or has no unit while ``unit`` is physical and
        its name is not a known column. A `KeyError` and a `ValueError`.
    astropy.units.UnitConversionError
        Its unit does not convert to ``unit`` (the message names the column).
    TypeError
        It does not hold numbers.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import Table
    >>> from lotss_tools.schema import read_column
    >>> pybdsf = Table({'Total_flux': [0.002]}, units={'Total_flux': u.Jy})
    >>> read_column(pybdsf, 'total_flux', u.mJy)
    <Quantity [2.] mJy>
    >>> read_column(Table({'total_flux': [3.0]}), 'total_flux')    # no unit: the schema's
    <Quantity [3.] mJy>
    """
    found = find_column(catalog, name)
    if found is None:
        raise _missing(catalog, name, role, purpose)
    column = catalog[found]
    if isinstance(column, SkyCoord) or getattr(column, 'dtype', np.dtype(float)).kind not in 'biuf':
        raise TypeError(f'column {found!r} of the {role} does not hold numbers '
                        f'({type(column).__name__}).')
    mask = np.broadcast_to(np.asarray(getattr(column, 'mask', False), bool), (len(column),))
    raw = getattr(column, 'unmasked', column)
    values = np.array(np.ma.getdata(getattr(raw, 'value', raw)), dtype=float)
    values = np.where(mask, np.nan, values)
    column_unit = getattr(column, 'unit', None)
    if column_unit is None or u.Unit(column_unit) == u.dimensionless_unscaled:
        known = COLUMN_UNITS.get(name)
        if known is None and unit is not None and u.Unit(unit) != u.dimensionless_unscaled:
            prefix = f'{purpose}: ' if purpose else ''
            raise MissingColumnError(
                f'{prefix}the {role} column {found!r} has no unit, and {name!r} is not a '
                f'column the package knows the unit of; give it one, e.g. '
                f'table[{found!r}].unit = {u.Unit(unit).to_string()!r}.')
        column_unit = known if known is not None else u.dimensionless_unscaled
    values = values * u.Unit(column_unit)
    if unit is None:
        return values
    try:
        return values.to(unit)
    except u.UnitConversionError:
        prefix = f'{purpose}: ' if purpose else ''
        raise u.UnitConversionError(f'{prefix}the {role} column {found!r} is in {values.unit}, '
                                    f'which does not convert to {u.Unit(unit)}.') from None


def read_text(catalog, name):
    """A text column (package or survey spelling) as stripped strings, '' where masked.

    Returns None when the catalogue has no such column.
    """
    found = find_column(catalog, name)
    if found is None:
        return None
    filled = np.ma.filled(np.ma.asarray(catalog[found]).astype(str), '')
    return np.char.strip(np.asarray(filled, dtype=str))


def as_icrs(coords):
    """Positions as a plain ICRS `~astropy.coordinates.SkyCoord`.

    Unlike ``coords.icrs``, the result keeps no attribute of the frame it
    came from (an FK5 ``equinox``), so catalogues made from mosaics in
    different frames stack and merge.
    """
    icrs = coords.icrs
    return SkyCoord(icrs.ra, icrs.dec, frame='icrs')


def catalog_coordinates(catalog, name='catalogue', *, purpose=None):
    """Sky positions (ICRS) of a catalogue: its ``sky_centroid`` or ``ra``/``dec`` columns.

    ``ra``/``dec`` may have any survey spelling (``RA``/``DEC``,
    ``RAJ2000``/``DEJ2000``...) and follow the module's unit rule (no unit:
    degrees). The result is always in the ICRS frame.

    Parameters
    ----------
    catalog : `~astropy.table.Table` or `~astropy.coordinates.SkyCoord`
    name : str
        How an error message calls the table.
    purpose : str, optional
        What needs the positions, for messages.

    Returns
    -------
    coords : `~astropy.coordinates.SkyCoord`

    Raises
    ------
    MissingColumnError
        Without positions.
    astropy.units.UnitsError
        When ``ra``/``dec`` have a unit that is not an angle.
    """
    if isinstance(catalog, SkyCoord):
        return as_icrs(catalog)
    if 'sky_centroid' in catalog.colnames:
        return as_icrs(catalog['sky_centroid'])
    ra, dec = find_column(catalog, 'ra'), find_column(catalog, 'dec')
    if ra is None or dec is None:
        prefix = f'{purpose}: ' if purpose else ''
        raise MissingColumnError(
            f'{prefix}the {name} has no positions: it needs a sky_centroid column or ra and dec '
            f'columns (or RA/DEC, RAJ2000/DEJ2000) (columns: {_columns_list(catalog)}).')
    return SkyCoord(read_column(catalog, 'ra', u.deg, role=name, purpose=purpose),
                    read_column(catalog, 'dec', u.deg, role=name, purpose=purpose), frame='icrs')


def normalise_columns(table):
    """A copy of a catalogue with survey column names turned into the package's.

    Survey spellings (`SURVEY_COLUMN_NAMES`) are renamed when the package
    name is not already there; known numeric columns without a unit get
    their `COLUMN_UNITS` unit; columns with a unit keep it. Other columns
    are kept as they are. Every command-line entry point reads catalogue
    files through it.

    Parameters
    ----------
    table : `~astropy.table.Table`

    Returns
    -------
    catalog : `~astropy.table.QTable`

    Examples
    --------
    >>> from astropy.table import Table
    >>> from lotss_tools.schema import normalise_columns
    >>> release = Table({'RA': [218.7], 'DEC': [55.0], 'Total_flux': [0.77], 'Isl_rms': [0.07]})
    >>> catalog = normalise_columns(release)
    >>> catalog.colnames
    ['ra', 'dec', 'total_flux', 'island_rms']
    >>> catalog['total_flux'].unit
    Unit("mJy")
    """
    catalog = QTable(table, copy=True)
    for name in list(catalog.colnames):
        package = SURVEY_COLUMN_NAMES.get(name)
        if package is not None and find_column(catalog, package) == name:
            catalog.rename_column(name, package)
    for name in catalog.colnames:
        column = catalog[name]
        unit = COLUMN_UNITS.get(name)
        if unit is None or isinstance(column, SkyCoord) or column.dtype.kind not in 'biuf':
            continue
        if getattr(column, 'unit', None) in (None, u.dimensionless_unscaled):
            catalog[name] = read_column(catalog, name)
    describe_columns(catalog)
    return catalog


#: The columns of the LoTSS DR2 source catalogue (Shimwell et al. 2022, VizieR
#: ``J/A+A/659/A1``, as released): DR2 name -> (package name, unit or None).
LOTSS_DR2_COLUMNS = {
    'Source_Name': ('source_name', None),
    'RA': ('ra', u.deg), 'E_RA': ('ra_err', u.arcsec),
    'DEC': ('dec', u.deg), 'E_DEC': ('dec_err', u.arcsec),
    'Total_flux': ('total_flux', u.mJy), 'E_Total_flux': ('total_flux_err', u.mJy),
    'Peak_flux': ('peak_flux', _MJY_BEAM), 'E_Peak_flux': ('peak_flux_err', _MJY_BEAM),
    'Maj': ('major_fwhm', u.arcsec), 'E_Maj': ('major_fwhm_err', u.arcsec),
    'Min': ('minor_fwhm', u.arcsec), 'E_Min': ('minor_fwhm_err', u.arcsec),
    'PA': ('pa', u.deg), 'E_PA': ('pa_err', u.deg),
    'DC_Maj': ('dc_major_fwhm', u.arcsec), 'DC_Min': ('dc_minor_fwhm', u.arcsec),
    'DC_PA': ('dc_pa', u.deg),
    'Isl_rms': ('island_rms', _MJY_BEAM),
    'S_Code': ('s_code', None), 'Mosaic_ID': ('mosaic_id', None),
}


def _dr2_name(coords):
    """``ILTJhhmmss.ss+ddmmss.s`` names, as the LoTSS catalogues (truncated, not rounded)."""
    ra = coords.ra.hour
    dec = coords.dec.deg
    ra_s = np.floor(ra * 3600 * 100 + 1e-6) / 100
    h, rest = np.divmod(ra_s, 3600)
    m, sec = np.divmod(rest, 60)
    sign = np.where(dec < 0, '-', '+')
    dec_s = np.floor(np.abs(dec) * 3600 * 10 + 1e-6) / 10
    d, rest = np.divmod(dec_s, 3600)
    dm, dsec = np.divmod(rest, 60)
    return np.array([f'ILTJ{int(a):02d}{int(b):02d}{c:05.2f}{sg}{int(e):02d}{int(f):02d}{g:04.1f}'
                     for a, b, c, sg, e, f, g in zip(h, m, sec, sign, d, dm, dsec)], dtype=str)


def to_lotss_dr2(catalog, *, mosaic_id=None):
    """A catalogue with the column names and units of LoTSS DR2 (``J/A+A/659/A1``).

    The columns of `LOTSS_DR2_COLUMNS`, in that order: ``Source_Name``,
    ``RA``, ``E_RA``, ``DEC``, ``E_DEC``, ``Total_flux``, ``E_Total_flux``,
    ``Peak_flux``, ``E_Peak_flux``, ``Maj``, ``E_Maj``, ``Min``, ``E_Min``,
    ``PA``, ``E_PA``, ``DC_Maj``, ``DC_Min``, ``DC_PA``, ``Isl_rms``,
    ``S_Code``, ``Mosaic_ID``, in the units VizieR gives: deg for positions
    and angles, arcsec for position errors and sizes, mJy for fluxes,
    mJy/beam for brightnesses and rms. A source table of
    `~lotss_tools.DendroExtractor` (Gaussian fits) fills every column;
    columns a catalogue lacks are masked (a moment catalogue has no errors,
    deconvolved sizes or ``S_Code``).

    ``Isl_rms`` is the survey's average rms over a source's island: it is
    written from ``island_rms`` (which the extractor measures the same way,
    over the pixels of the source's islands), never from ``local_rms`` (the
    rms at one position), and is masked without it. ``Source_Name`` is made
    from the position as in the survey (``ILTJhhmmss.ss+ddmmss.s``) unless
    the catalogue has one.

    Write it with `lotss_tools.io.write_table` (ECSV, FITS, VOTable); read
    a DR2-named file back with `normalise_columns`: the package columns come
    back with the same values and units.

    Parameters
    ----------
    catalog : `~astropy.table.Table`
        A catalogue with package (or survey) column names.
    mosaic_id : str, optional
        ``Mosaic_ID`` for every row; by default the catalogue's
        ``mosaic_id`` column, else the mosaic name in its ``meta``
        (``mosaic``, as `~lotss_tools.DendroExtractor` records it), else
        masked.

    Returns
    -------
    dr2 : `~astropy.table.Table`
        With ``meta`` of the catalogue and ``meta['catalog'] = 'J/A+A/659/A1 columns'``.

    Raises
    ------
    MissingColumnError
        Without positions.

    Examples
    --------
    >>> import astropy.units as u
    >>> from astropy.table import QTable
    >>> from lotss_tools.schema import normalise_columns, to_lotss_dr2
    >>> ours = QTable({'ra': [218.71] * u.deg, 'dec': [55.02] * u.deg,
    ...                'total_flux': [1.5] * u.mJy, 'island_rms': [0.07] * u.mJy / u.beam,
    ...                's_code': ['S']})
    >>> dr2 = to_lotss_dr2(ours, mosaic_id='P218+55')
    >>> dr2.colnames[:6]
    ['Source_Name', 'RA', 'E_RA', 'DEC', 'E_DEC', 'Total_flux']
    >>> str(dr2['Source_Name'][0]), str(dr2['Isl_rms'].unit)
    ('ILTJ143450.40+550112.0', 'mJy / beam')
    >>> back = normalise_columns(dr2)
    >>> back['total_flux'][0], str(back['mosaic_id'][0])
    (<Quantity 1.5 mJy>, 'P218+55')
    """
    from astropy.table import Column, MaskedColumn, Table

    def column(values, mask, unit=None):
        """A plain column, or a masked one where values are missing."""
        if np.any(mask):
            return MaskedColumn(values, mask=mask, unit=unit)
        return Column(values, unit=unit)

    coords = catalog_coordinates(catalog, purpose='to_lotss_dr2')
    n = len(catalog)
    out = Table(meta=dict(getattr(catalog, 'meta', {}) or {}))
    missing = np.ones(n, bool)
    for dr2, (name, unit) in LOTSS_DR2_COLUMNS.items():
        if name in ('ra', 'dec'):
            out[dr2] = column(getattr(coords, name).to_value(u.deg), False, u.deg)
        elif unit is not None:
            if find_column(catalog, name) is None:
                out[dr2] = column(np.full(n, np.nan), missing, unit)
            else:
                values = read_column(catalog, name, unit, purpose='to_lotss_dr2').value
                out[dr2] = column(values, ~np.isfinite(values), unit)
        else:
            text = read_text(catalog, name)
            if text is None and name == 'source_name':
                text = _dr2_name(coords) if n else np.zeros(0, str)
            if text is None and name == 'mosaic_id':
                given = mosaic_id if mosaic_id is not None else out.meta.get('mosaic') or None
                text = np.full(n, str(given)) if given is not None else None
            if text is None:
                out[dr2] = column(np.full(n, ''), missing)
            else:
                out[dr2] = column(np.asarray(text, str), False)
        out[dr2].description = CATALOG_COLUMNS.get(name, REFERENCE_COLUMNS.get(name))[1]
    out.meta['catalog'] = 'J/A+A/659/A1 columns'
    return out
