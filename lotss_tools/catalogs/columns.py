"""What each reference catalogue is called on VizieR, and how its columns map to ours.

A `CatalogSpec` names a VizieR table, the columns to ask for, and for every
column of the package's schema (`lotss_tools.schema`) the source columns it
can come from, in order of preference, with the unit to assume when a file
gives none (the spellings are those of `lotss_tools.schema.SURVEY_COLUMN_NAMES`,
the package's one table of survey names). `normalise_catalog` turns a VizieR answer, or a pinned file with
either VizieR's labels or the survey's own release names, into a `QTable`
with the package's names and units, so a reference catalogue goes straight
into the matcher next to a `DendroExtractor` catalogue.

LoTSS DR2 on VizieR (``J/A+A/659/A1/catalog``, Shimwell et al. 2022) uses the
labels of its CDS ReadMe (``catalog.dat``): ``Source``, ``RAdeg``/``DEdeg``
(served as ``RAJ2000``/``DEJ2000``), ``Speak``, ``SpeakTot``, ``Maj``,
``Min``, ``DCMaj``, ``DCMin``, ``PA``, ``Islrms``, ``SCode``, ``Mosaic``. The
release's own FITS catalogue (lofar-surveys.org) calls them ``Source_Name``,
``RA``, ``DEC``, ``Peak_flux``, ``Total_flux``, ``Maj``, ``Min``, ``DC_Maj``,
``DC_Min``, ``PA``, ``Isl_rms``, ``S_Code``, ``Mosaic_ID``; both are read.

=================  ============  ===============  =========================
package column     VizieR label  release name     unit
=================  ============  ===============  =========================
``source_name``    ``Source``    ``Source_Name``
``ra``             ``RAJ2000``   ``RA``           deg
``dec``            ``DEJ2000``   ``DEC``          deg
``peak_flux``      ``Speak``     ``Peak_flux``    mJy / beam
``total_flux``     ``SpeakTot``  ``Total_flux``   mJy
``major_fwhm``     ``Maj``       ``Maj``          arcsec (with the 6" beam)
``minor_fwhm``     ``Min``       ``Min``          arcsec (with the 6" beam)
``dc_major_fwhm``  ``DCMaj``     ``DC_Maj``       arcsec (deconvolved)
``dc_minor_fwhm``  ``DCMin``     ``DC_Min``       arcsec (deconvolved)
``pa``             ``PA``        ``PA``           deg east of north
``island_rms``     ``Islrms``    ``Isl_rms``      mJy / beam
``s_code``         ``SCode``     ``S_Code``       S, C or M
``mosaic_id``      ``Mosaic``    ``Mosaic_ID``
=================  ============  ===============  =========================

plus the 1-sigma errors ``*_err`` (``e_Speak``/``E_Peak_flux`` and so on).
"""

from dataclasses import dataclass, field

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from ..schema import SURVEY_COLUMN_NAMES

__all__ = ['CatalogColumn', 'CatalogSpec', 'LOTSS_DR2', 'ALLWISE', 'DESI_LEGACY_NORTH',
           'CATALOG_SPECS', 'normalise_catalog', 'empty_catalog']


@dataclass(frozen=True)
class CatalogColumn:
    """One column of a normalised catalogue and where it can come from.

    Parameters
    ----------
    name : str
        Column name in the package's schema.
    sources : tuple of str
        Candidate column names in an input table, most preferred first (the
        package's own name is always tried first).
    unit : `~astropy.units.Unit` or None
        Unit of the output column; also assumed for an input column without
        a unit. None for text columns.
    description : str
    required : bool
        An input without any of ``sources`` is an error; otherwise the column
        is filled with NaN (numbers) or empty strings (text).
    """

    name: str
    sources: tuple
    unit: object = None
    description: str = ''
    required: bool = False


@dataclass(frozen=True)
class CatalogSpec:
    """A reference catalogue on VizieR.

    Parameters
    ----------
    name : str
        Short name used in messages and cache folders (``'lotss-dr2'``).
    vizier_id : str
        VizieR table identifier (``'J/A+A/659/A1/catalog'``).
    title : str
        Catalogue and reference.
    columns : tuple of (`CatalogColumn`)
        Normalised columns, in output order (``sky_centroid`` follows ``dec``).
    query_columns : tuple of str
        VizieR columns to request (``-out``); empty for VizieR's default set.
    keep_other_columns : bool
        Keep input columns that are not mapped (under their own names).
    """

    name: str
    vizier_id: str
    title: str
    columns: tuple
    query_columns: tuple = ()
    keep_other_columns: bool = False
    density_note: str = field(default='', compare=False)

    @property
    def colnames(self):
        """Names of the normalised columns, ``sky_centroid`` included."""
        names = [column.name for column in self.columns]
        names.insert(names.index('dec') + 1, 'sky_centroid')
        return names


_MJY_BEAM = u.mJy / u.beam


