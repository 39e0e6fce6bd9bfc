"""VizieR queries of lotss_tools.catalogs against a local VizieR look-alike on 127.0.0.1."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from lotss_tools import Mosaic
from lotss_tools.catalogs import (LOTSS_DR2, VizierError, get_allwise, get_desi_legacy,
                                  get_lotss_dr2, query_vizier, table_checksum, vizier_url)
from lotss_tools.conf import conf

from .catalog_fixtures import *  # noqa: F401,F403
from .vizier_server import VizierTestServer, make_test_certificate

CENTER = SkyCoord(200.0 * u.deg, 45.0 * u.deg)


def served_rows(server, center, radius, table='J/A+A/659/A1/catalog'):
    rows = server.tables[table]
    coords = SkyCoord(rows['RAJ2000'], rows['DEJ2000'])
    return rows[coords.separation(center) <= radius]


def test_cone_has_package_columns_units_and_values(local_vizier):
    dr2 = get_lotss_dr2(CENTER, 5 * u.arcmin)
    expected = served_rows(local_vizier, CENTER, 5 * u.arcmin)
    assert len(dr2) == len(expected) > 20
    assert dr2.colnames == LOTSS_DR2.colnames
    units = {'ra': u.deg, 'dec': u.deg, 'total_flux': u.mJy, 'peak_flux': u.mJy / u.beam,
             'major_fwhm': u.arcsec, 'minor_fwhm': u.arcsec, 'pa': u.deg,
             'island_rms': u.mJy / u.beam}
    for name, unit in units.items():
        assert dr2[name].unit == unit, name
    by_name = {str(row['Source']): row for row in expected}
    for row in dr2:
        served = by_name[row['source_name']]
        assert row['total_flux'].value == pytest.approx(served['SpeakTot'])
        assert row['major_fwhm'].value == pytest.approx(served['Maj'])
        assert row['island_rms'].value == pytest.approx(served['Islrms'])
        assert row['s_code'] == served['SCode'] and row['mosaic_id'] == 'P200+45'
    assert np.all(np.diff(dr2['ra'].value) >= 0)
    assert dr2['sky_centroid'].separation(CENTER).max() <= 5 * u.arcmin


def test_request_has_no_row_limit_and_asks_the_dr2_table(local_vizier):
    dr2 = get_lotss_dr2(CENTER, 30 * u.arcmin)
    assert len(dr2) > 50  # more rows than VizieR's default limit
    params = local_vizier.requests[-1]['params']
    assert params['-source'] == 'J/A+A/659/A1/catalog'
    assert params['-out.max'] == 'unlimited'
    assert params['-c.rs'] == '1800.0'
    assert 'SpeakTot' in params['-out'].split(',') and 'Islrms' in params['-out'].split(',')
    assert len(local_vizier.requests) == 1


def test_provenance_records_query_and_checksum(local_vizier):
    dr2 = get_lotss_dr2(CENTER, 4 * u.arcmin)
    provenance = dr2.meta['provenance']
    assert provenance['catalog'] == 'J/A+A/659/A1/catalog'
    assert provenance['server'] == local_vizier.vizier_url + '/votable' == vizier_url()
    assert provenance['query_center_ra_deg'] == pytest.approx(200.0)
    assert provenance['query_radius_arcsec'] == pytest.approx(240.0)
    assert provenance['row_limit'] == 'unlimited'
    assert 'SpeakTot' in provenance['columns']
    assert provenance['n_rows'] == len(dr2)
    assert provenance['sha256'] == table_checksum(dr2)
    assert provenance['retrieved_utc'].endswith('Z')
    assert provenance['astroquery_version'] and provenance['lotss_tools_version']


def test_cache_is_used_refreshed_and_skipped(local_vizier, tmp_path):
    first = get_lotss_dr2(CENTER, 3 * u.arcmin)
    assert len(local_vizier.requests) == 1
    cached = get_lotss_dr2(CENTER, 3 * u.arcmin)
    assert len(local_vizier.requests) == 1
    assert cached.meta['provenance']['sha256'] == first.meta['provenance']['sha256']
    assert cached.meta['provenance']['cache_file'].startswith(str(tmp_path / 'cache'))
    get_lotss_dr2(CENTER, 3 * u.arcmin, refresh=True)
    assert len(local_vizier.requests) == 2
    get_lotss_dr2(CENTER, 2 * u.arcmin, cache=False)
    get_lotss_dr2(CENTER, 2 * u.arcmin, cache=False)
    assert len(local_vizier.requests) == 4
    assert len(list((tmp_path / 'cache').rglob('*.ecsv'))) == 1


def test_mosaic_target_keeps_only_finite_pixels(local_vizier):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---SIN', 'DEC--SIN']
    wcs.wcs.crval = [200.0, 45.0]
    wcs.wcs.crpix = [200.5, 200.5]
    wcs.wcs.cdelt = [-1.5 / 3600, 1.5 / 3600]
    data = np.zeros((400, 400), np.float32)
    data[:, :200] = np.nan  # the eastern half (low x) is blank
    mosaic = Mosaic(data, wcs=wcs, unit='Jy/beam', beam=6 * u.arcsec, name='HALF')
    dr2 = get_lotss_dr2(mosaic)
    radius = float(local_vizier.requests[-1]['params']['-c.rs']) * u.arcsec
    assert 200 * 1.5 * u.arcsec < radius < 200 * 1.5 * np.sqrt(2) * u.arcsec * 1.1
    in_cone = served_rows(local_vizier, mosaic.wcs.pixel_to_world(299.5, 199.5), radius)
    x, y = wcs.world_to_pixel(SkyCoord(in_cone['RAJ2000'], in_cone['DEJ2000']))
    expected = np.sum((np.round(x) >= 200) & (np.round(x) < 400) & (np.round(y) >= 0)
                      & (np.round(y) < 400))
    assert len(dr2) == expected > 5
    x, y = wcs.world_to_pixel(dr2['sky_centroid'])
    assert np.all(np.round(x) >= 200)
    provenance = dr2.meta['provenance']
    assert 'HALF' in provenance['selection']
    assert provenance['parent_n_rows'] > provenance['n_rows'] == len(dr2)
    assert provenance['sha256'] == table_checksum(dr2)
    with pytest.raises(ValueError, match='radius must be None'):
        get_lotss_dr2(mosaic, 1 * u.deg)


@pytest.mark.parametrize('where', ['far', 'empty'])
def test_empty_region_gives_empty_table_with_columns(local_vizier, where):
    if where == 'far':
        target = SkyCoord(10 * u.deg, -30 * u.deg)
    else:
        local_vizier.behaviour = 'empty'
        target = CENTER
    dr2 = get_lotss_dr2(target, 1 * u.arcmin)
    assert len(dr2) == 0
    assert dr2.colnames == LOTSS_DR2.colnames
    assert dr2['total_flux'].unit == u.mJy and dr2['pa'].unit == u.deg
    assert dr2.meta['provenance']['n_rows'] == 0


@pytest.mark.parametrize('behaviour, cause', [
    ('timeout', 'time-out'),
    ('http500', 'HTTP error 500'),
    ('error', 'VizieR answered with an error'),
    ('garbage', 'not a VOTable'),
])
def test_failures_raise_one_clear_error(local_vizier, behaviour, cause):
    local_vizier.behaviour = behaviour
    local_vizier.delay = 1.5
    with pytest.raises(VizierError) as info:
        get_lotss_dr2(CENTER, 1 * u.arcmin, timeout=0.3)
    message = str(info.value)
    assert cause in message
    assert 'J/A+A/659/A1/catalog' in message and local_vizier.vizier_url in message
    assert info.value.cached is None and 'cached result' not in message


def test_failure_names_the_cached_result(local_vizier):
    get_lotss_dr2(CENTER, 2 * u.arcmin)
    local_vizier.behaviour = 'http500'
    with pytest.raises(VizierError, match='cached result') as info:
        get_lotss_dr2(CENTER, 2 * u.arcmin, refresh=True)
    assert info.value.cached.is_file()
    assert len(get_lotss_dr2(CENTER, 2 * u.arcmin)) > 0  # the cache still answers


def test_unreachable_server(tmp_path):
    server = VizierTestServer()
    url = server.vizier_url
    server.close()
    with conf.set_temp('vizier_url', url), conf.set_temp('cache_dir', str(tmp_path)):
        with pytest.raises(VizierError, match='unreachable'):
            get_lotss_dr2(CENTER, 1 * u.arcmin)


def test_unknown_catalogue_reports_vizier_error(local_vizier):
    with pytest.raises(VizierError, match='No catalogue or table'):
        query_vizier('I/999/nothing', CENTER, 1 * u.arcmin)


def test_other_surveys_keep_their_columns(local_vizier):
    wise = get_allwise(CENTER, 1 * u.arcmin)
    desi = get_desi_legacy(CENTER, 1 * u.arcmin)
    assert len(desi) > len(wise) > 5
    assert {'source_name', 'ra', 'dec', 'sky_centroid', 'mag'} <= set(wise.colnames)
    assert wise['source_name'][0].startswith('J')
    assert desi['mag'].unit == u.mag
    assert desi.meta['provenance']['catalog'] == 'VII/292/north'
    same = query_vizier('II/328/allwise', CENTER, 1 * u.arcmin)
    assert same.meta['provenance']['sha256'] == wise.meta['provenance']['sha256']


@pytest.mark.parametrize('target, radius, error', [
    ('13h20m +45d', 1 * u.arcmin, TypeError),
    (CENTER, None, ValueError),
    (CENTER, 5 * u.s, ValueError),
    (CENTER, -1 * u.arcmin, ValueError),
    (SkyCoord([1, 2] * u.deg, [3, 4] * u.deg), 1 * u.arcmin, ValueError),
])
def test_bad_targets(local_vizier, target, radius, error):
    with pytest.raises(error):
        get_lotss_dr2(target, radius)
    assert local_vizier.requests == []


def test_https_through_astroquery_server_setting(tmp_path, monkeypatch):
    """The plain astroquery path: https://<vizier_server>/viz-bin/votable with a test CA."""
    certificate = make_test_certificate(tmp_path)
    server = VizierTestServer(certificate=certificate)
    try:
        monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate[0])
        with conf.set_temp('vizier_server', server.host), conf.set_temp('vizier_url', ''), \
                conf.set_temp('cache_dir', str(tmp_path / 'cache')):
            assert vizier_url() == f'https://{server.host}/viz-bin/votable'
            dr2 = get_lotss_dr2(CENTER, 2 * u.arcmin)
        assert len(dr2) == len(served_rows(server, CENTER, 2 * u.arcmin)) > 0
        assert dr2.meta['provenance']['server'].startswith('https://127.0.0.1')
    finally:
        server.close()


@pytest.mark.remote_data
def test_real_vizier_lotss_dr2():
    """The real J/A+A/659/A1 around a source of the DR2 sample (needs the network)."""
    with conf.set_temp('vizier_url', ''), conf.set_temp('vizier_server', 'vizier.cds.unistra.fr'):
        dr2 = get_lotss_dr2(SkyCoord(200.02035 * u.deg, 45.00679 * u.deg), 1 * u.arcmin,
                            cache=False)
    assert len(dr2) > 0
    assert np.all(np.isfinite(dr2['total_flux'])) and np.all(np.isfinite(dr2['island_rms']))
    assert set(dr2['s_code']) <= {'S', 'C', 'M'}
    assert all(name.startswith('ILTJ') for name in dr2['source_name'])
    nearest = dr2['sky_centroid'].separation(SkyCoord(200.02035 * u.deg, 45.00679 * u.deg))
    assert nearest.min() < 2 * u.arcsec
