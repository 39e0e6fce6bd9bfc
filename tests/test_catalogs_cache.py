"""Checksums, provenance, cache files, pinned catalogues and column normalisation."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from lotss_tools.catalogs import (LOTSS_DR2, CatalogIntegrityError, cache_path, empty_catalog,
                                  get_lotss_dr2, load_catalog, make_provenance,
                                  normalise_catalog, read_skymodel, sample_catalog_path,
                                  table_checksum, verify_catalog, write_catalog)
from lotss_tools.conf import catalog_cache_dir, conf
from lotss_tools.datasets import get_path
from lotss_tools.exceptions import CacheWarning

from .catalog_fixtures import *  # noqa: F401,F403
from .conftest import DATA_DIR
from .vizier_server import lotss_dr2_rows

CENTER = SkyCoord(200.0 * u.deg, 45.0 * u.deg)


@pytest.fixture
def sample():
    return load_catalog(sample_catalog_path())


@pytest.mark.parametrize('suffix', ['.ecsv', '.fits', '.vot'])
def test_checksum_and_provenance_survive_every_format(sample, tmp_path, suffix):
    path = write_catalog(sample, tmp_path / f'dr2{suffix}')
    back = load_catalog(path)
    assert back.meta['provenance'] == sample.meta['provenance']
    assert table_checksum(back) == table_checksum(sample) == sample.meta['provenance']['sha256']
    assert isinstance(back['sky_centroid'], SkyCoord)
    assert np.all(back['total_flux'] == sample['total_flux'])


def test_edited_file_fails_verification(sample, tmp_path):
    path = write_catalog(sample, tmp_path / 'dr2.ecsv')
    lines = path.read_text().splitlines(keepends=True)
    data_start = next(i for i, line in enumerate(lines) if line.startswith('ILTJ'))
    fields = lines[data_start].split(' ')
    fields[1] = repr(float(fields[1]) + 1e-6)  # move one source by 3.6 mas
    lines[data_start] = ' '.join(fields)
    path.write_text(''.join(lines))
    with pytest.raises(CatalogIntegrityError, match='modified or corrupted'):
        load_catalog(path)
    table = load_catalog(path, verify=False)
    assert verify_catalog(table, raise_error=False) is False


def test_removed_row_fails_verification(sample):
    shorter = sample[1:]
    shorter.meta = dict(sample.meta)
    with pytest.raises(CatalogIntegrityError):
        verify_catalog(shorter)


def test_checksum_sees_values_units_names_and_masks():
    base = QTable({'ra': [1.0, 2.0] * u.deg, 'name': ['a', 'b']})
    reference = table_checksum(base)
    changes = [QTable({'ra': [1.0, 2.0] * u.arcsec, 'name': ['a', 'b']}),
               QTable({'dec': [1.0, 2.0] * u.deg, 'name': ['a', 'b']}),
               QTable({'ra': [1.0, 2.0] * u.deg, 'name': ['a', 'c']}),
               QTable({'ra': [2.0, 1.0] * u.deg, 'name': ['b', 'a']})]
    assert all(table_checksum(table) != reference for table in changes)
    masked = Table({'n': np.ma.array([1, 2], mask=[False, True])})
    assert table_checksum(masked) != table_checksum(Table({'n': [1, 2]}))
    assert verify_catalog(base) is None  # no provenance: nothing to check


def test_make_provenance_contents(sample):
    record = make_provenance(sample, catalog='J/A+A/659/A1/catalog', source='vizier',
                             server='https://example/viz-bin/votable', center=CENTER,
                             radius=0.5 * u.deg, columns=['Source'])
    assert record['query_radius_arcsec'] == 1800.0
    assert record['n_rows'] == len(sample)
    assert len(record['sha256']) == 64
    assert {'lotss_tools_version', 'astroquery_version', 'astropy_version'} <= set(record)


def test_pinned_release_file_with_original_column_names():
    """The DR1 rows use the release's names (Total_flux, Isl_rms, S_Code, Mosaic_ID)."""
    pinned = get_path('lotss-dr1-sources')
    raw = Table.read(pinned)
    catalog = get_lotss_dr2(SkyCoord(218.5774625, 54.9724102778, unit='deg'), 6 * u.arcmin,
                            pinned=pinned)
    assert len(catalog) == len(raw) == 28
    row = catalog[catalog['source_name'] == raw['Source_Name'][0]][0]
    assert row['total_flux'] == raw['Total_flux'][0] * u.mJy
    assert row['island_rms'] == raw['Isl_rms'][0] * u.mJy / u.beam
    assert row['dc_major_fwhm'] == raw['DC_Maj'][0] * u.arcsec
    assert row['mosaic_id'] == 'P218+55' and row['s_code'] == raw['S_Code'][0]
    provenance = catalog.meta['provenance']
    assert provenance['source'] == 'user-supplied file'
    assert provenance['pinned_path'] == str(Path(pinned).resolve())
    assert provenance['sha256'] == table_checksum(catalog)
    smaller = get_lotss_dr2(SkyCoord(218.5774625, 54.9724102778, unit='deg'), 3 * u.arcmin,
                            pinned=pinned)
    assert 0 < len(smaller) < 28


