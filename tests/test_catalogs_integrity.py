"""What the catalogue code does when a file, a cache or a server cannot be trusted (issue 12).

Every case here failed on the code before: a planted pickle ran, an edited
cache file was served, a broken one failed every query, a read-only cache
lost the result, another table gave 0 rows, a trickling server held a
``timeout=3`` query for minutes.
"""

import errno
import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.config import set_temp_cache, set_temp_config
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from lotss_tools.catalogs import (CatalogIntegrityError, VizierError, get_lotss_dr2,
                                  load_catalog, sample_catalog_path, table_checksum,
                                  write_catalog, xmatch_counterparts, xmatch_service)
from lotss_tools.cli import main
from lotss_tools.conf import conf, config_file
from lotss_tools.exceptions import CacheWarning, LotssToolsWarning

from .catalog_fixtures import *  # noqa: F401,F403
from .test_catalogs_vizier import served_rows

CENTER = SkyCoord(200.0 * u.deg, 45.0 * u.deg)
RADIUS = 2 * u.arcmin


class _WritesMarker:
    """Unpickling this object creates the file ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


# ------------------------------------------------------------------ item 3: no pickle


def _plant_pickles(folder, url, marker):
    """A marker-writing pickle where astroquery would look for the cached XMatch table list."""
    from astroquery.query import AstroQuery
    from astroquery.utils import url_helpers
    query = AstroQuery('GET', url_helpers.urljoin_keep_path(url, 'tables'),
                       params={'action': 'getVizieRTableNames', 'RESPONSEFORMAT': 'txt'})
    folder.mkdir(parents=True, exist_ok=True)
    planted = folder / f'{query.hash()}.pickle'
    planted.write_bytes(pickle.dumps(_WritesMarker(marker)))
    return planted


def test_planted_pickle_is_never_unpickled(local_vizier, tmp_path):
    from astroquery.xmatch import XMatchClass
    marker = tmp_path / 'PLANTED-PICKLE-RAN'
    with set_temp_cache(tmp_path / 'astropy-cache'):
        planted = [
            # where lotss_tools pointed astroquery's cache before
            _plant_pickles(Path(conf.cache_dir) / 'astroquery-xmatch',
                           local_vizier.xmatch_url, marker),
            # astroquery's own cache folder
            _plant_pickles(XMatchClass().cache_location, local_vizier.xmatch_url, marker),
        ]
        # the planted file really runs code when unpickled
        pickle.loads(planted[0].read_bytes())
        assert marker.exists()
        marker.unlink()

        positions = SkyCoord([200.0, 200.01] * u.deg, [45.0, 45.0] * u.deg)
        found = xmatch_counterparts(positions, 'II/328/allwise', 10 * u.arcsec)
        assert xmatch_service().get_available_tables(cache=True) == list(local_vizier.tables)
        pickles = sorted(p for p in tmp_path.rglob('*.pickle'))
    assert not marker.exists()
    assert pickles == sorted(planted)  # nothing new written either
    assert found.meta['provenance']['source'] == 'xmatch'
    assert np.all(found['separation'] <= 10 * u.arcsec)


# ------------------------------------------------------------------ item 4: the cache


def _edit_flux_drop_checksum(path):
    table = load_catalog(path)
    table['total_flux'][0] = 12345 * u.mJy
    del table.meta['provenance']['sha256']
    write_catalog(table, path, overwrite=True)


def _drop_provenance(path):
    table = load_catalog(path)
    del table.meta['provenance']
    write_catalog(table, path, overwrite=True)


def _edit_flux_keep_checksum(path):
    table = load_catalog(path)
    table['total_flux'][0] = 12345 * u.mJy
    write_catalog(table, path, overwrite=True)


def _other_query(path):
    """A valid entry of another cone, copied under this query's name."""
    other = get_lotss_dr2(CENTER, RADIUS * 1.5)
    Path(path).write_bytes(Path(other.meta['provenance']['cache_file']).read_bytes())


def _provenance_not_a_record(path):
    table = load_catalog(path)
    table.meta['provenance'] = 'trust me'
    write_catalog(table, path, overwrite=True)