def _spellings(name, *extra):
    """The survey spellings of a package column (`lotss_tools.schema.SURVEY_COLUMN_NAMES`)."""
    return tuple(alias for alias, package in SURVEY_COLUMN_NAMES.items() if package == name) + extra


LOTSS_DR2 = CatalogSpec(
    name='lotss-dr2',
    vizier_id='J/A+A/659/A1/catalog',
    title='LoTSS DR2 source catalogue (Shimwell et al. 2022, A&A 659, A1)',
    columns=(
        CatalogColumn('source_name', _spellings('source_name'), None,
                      'ILTJhhmmss.ss+ddmmss.s name of the PyBDSF source'),
        CatalogColumn('ra', _spellings('ra'), u.deg,
                      'right ascension (J2000/ICRS) of the source', required=True),
        CatalogColumn('dec', _spellings('dec'), u.deg,
                      'declination (J2000/ICRS) of the source', required=True),
        CatalogColumn('ra_err', _spellings('ra_err'), u.arcsec,
                      '1-sigma fitting error of ra'),
        CatalogColumn('dec_err', _spellings('dec_err'), u.arcsec,
                      '1-sigma fitting error of dec'),
        CatalogColumn('total_flux', _spellings('total_flux'), u.mJy,
                      'integrated 144 MHz flux density (PyBDSF Gaussian fit)'),
        CatalogColumn('total_flux_err', _spellings('total_flux_err'), u.mJy,
                      '1-sigma error of total_flux'),
        CatalogColumn('peak_flux', _spellings('peak_flux'), _MJY_BEAM,
                      'peak 144 MHz brightness'),
        CatalogColumn('peak_flux_err', _spellings('peak_flux_err'), _MJY_BEAM,
                      '1-sigma error of peak_flux'),
        CatalogColumn('major_fwhm', _spellings('major_fwhm'), u.arcsec,
                      'major-axis FWHM including the 6 arcsec beam'),
        CatalogColumn('major_fwhm_err', _spellings('major_fwhm_err'), u.arcsec,
                      '1-sigma error of major_fwhm'),
        CatalogColumn('minor_fwhm', _spellings('minor_fwhm'), u.arcsec,
                      'minor-axis FWHM including the 6 arcsec beam'),
        CatalogColumn('minor_fwhm_err', _spellings('minor_fwhm_err'), u.arcsec,
                      '1-sigma error of minor_fwhm'),
        CatalogColumn('dc_major_fwhm', _spellings('dc_major_fwhm'), u.arcsec,
                      'major-axis FWHM deconvolved from the beam'),
        CatalogColumn('dc_minor_fwhm', _spellings('dc_minor_fwhm'), u.arcsec,
                      'minor-axis FWHM deconvolved from the beam'),
        CatalogColumn('pa', _spellings('pa'), u.deg,
                      'position angle of the major axis, east of north'),
        CatalogColumn('pa_err', _spellings('pa_err'), u.deg, '1-sigma error of pa'),
        # 'local_rms' only in tables cached before the column was renamed.
        CatalogColumn('island_rms', _spellings('island_rms', 'local_rms'), _MJY_BEAM,
                      'average background rms of the PyBDSF island (Isl_rms; not the '
                      'local_rms of an extracted catalogue)'),
        CatalogColumn('s_code', _spellings('s_code'), None,
                      'PyBDSF structure code: S single Gaussian, C single Gaussian in a '
                      'shared island, M several Gaussians'),
        CatalogColumn('mosaic_id', _spellings('mosaic_id'), None,
                      'name of the DR2 mosaic the source was catalogued from'),
    ),
    query_columns=('Source', 'RAJ2000', 'DEJ2000', 'e_RAdeg', 'e_DEdeg', 'Speak', 'e_Speak',
                   'SpeakTot', 'e_SpeakTot', 'Maj', 'e_Maj', 'Min', 'e_Min', 'DCMaj', 'DCMin',
                   'PA', 'e_PA', 'Islrms', 'SCode', 'Mosaic'),
)

_POSITION_ONLY = (
    CatalogColumn('ra', ('RAJ2000', 'RAdeg', 'RA_ICRS', 'RA', '_RAJ2000', 'ra'), u.deg,
                  'right ascension (J2000/ICRS)', required=True),
    CatalogColumn('dec', ('DEJ2000', 'DEdeg', 'DE_ICRS', 'DEC', '_DEJ2000', 'dec'), u.deg,
                  'declination (J2000/ICRS)', required=True),
)

ALLWISE = CatalogSpec(
    name='allwise',
    vizier_id='II/328/allwise',
    title='AllWISE source catalogue (Cutri et al. 2013)',
    columns=(CatalogColumn('source_name', ('AllWISE', 'designation'), None,
                           'AllWISE designation (Jhhmmss.ss+ddmmss.s)'),) + _POSITION_ONLY,
    keep_other_columns=True,
    density_note='about 1.4e4 sources per deg^2 at high Galactic latitude',
)

