"""Confirmation of rejected candidates by AllWISE and DESI Legacy counterparts."""

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable
from astropy.wcs import WCS
from regions import CircleSkyRegion

from lotss_tools import Mosaic

from lotss_tools.catalogs import VizierError, confirm, get_allwise, get_desi_legacy, write_catalog
from lotss_tools.footprint import random_positions

from .catalog_fixtures import *  # noqa: F401,F403
from .vizier_server import COUNTERPARTS, SAMPLE_CENTER

CENTER = SkyCoord(150.0 * u.deg, 30.0 * u.deg)
AREA = (CENTER, 3 * u.arcmin)


def table(coords):
    return QTable({'ra': coords.ra.to(u.deg), 'dec': coords.dec.to(u.deg)})


def north_of(coords, arcsec):
    return coords.directional_offset_by(0 * u.deg, arcsec * u.arcsec)


def candidates(n):
    """n positions 40 arcsec apart along the equator of CENTER."""
    return CENTER.directional_offset_by(90 * u.deg, np.arange(n) * 40 * u.arcsec)


def test_flags_follow_the_research_rules():
    c = candidates(9)
    wise = [north_of(c[0], 3.9), north_of(c[1], 4.1),                     # AllWISE 4"
            north_of(c[4], 5.4), north_of(c[5], 6.6), north_of(c[6], 6.4),
            north_of(c[7], 3.0)]
    desi = [north_of(c[2], 1.9), north_of(c[3], 2.1),                     # DESI 2"
            north_of(c[4], 5.0), north_of(c[5], 5.0), north_of(c[6], 6.2),
            north_of(c[7], 5.0)]
    wise = SkyCoord(wise)
    desi = SkyCoord(desi)
    result = confirm(table(c), {'allwise': table(wise), 'desi': table(desi)}, area=AREA,
                     seed=0, n_trials=2)
    # 0: AllWISE 3.9" -> 1; 1: AllWISE 4.1" -> 0; 2: DESI 1.9" -> 1; 3: DESI 2.1" -> 0;
    # 4: pair (0.4" apart) at 5" -> 2; 5: DESI at 5" but AllWISE 1.6" from it -> 0;
    # 6: pair at 6.2" -> 0; 7: AllWISE 3" beats the pair -> 1; 8: nothing -> 0.
    assert result['flag'].tolist() == [1, 0, 1, 0, 2, 0, 0, 1, 0]
    assert result['allwise_separation'][0].to_value(u.arcsec) == pytest.approx(3.9, abs=1e-6)
    assert np.isnan(result['allwise_separation'][1])
    assert result['pair_separation'][4].to_value(u.arcsec) == pytest.approx(5.0, abs=1e-6)
    assert result.meta['confirmation']['counts'] == {'flag0': 5, 'flag1': 3, 'flag2': 1}
    confirmed = confirm(table(c), {'allwise': table(wise), 'desi': table(desi)}, area=AREA,
                        seed=0, n_trials=2, only_confirmed=True)
    assert len(confirmed) == 4 and set(confirmed['flag']) == {1, 2}


def test_pairs_are_one_to_one():
    """DESI x AllWISE pairs are matched one-to-one; the pair sits at the DESI position."""
    c = candidates(1)
    near = north_of(c[0], 5.5)
    wise, desi = SkyCoord([north_of(near, 0.3)]), SkyCoord([near, north_of(near, 0.5)])
    # DESI objects at 5.5" (0.3" from the AllWISE source) and 6.0" (0.2" from it): the
    # AllWISE source pairs with the closer, 6.0" one only, so with a 5.8" pair radius
    # there is no pair near enough (a many-to-one rule would have used the 5.5" object).
    result = confirm(table(c), {'allwise': table(wise), 'desi': table(desi)}, area=AREA,
                     n_trials=1, seed=0, radii={'pair': 5.8 * u.arcsec})
    assert result['flag'][0] == 0
    result = confirm(table(c), {'allwise': table(wise), 'desi': table(desi)}, area=AREA,
                     n_trials=1, seed=0, radii={'pair': 6.1 * u.arcsec})
    assert result['flag'][0] == 2
    assert result['pair_separation'][0].to_value(u.arcsec) == pytest.approx(6.0, abs=0.01)


def test_chance_rate_at_desi_density_with_six_arcsec():
    """The research's caveat: ~16% of random positions have a DESI object within 6"."""
    rng = np.random.default_rng(5)
    density = 2.0e4 / u.deg ** 2
    field = random_positions(CircleSkyRegion(CENTER, 10 * u.arcmin),
                             rng.poisson((density * np.pi * (10 * u.arcmin) ** 2).to_value('')),
                             seed=rng)
    result = confirm(table(candidates(3)), {'desi': table(field)}, area=(CENTER, 9 * u.arcmin),
                     radii={'desi': 6 * u.arcsec}, n_random=2000, seed=3)
    expected = 1 - np.exp(-(density * np.pi * (6 * u.arcsec) ** 2).to_value(''))
    chance = result.meta['confirmation']['chance_rate']
    assert expected == pytest.approx(0.16, abs=0.01)
    assert chance['flag1']['mean'] == pytest.approx(expected, abs=0.015)
    assert 0 < chance['flag1']['std'] < 0.02
    assert chance['flag2']['mean'] == 0  # no AllWISE: no pairs
    assert result.meta['confirmation']['n_trials'] == 10