def test_pinned_vizier_votable_and_tampered_pinned(sample, tmp_path):
    served = lotss_dr2_rows()
    path = tmp_path / 'vizier-answer.vot'
    served.write(path, format='votable')
    catalog = get_lotss_dr2(CENTER, 4 * u.arcmin, pinned=path)
    from_sample = get_lotss_dr2(CENTER, 4 * u.arcmin, pinned=sample_catalog_path())
    assert list(catalog['source_name']) == list(from_sample['source_name'])
    assert catalog['island_rms'].unit == u.mJy / u.beam and np.all(catalog['island_rms'] > 0)
    assert from_sample.meta['provenance']['derived_from']['sha256'] == \
        sample.meta['provenance']['sha256']
    tampered = sample.copy()
    tampered['total_flux'][0] *= 2
    write_catalog(tampered, tmp_path / 'tampered.ecsv')
    with pytest.raises(CatalogIntegrityError):
        get_lotss_dr2(CENTER, 4 * u.arcmin, pinned=tmp_path / 'tampered.ecsv')


def test_corrupted_cache_is_queried_again(local_vizier):
    first = get_lotss_dr2(CENTER, 2 * u.arcmin)
    path = first.meta['provenance']['cache_file']
    cached = load_catalog(path)
    cached['total_flux'][0] = 1e6 * u.mJy
    write_catalog(cached, path, overwrite=True)
    with pytest.warns(CacheWarning, match='fails its checksum'):
        again = get_lotss_dr2(CENTER, 2 * u.arcmin)
    assert len(local_vizier.requests) == 2
    assert again.meta['provenance']['sha256'] == first.meta['provenance']['sha256']
    assert load_catalog(path).meta['provenance']['sha256'] == first.meta['provenance']['sha256']


def test_cache_locations(tmp_path):
    with conf.set_temp('cache_dir', str(tmp_path)):
        assert catalog_cache_dir() == tmp_path
        a = cache_path('J/A+A/659/A1/catalog', CENTER, 60 * u.arcsec, ['Source'])
        assert a.parent.parent == tmp_path and a.suffix == '.ecsv'
        assert a != cache_path('J/A+A/659/A1/catalog', CENTER, 61 * u.arcsec, ['Source'])
        assert a != cache_path('J/A+A/659/A1/catalog', CENTER, 60 * u.arcsec, ['Source', 'PA'])
        assert a == cache_path('J/A+A/659/A1/catalog', CENTER, 1 * u.arcmin, ['Source'])
    with conf.set_temp('cache_dir', ''):
        assert catalog_cache_dir().parts[-2:] == ('lotss_tools', 'catalogs')


def test_read_skymodel_matches_the_text():
    sky = read_skymodel(DATA_DIR / 'lotss-dr2-sample.sky')
    assert len(sky) == 1348
    row = sky[sky['source_name'] == 'ILTJ132004.88+450024.4'][0]
    expected = SkyCoord('13:20:04.8832183 45:00:24.45201253', unit=(u.hourangle, u.deg))
    assert row['sky_centroid'].separation(expected) < 1 * u.mas
    assert row['total_flux'].to_value(u.mJy) == pytest.approx(4.117928372778849)
    assert row['dc_major_fwhm'].to_value(u.arcsec) == pytest.approx(34.9851084822759)
    assert row['major_fwhm'].to_value(u.arcsec) == pytest.approx(np.hypot(34.9851084822759, 6))
    point = sky[sky['source_name'] == 'ILTJ131959.68+450101.0'][0]
    assert point['major_fwhm'] == 6 * u.arcsec
    assert point['peak_flux'].value == pytest.approx(point['total_flux'].value)


def test_normalise_errors_and_empty():
    with pytest.raises(ValueError, match='no ra column'):
        normalise_catalog(Table({'x': [1.0], 'DEJ2000': [2.0]}))
    with pytest.raises(ValueError, match='does not convert'):
        normalise_catalog(Table({'RAJ2000': [1.0], 'DEJ2000': [2.0], 'SpeakTot': [3.0]},
                                units={'SpeakTot': 'arcsec'}))
    empty = empty_catalog(LOTSS_DR2)
    assert empty.colnames == LOTSS_DR2.colnames and len(empty) == 0
    masked = Table({'RAJ2000': [1.0, 2.0], 'DEJ2000': [2.0, 3.0],
                    'SpeakTot': np.ma.array([3.0, 4.0], mask=[False, True])})
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        catalog = normalise_catalog(masked)
    assert catalog['total_flux'][0] == 3 * u.mJy and np.isnan(catalog['total_flux'][1])


def test_shipped_dr2_sample_verifies_and_names_the_island_rms():
    """The sample's PyBDSF island rms is island_rms; local_rms means the extractor's map."""
    from lotss_tools.catalogs import load_catalog
    from lotss_tools.catalogs.cache import table_checksum
    raw = QTable.read(sample_catalog_path())
    assert 'island_rms' in raw.colnames and 'local_rms' not in raw.colnames
    assert table_checksum(raw) == raw.meta['provenance']['sha256']
    assert 'local_rms' not in load_catalog(sample_catalog_path()).colnames