CACHE_DAMAGE = {
    'no sha256, flux 12345 mJy': (_edit_flux_drop_checksum, 'has no sha256'),
    'no provenance': (_drop_provenance, 'has no provenance'),
    'provenance not a record': (_provenance_not_a_record, 'not a record'),
    'checksum mismatch': (_edit_flux_keep_checksum, 'fails its checksum'),
    'another query': (_other_query, 'another query cone'),
    'garbage': (lambda path: Path(path).write_bytes(b'\x00\x13garbage \xff\xfe' * 10),
                'not a readable ECSV catalogue'),
    'truncated': (lambda path: Path(path).write_bytes(
        Path(path).read_bytes()[:len(Path(path).read_bytes()) // 2]),
        'not a readable ECSV catalogue'),
    'empty': (lambda path: Path(path).write_bytes(b''), 'not a readable ECSV catalogue'),
}


@pytest.mark.parametrize('damage', list(CACHE_DAMAGE))
def test_cache_entry_is_used_only_if_it_verifies(local_vizier, damage):
    edit, reason = CACHE_DAMAGE[damage]
    first = get_lotss_dr2(CENTER, RADIUS)
    path = Path(first.meta['provenance']['cache_file'])
    edit(path)
    local_vizier.requests.clear()
    with pytest.warns(CacheWarning) as caught:
        again = get_lotss_dr2(CENTER, RADIUS)
    messages = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(messages) == 1
    assert messages[0].startswith(f'{path}: cache entry ignored') and reason in messages[0]
    assert 'querying VizieR again' in messages[0] and '\n' not in messages[0]
    assert len(local_vizier.requests) == 1  # fetched again
    assert again['total_flux'].max() < 12345 * u.mJy
    assert again.meta['provenance']['sha256'] == first.meta['provenance']['sha256']
    assert len(again) == len(served_rows(local_vizier, CENTER, RADIUS))
    # the entry was replaced by a verified one, which serves the next call
    assert load_catalog(path).meta['provenance']['sha256'] == first.meta['provenance']['sha256']
    with warnings.catch_warnings():
        warnings.simplefilter('error', LotssToolsWarning)
        get_lotss_dr2(CENTER, RADIUS)
    assert len(local_vizier.requests) == 1


def _cache_folder_under_a_file(local_vizier, tmp_path, monkeypatch):
    blocker = tmp_path / 'a-file'
    blocker.write_text('not a folder')
    monkeypatch.setattr(conf, 'cache_dir', str(blocker / 'cache'))
    return 'Not a directory'


def _read_only_file_system(local_vizier, tmp_path, monkeypatch):
    import lotss_tools.catalogs.vizier as vizier

    def refuse(table, path, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
    monkeypatch.setattr(vizier, 'write_catalog', refuse)
    return os.strerror(errno.EROFS)


@pytest.mark.parametrize('unwritable', [_cache_folder_under_a_file, _read_only_file_system])
def test_unwritable_cache_keeps_the_result(local_vizier, tmp_path, monkeypatch, unwritable):
    reason = unwritable(local_vizier, tmp_path, monkeypatch)
    with pytest.warns(CacheWarning, match='could not write the cache') as caught:
        dr2 = get_lotss_dr2(CENTER, RADIUS)
    message = str(caught[0].message)
    assert reason in message and 'the result is returned but not cached' in message
    assert len(dr2) == len(served_rows(local_vizier, CENTER, RADIUS)) > 0
    assert 'cache_file' not in dr2.meta['provenance']
    assert dr2.meta['provenance']['sha256'] == table_checksum(dr2)


# ------------------------------------------------------------------ pinned files


def test_pinned_file_that_fails_verification_is_an_error(tmp_path):
    sample = load_catalog(sample_catalog_path())
    no_checksum = sample.copy()
    no_checksum['total_flux'][0] = 12345 * u.mJy
    del no_checksum.meta['provenance']['sha256']
    write_catalog(no_checksum, tmp_path / 'no-checksum.ecsv')
    (tmp_path / 'garbage.fits').write_bytes(b'SIMPLE  =  garbage' * 3)
    (tmp_path / 'empty.vot').write_bytes(b'')
    cases = {'no-checksum.ecsv': 'has no sha256', 'garbage.fits': 'not a readable FITS',
             'empty.vot': 'not a readable VOTable'}
    for name, reason in cases.items():
        with pytest.raises(CatalogIntegrityError) as info:
            get_lotss_dr2(CENTER, RADIUS, pinned=tmp_path / name)
        message = str(info.value)
        assert str(tmp_path / name) in message and reason in message, message
        assert '\n' not in message


def test_pinned_file_provenance_says_what_the_file_is(tmp_path):
    arbitrary = tmp_path / 'my-sources.ecsv'
    QTable({'ra': [200.0, 200.001, 201.0] * u.deg, 'dec': [45.0, 45.0, 45.0] * u.deg,
            'total_flux': [1.0, 2.0, 3.0] * u.mJy}).write(arbitrary)
    table = get_lotss_dr2(CENTER, RADIUS, pinned=arbitrary)
    provenance = table.meta['provenance']
    assert len(table) == 2
    assert provenance['source'] == 'user-supplied file'
    assert 'catalog' not in provenance and 'derived_from' not in provenance
    assert provenance['provenance_verified'] is False
    assert provenance['pinned_path'] == str(arbitrary.resolve())
    assert provenance['file_sha256'] == hashlib.sha256(arbitrary.read_bytes()).hexdigest()
    assert 'my-sources.ecsv' in provenance['title'] and 'LoTSS' not in provenance['title']
    assert provenance['columns_read_as'] == 'J/A+A/659/A1/catalog'
    assert provenance['sha256'] == table_checksum(table)
    assert 'query_radius_arcsec' not in provenance  # the file's coverage is unknown
    assert 'within 120.0 arcsec of RA 200.000000, Dec 45.000000 deg' in provenance['selection']

    verified = get_lotss_dr2(CENTER, RADIUS, pinned=sample_catalog_path())
    original = load_catalog(sample_catalog_path()).meta['provenance']
    provenance = verified.meta['provenance']
    assert provenance['source'] == 'user-supplied file'
    assert provenance['provenance_verified'] is True
    assert provenance['derived_from'] == original
    assert provenance['catalog'] == original['catalog']
    assert 'provenance verifies: J/A+A/659/A1/catalog, sky model' in provenance['title']


def test_cli_catalog_does_not_call_a_pinned_file_lotss_dr2(tmp_path, capsys):
    arbitrary = tmp_path / 'my-sources.ecsv'
    QTable({'ra': [200.0, 200.001] * u.deg, 'dec': [45.0, 45.0] * u.deg}).write(arbitrary)
    assert main(['catalog', '--center', '200.0 45.0', '--radius', '2arcmin', '--pinned',
                 str(arbitrary), '-o', str(tmp_path / 'out.ecsv')]) == 0
    out = capsys.readouterr().out
    assert out.startswith('user-supplied file my-sources.ecsv')
    assert 'LoTSS DR2' not in out and 'J/A+A/659/A1' not in out
    assert 'user-supplied file' in out and 'sha256' in out


# ------------------------------------------------------------------ item 5: the server


@pytest.mark.parametrize('target', [CENTER, SkyCoord(10 * u.deg, -30 * u.deg)],
                         ids=['rows', 'no rows'])
def test_answer_about_another_table_is_an_error(local_vizier, target):
    local_vizier.behaviour = 'wrong_table'
    with pytest.raises(VizierError) as info:
        get_lotss_dr2(target, RADIUS)
    message = str(info.value)
    assert 'J/A+A/659/A1/catalog' in message and 'II/328' in message
    assert local_vizier.vizier_url in message


def test_truncated_answer_is_an_error(local_vizier):
    local_vizier.behaviour = 'overflow'
    with pytest.raises(VizierError, match='truncated'):
        get_lotss_dr2(CENTER, 10 * u.arcmin)


def test_trickling_server_is_cut_at_the_deadline(local_vizier):
    local_vizier.behaviour = 'trickle'
    local_vizier.trickle_bytes, local_vizier.trickle_interval = 64, 0.25
    start = time.monotonic()
    with pytest.raises(VizierError, match=r'not complete within 1.5 s') as info:
        get_lotss_dr2(CENTER, RADIUS, timeout=1.5)
    elapsed = time.monotonic() - start
    assert 1.5 <= elapsed < 3.0
    assert local_vizier.vizier_url in str(info.value)
    assert re.search(r'\d+ bytes received', str(info.value))

    start = time.monotonic()
    with pytest.raises(VizierError, match='not complete within 1.5 s'):
        xmatch_counterparts(SkyCoord([200.0] * u.deg, [45.0] * u.deg), 'II/328/allwise',
                            5 * u.arcsec, timeout=1.5)
    assert time.monotonic() - start < 3.0


def test_slow_but_steady_answer_within_the_deadline_is_complete(local_vizier):
    local_vizier.behaviour = 'trickle'
    local_vizier.trickle_bytes, local_vizier.trickle_interval = 1500, 0.02
    dr2 = get_lotss_dr2(CENTER, RADIUS, timeout=20, cache=False)
    assert len(dr2) == len(served_rows(local_vizier, CENTER, RADIUS)) > 0


# ------------------------------------------------------------------ item 15: logs, config


def test_log_records_come_from_the_package(local_vizier, caplog):
    caplog.set_level('DEBUG')
    get_lotss_dr2(CENTER, RADIUS)
    get_lotss_dr2(CENTER, RADIUS)
    xmatch_counterparts(SkyCoord([200.0] * u.deg, [45.0] * u.deg), 'II/328/allwise',
                        5 * u.arcsec)
    names = {record.name for record in caplog.records}
    assert {'lotss_tools.catalogs.vizier', 'lotss_tools.catalogs.xmatch'} <= names
    assert not any(name.startswith('astroquery') for name in names)
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith('querying J/A+A/659/A1/catalog') for message in messages)
    assert any(message.startswith('using the cached result') for message in messages)


def test_warnings_are_not_taken_over_by_astroquery(vizier_server, tmp_path):
    """In a fresh process: a query imports astroquery, and the warnings stay the package's."""
    script = f"""
import logging, warnings
logging.basicConfig(format='%(levelname)s %(name)s: %(message)s')
import astropy.units as u
from astropy.coordinates import SkyCoord
from lotss_tools.conf import conf
from lotss_tools.catalogs import get_lotss_dr2
from lotss_tools.exceptions import CacheWarning
shown = warnings.showwarning
conf.vizier_url = {vizier_server.vizier_url!r}
conf.cache_dir = {str(tmp_path / 'cache')!r}
get_lotss_dr2(SkyCoord(200 * u.deg, 45 * u.deg), 1 * u.arcmin)
import astroquery
assert warnings.showwarning is shown, 'astroquery took over warnings.showwarning'
warnings.warn('a package warning', CacheWarning)
"""
    vizier_server.reset()
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0, result.stderr
    assert 'CacheWarning: a package warning' in result.stderr
    assert 'astroquery' not in result.stderr


def test_config_file_is_the_one_astropy_reads(tmp_path):
    import lotss_tools.conf as conf_module
    with set_temp_config(tmp_path):
        path = config_file()
        assert path.is_relative_to(tmp_path) and path.name == 'lotss_tools.cfg'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('[conf]\ntimeout = 123.5\nvizier_server = vizier.example.org\n')
        conf.reload()
        assert conf.timeout == 123.5 and conf.vizier_server == 'vizier.example.org'
    conf.reload()
    assert conf.timeout != 123.5 and conf.vizier_server != 'vizier.example.org'
    assert 'config_file' in conf_module.__doc__ and 'astropy/lotss_tools.cfg' in conf_module.__doc__


def test_unreadable_catalogue_files_name_the_file(tmp_path):
    for name, content in (('a.ecsv', b'# %ECSV 1.0\n# ---\n# datatype: [\n'),
                          ('b.fits', b''), ('c.vot', b'<?xml version="1.0"?><VOTABLE><RES'),
                          ('d.ecsv', json.dumps({'x': 1}).encode())):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CatalogIntegrityError, match=re.escape(str(tmp_path / name))):
            load_catalog(tmp_path / name)