def test_random_positions_stay_in_the_area():
    rng = np.random.default_rng(1)
    positions = random_positions(CircleSkyRegion(CENTER, 2 * u.arcmin), 5000, seed=rng)
    separation = positions.separation(CENTER)
    assert separation.max() <= 2 * u.arcmin
    # uniform on the sky: half of them inside radius / sqrt(2)
    assert np.mean(separation < 2 * u.arcmin / np.sqrt(2)) == pytest.approx(0.5, abs=0.03)


def test_random_positions_in_a_mosaic_footprint():
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---SIN', 'DEC--SIN']
    wcs.wcs.crval = [150.0, 30.0]
    wcs.wcs.crpix = [50.5, 50.5]
    wcs.wcs.cdelt = [-1.5 / 3600, 1.5 / 3600]
    data = np.zeros((100, 100), np.float32)
    data[:30] = np.nan
    mosaic = Mosaic(data, wcs=wcs, unit='Jy/beam', beam=6 * u.arcsec, name='STRIP')
    positions = random_positions(mosaic, 3000, seed=np.random.default_rng(2))
    x, y = wcs.world_to_pixel(positions)
    assert len(positions) == 3000
    assert np.all(np.round(y) >= 30) and np.all((x > -0.5) & (x < 99.5))
    assert np.mean(np.round(y) < 65) == pytest.approx(35 / 70, abs=0.03)
    result = confirm(table(candidates(2)), {'allwise': table(SkyCoord([CENTER]))},
                     area=mosaic, n_trials=2, n_random=5000, seed=0)
    assert result.meta['confirmation']['area'] == 'mosaic STRIP'
    expected = 1 - np.exp(-(1 / (70 * 100 * (1.5 * u.arcsec) ** 2)
                            * np.pi * (4 * u.arcsec) ** 2).to_value(''))
    assert result.meta['confirmation']['chance_rate']['flag1']['mean'] == \
        pytest.approx(expected, abs=0.002)


def test_references_as_files_empty_input_and_bad_keys(tmp_path):
    c = candidates(2)
    wise_file = write_catalog(table(SkyCoord([north_of(c[0], 1.0)])), tmp_path / 'wise.fits')
    result = confirm(table(c), {'allwise': wise_file}, area=AREA, n_trials=1, seed=0)
    assert result['flag'].tolist() == [1, 0]
    empty = confirm(table(c)[:0], {'allwise': wise_file}, area=AREA, n_trials=1, seed=0)
    assert len(empty) == 0 and 'flag' in empty.colnames
    with pytest.raises(ValueError, match='unknown reference'):
        confirm(table(c), {'gaia': wise_file}, area=AREA)
    with pytest.raises(TypeError):
        confirm(table(c), {'allwise': 42}, area=AREA)


def served_candidates(server, radius):
    """Served DR2 rows near the sample centre, with their index in the served table."""
    rows = server.tables['J/A+A/659/A1/catalog']
    coords = SkyCoord(rows['RAJ2000'], rows['DEJ2000'])
    index = np.flatnonzero(coords.separation(SAMPLE_CENTER) < radius)
    return QTable({'ra': coords.ra[index].to(u.deg), 'dec': coords.dec[index].to(u.deg),
                   'row': index})


def test_xmatch_gives_the_same_flags_as_cone_queries(local_vizier):
    rejected = served_candidates(local_vizier, 6 * u.arcmin)
    area = (SAMPLE_CENTER, 5 * u.arcmin)
    by_xmatch = confirm(rejected, {'allwise': 'xmatch', 'desi': 'xmatch'}, area=area,
                        seed=7, n_trials=3)
    forms = [r['form'] for r in local_vizier.requests if 'form' in r]
    assert {f['cat2'] for f in forms} == {'vizier:II/328/allwise', 'vizier:VII/292/north'}
    assert all(float(f['distMaxArcsec']) == 7.0 for f in forms)
    wise = get_allwise(SAMPLE_CENTER, 7 * u.arcmin)
    desi = get_desi_legacy(SAMPLE_CENTER, 7 * u.arcmin)
    by_cone = confirm(rejected, {'allwise': wise, 'desi': desi}, area=area, seed=7, n_trials=3)
    assert by_xmatch['flag'].tolist() == by_cone['flag'].tolist()
    assert by_xmatch.meta['confirmation']['chance_rate'] == \
        by_cone.meta['confirmation']['chance_rate']
    remainder = rejected['row'] % 10
    flag = by_xmatch['flag']
    assert np.all(flag[remainder == 0] == 1) and np.all(flag[remainder == 1] == 1)
    assert np.all(flag[remainder == 2] >= 1) and np.mean(flag[remainder == 2] == 2) > 0.5
    planted = set(k for k in COUNTERPARTS)
    unplanted = ~np.isin(remainder, list(planted))
    chance = by_xmatch.meta['confirmation']['chance_rate']['any']['mean']
    assert np.mean(flag[unplanted] > 0) == pytest.approx(chance, abs=0.1)
    assert 0.03 < chance < 0.2
    assert by_xmatch.meta['confirmation']['references']['allwise']['source'] == 'xmatch'


def test_xmatch_failure_is_a_vizier_error(local_vizier):
    local_vizier.behaviour = 'http500'
    with pytest.raises(VizierError, match='II/328/allwise'):
        confirm(table(candidates(2)), {'allwise': 'xmatch'}, area=AREA, n_trials=1)