DESI_LEGACY_NORTH = CatalogSpec(
    name='desi-legacy-north',
    vizier_id='VII/292/north',
    title='DESI Legacy Imaging Surveys DR8 north, photometric redshifts (Duncan 2022)',
    columns=(CatalogColumn('source_name', ('objID', 'ID', 'Name'), None,
                           'identifier of the Legacy Surveys object'),) + _POSITION_ONLY,
    keep_other_columns=True,
    density_note='about 2e4 sources per deg^2',
)

#: Specs by short name.
CATALOG_SPECS = {spec.name: spec for spec in (LOTSS_DR2, ALLWISE, DESI_LEGACY_NORTH)}


def _find(table, column):
    for name in (column.name,) + tuple(column.sources):
        if name in table.colnames:
            return name
    return None


def _numbers(table, source, column):
    """A float Quantity in ``column.unit`` (NaN for masked entries)."""
    data = table[source]
    unit = getattr(data, 'unit', None)
    if isinstance(data, SkyCoord):
        raise ValueError(f'column {source!r} is a SkyCoord, not a number')
    mask = np.ma.getmaskarray(data) if hasattr(data, 'mask') else None
    values = np.array(getattr(data, 'value', data), dtype=float)
    if mask is not None:
        values[mask] = np.nan
    if unit in (None, '') or unit == u.dimensionless_unscaled:
        unit = column.unit
    try:
        return (values * u.Unit(unit)).to(column.unit)
    except u.UnitConversionError as err:
        raise ValueError(f'column {source!r} has unit {unit}, which does not convert to '
                         f'{column.unit} for {column.name!r}') from err


def _text(table, source):
    data = table[source]
    strings = np.array([str(value).strip() for value in np.ma.filled(
        np.ma.asarray(data).astype(str), '')], dtype=str)
    return strings


def normalise_catalog(table, spec=LOTSS_DR2, *, sort=True):
    """Rename and convert a catalogue to the package's column names and units.

    Parameters
    ----------
    table : `~astropy.table.Table`
        A VizieR answer, a release file (original column names), or a table
        already in the package's names (then it is only checked and
        re-ordered).
    spec : `CatalogSpec`
        Which catalogue the table holds.
    sort : bool
        Sort the rows by right ascension, then declination (the order
        VizieR returns rows in is not guaranteed).

    Returns
    -------
    catalog : `~astropy.table.QTable`
        The columns of ``spec`` (``spec.colnames``) with their units and
        descriptions, rows sorted (``sort=True``); missing
        optional columns are NaN or empty text. The metadata of ``table`` is
        kept.

    Raises
    ------
    ValueError
        If the table has no right ascension or declination column, or a
        column's unit does not convert.

    Examples
    --------
    >>> from astropy.table import Table
    >>> answer = Table({'Source': ['ILTJ132004.88+450024.4'], 'RAJ2000': [200.02035],
    ...                 'DEJ2000': [45.00679], 'SpeakTot': [4.118], 'Maj': [35.5]},
    ...                units={'RAJ2000': 'deg', 'DEJ2000': 'deg', 'SpeakTot': 'mJy',
    ...                       'Maj': 'arcsec'})
    >>> catalog = normalise_catalog(answer)
    >>> catalog['total_flux'].to('Jy')
    <Quantity [0.004118] Jy>
    >>> catalog.colnames[:4]
    ['source_name', 'ra', 'dec', 'sky_centroid']
    """
    out = QTable(meta=dict(table.meta))
    for column in spec.columns:
        source = _find(table, column)
        if source is None:
            if column.required:
                raise ValueError(
                    f'{spec.name}: no {column.name} column (looked for '
                    f'{", ".join((column.name,) + tuple(column.sources))}) among '
                    f'{", ".join(table.colnames[:20]) or "no columns"}.')
            if column.unit is None:
                out[column.name] = np.full(len(table), '', dtype='<U1')
            else:
                out[column.name] = np.full(len(table), np.nan) * column.unit
        elif column.unit is None:
            out[column.name] = _text(table, source)
        else:
            out[column.name] = _numbers(table, source, column)
        out[column.name].info.description = column.description
    out.add_column(SkyCoord(out['ra'], out['dec'], frame='icrs'),
                   index=out.colnames.index('dec') + 1, name='sky_centroid')
    out['sky_centroid'].info.description = 'position as a SkyCoord (ICRS)'
    if spec.keep_other_columns:
        used = {_find(table, column) for column in spec.columns} | set(out.colnames)
        for name in table.colnames:
            if name not in used and not isinstance(table[name], SkyCoord):
                out[name] = table[name]
    if sort and len(out) > 1:
        order = np.lexsort((out['dec'].value, out['ra'].value))
        out = out[order]
    return out


def empty_catalog(spec=LOTSS_DR2, meta=None):
    """A catalogue with no rows and the columns and units of ``spec``.

    Examples
    --------
    >>> empty = empty_catalog()
    >>> len(empty), empty['total_flux'].unit
    (0, Unit("mJy"))
    """
    table = Table({'ra': np.zeros(0), 'dec': np.zeros(0)}, meta=meta or {})
    return normalise_catalog(table, spec)
