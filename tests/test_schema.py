"""Tests of the one column layer (lotss_tools.schema) and of its use by every entry point."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from lotss_tools import schema
from lotss_tools.catalogs import LOTSS_DR2, normalise_catalog
from lotss_tools.cleaning import CatalogCleaner
from lotss_tools.crossmatch import CrossMatcher
from lotss_tools.datasets import get_path
from lotss_tools.exceptions import MissingColumnError
from lotss_tools.schema import (SURVEY_COLUMN_NAMES, catalog_coordinates, find_column,
                                normalise_columns, read_column)
from lotss_tools.stats import catalog_summary, is_unresolved


@pytest.fixture(scope='module')
def dr1():
    """The real DR1 rows of the P218+55 cutout, with the release's own column names."""
    return QTable.read(get_path('lotss-dr1-sources'))


def pybdsf_fits_like(dr1):
    """The same rows as PyBDSF writes them to FITS: Jy, Jy/beam and degrees."""
    table = Table(dr1, copy=True)
    for name in ('Total_flux', 'E_Total_flux'):
        table[name] = table[name].to(u.Jy)
    table['Peak_flux'] = table['Peak_flux'].to(u.Jy / u.beam)
    for name in ('Maj', 'Min', 'DC_Maj', 'DC_Min', 'E_RA', 'E_DEC'):
        table[name] = table[name].to(u.deg)
    return table


def test_units_of_the_file_are_honoured(dr1):
    """PyBDSF FITS (Jy, deg) and the release ECSV (mJy, arcsec) read the same numbers."""
    pybdsf = pybdsf_fits_like(dr1)
    for name, unit in (('total_flux', u.mJy), ('peak_flux', u.mJy / u.beam),
                       ('major_fwhm', u.arcsec), ('ra_err', u.arcsec)):
        assert u.allclose(read_column(pybdsf, name, unit), read_column(dr1, name, unit))
    assert catalog_coordinates(pybdsf).separation(catalog_coordinates(dr1)).max() < 1e-6 * u.arcsec


def test_one_rule_for_unitless_columns():
    plain = Table({'RA': [218.7], 'DEC': [55.0], 'Total_flux': [0.77], 'Maj': [9.0],
                   'weight': [2.0]})
    assert read_column(plain, 'total_flux').unit == u.mJy          # a known survey name
    assert read_column(plain, 'major_fwhm', u.deg).unit == u.deg
    assert catalog_coordinates(plain).ra.deg[0] == pytest.approx(218.7)
    with pytest.raises(MissingColumnError, match="'weight' has no unit"):
        read_column(plain, 'weight', u.mJy)                         # unknown: refused
    assert read_column(plain, 'weight').unit == u.dimensionless_unscaled
    with pytest.raises(MissingColumnError, match="no 'peak_flux' column.*Peak_flux"):
        read_column(plain, 'peak_flux')
    with pytest.raises(u.UnitConversionError, match="'Total_flux' is in mJy, which does not"):
        read_column(plain, 'total_flux', u.arcsec)
    with pytest.raises(MissingColumnError) as info:                  # both kinds of error
        read_column(plain, 'snr')
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_positions_are_icrs():
    fk5 = SkyCoord([150.0] * u.deg, [2.0] * u.deg, frame='fk5', equinox='J2000')
    table = QTable({'sky_centroid': fk5})
    coords = catalog_coordinates(table)
    assert coords.frame.name == 'icrs'
    assert coords.separation(fk5.icrs).max() < 1e-9 * u.arcsec


def test_normalise_columns_and_island_rms(dr1):
    catalog = normalise_columns(dr1)
    for survey in ('RA', 'DEC', 'Total_flux', 'Maj', 'Isl_rms', 'S_Code', 'Source_Name'):
        assert SURVEY_COLUMN_NAMES[survey] in catalog.colnames and survey not in catalog.colnames
    # Isl_rms is PyBDSF's island rms: never taken for local_rms.
    assert 'island_rms' in catalog.colnames and 'local_rms' not in catalog.colnames
    assert find_column(dr1, 'local_rms') is None
    assert 'island' in catalog['island_rms'].info.description
    assert u.allclose(catalog['total_flux'], dr1['Total_flux'])
    # The VizieR normaliser uses the same table of names.
    assert normalise_catalog(dr1, LOTSS_DR2)['island_rms'].unit == u.mJy / u.beam
    assert set(schema.REFERENCE_COLUMNS) | set(schema.CATALOG_COLUMNS) >= set(
        SURVEY_COLUMN_NAMES.values())


def test_every_reader_takes_survey_column_names(dr1):
    """The cleaner, the matcher and the statistics read a release file as it is."""
    kept, rejected = CatalogCleaner().clean(dr1)
    assert len(kept) + len(rejected) == len(dr1)
    normalised = normalise_columns(dr1)
    kept_normalised, _ = CatalogCleaner().clean(normalised)
    assert len(kept) == len(kept_normalised)
    result = CrossMatcher().match(dr1[:10], dr1)
    assert result.n_matched == 10
    assert result.summary()['total_flux_rel_median'][0] == 0       # Total_flux on both sides
    snr = result.completeness(bins=2, quantity='snr')               # peak_flux / island_rms
    assert snr['n_reference'].sum() == len(dr1)
    assert is_unresolved(dr1).count() == len(dr1)                  # SNR from island_rms
    assert catalog_summary(dr1, 1 * u.deg ** 2)['median_island_rms'][0] > 0
