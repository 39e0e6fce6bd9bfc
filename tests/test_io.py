"""Tests of the atomic writers shared by the package."""

import os
import stat

import numpy as np
import pytest
from astropy import units as u
from astropy.table import MaskedColumn, QTable, Table

from lotss_tools.io import atomic_path, write_table


def sample():
    return QTable({'name': MaskedColumn(['a', 'bb', 'ccc'], mask=[False, True, False]),
                   'flux': [1.0, 2.5, np.nan] * u.mJy, 'n': [1, 2, 3]})


@pytest.mark.parametrize('suffix', ['.ecsv', '.fits', '.vot'])
def test_write_table_round_trip(tmp_path, suffix):
    path = write_table(sample(), tmp_path / f'table{suffix}')
    back = QTable.read(path)
    assert back['flux'].unit == u.mJy
    np.testing.assert_array_equal(back['n'], [1, 2, 3])
    assert back['name'][0] == 'a' and back['name'][2] == 'ccc'
    if suffix == '.ecsv':
        assert np.ma.is_masked(back['name'][1])
    elif suffix == '.vot':  # VOTable TABLEDATA has no null for strings: empty
        assert np.ma.is_masked(back['name'][1]) or back['name'][1] == ''
    assert os.listdir(tmp_path) == [path.name]


def test_files_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_table(Table({'a': [1]}), tmp_path / 't.ecsv')
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / 'x.ecsv') as tmp:
            tmp.write_text('partial')
            raise RuntimeError('interrupted')
    assert os.listdir(tmp_path) == []
    (tmp_path / 'x.ecsv').write_text('old')
    with pytest.raises(FileExistsError, match='overwrite=True'):
        write_table(Table({'a': [1]}), tmp_path / 'x.ecsv')
    assert (tmp_path / 'x.ecsv').read_text() == 'old'


# ------------------------------------------------- every format reads back
def catalog_like():
    from astropy.coordinates import SkyCoord
    table = QTable({'id': [1, 2], 'ra': [150.0, 150.1] * u.deg, 'dec': [2.0, 2.1] * u.deg})
    table['sky_centroid'] = SkyCoord(table['ra'], table['dec'])
    table['offset'] = SkyCoord([1.0, 2.0] * u.deg, [3.0, 4.0] * u.deg, frame='fk5')
    table['total_flux'] = [1.5, 2.5] * u.mJy
    table['total_flux'].info.description = 'integrated flux density'
    table.meta.update(tile_size=None, threshold='local', min_npix=8,
                      provenance={'catalog': 'x', 'n_rows': 2}, values=[1, 2])
    return table


@pytest.mark.parametrize('suffix', ['.ecsv', '.fits', '.fits.gz', '.vot', '.votable', '.xml'])
def test_catalogues_read_back_in_every_format(tmp_path, suffix):
    from lotss_tools.io import read_table
    table = catalog_like()
    back = read_table(write_table(table, tmp_path / f'cat{suffix}'))
    assert back.colnames == table.colnames
    assert back.meta['tile_size'] is None and back.meta['min_npix'] == 8
    assert back.meta['provenance'] == {'catalog': 'x', 'n_rows': 2}
    assert back['sky_centroid'].separation(table['sky_centroid']).max() < 1e-6 * u.arcsec
    assert back['offset'].separation(table['offset']).max() < 1e-6 * u.arcsec
    assert back['total_flux'].unit == u.mJy
    assert back['total_flux'].info.description == 'integrated flux density'
    # What was read can be written again in any format (FITS Undefined once broke ECSV).
    write_table(back, tmp_path / 'again.ecsv')
    if suffix == '.vot':     # not astropy's C TABLEDATA writer (astropy issue 20419)
        assert b'<BINARY2>' in (tmp_path / 'cat.vot').read_bytes()


def test_plain_fits_header_undefined_reads_as_none(tmp_path):
    from lotss_tools.io import read_table
    table = QTable({'a': [1, 2]})
    table.meta['tile_size'] = None
    with pytest.warns(Warning, match='HIERARCH'):
        table.write(tmp_path / 'plain.fits')     # astropy alone: FITS Undefined
    back = read_table(tmp_path / 'plain.fits')
    assert back.meta['tile_size'] is None
    write_table(back, tmp_path / 'plain.ecsv')


@pytest.mark.parametrize('name', ['cat.txt', 'cat', 'cat.votab'])
def test_unknown_extension_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match='cannot tell the table format'):
        write_table(sample(), tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_unreadable_table_names_the_file(tmp_path):
    from lotss_tools.io import read_table
    (tmp_path / 'bad.ecsv').write_text('not a table\x00')
    with pytest.raises(ValueError, match='bad.ecsv: cannot read a table'):
        read_table(tmp_path / 'bad.ecsv')
    with pytest.raises(FileNotFoundError, match='is a folder'):
        read_table(tmp_path)


# ------------------------------------------------------ outputs checked first
def test_check_outputs(tmp_path):
    from lotss_tools.io import OutputExistsError, check_outputs
    source = tmp_path / 'm.fits'
    source.write_text('input')
    with pytest.raises(ValueError, match='both an input and an output'):
        check_outputs([tmp_path / 'x.ecsv', source], inputs=[source], overwrite=True)
    with pytest.raises(ValueError, match='twice as an output'):
        check_outputs([tmp_path / 'k.ecsv', tmp_path / 'sub' / '..' / 'k.ecsv'])
    with pytest.raises(IsADirectoryError, match='is a folder'):
        check_outputs([tmp_path])
    with pytest.raises(OutputExistsError, match='already exists'):
        check_outputs([source])
    assert check_outputs([source], overwrite=True) == [source]
    if os.geteuid() != 0:          # root may write anywhere
        locked = tmp_path / 'locked'
        locked.mkdir(mode=0o500)
        with pytest.raises(PermissionError, match='cannot write'):
            check_outputs([locked / 'x.ecsv'])


def test_several_outputs_all_or_nothing(tmp_path):
    from lotss_tools.io import atomic_paths
    (tmp_path / 'second.ecsv').write_text('old')
    with pytest.raises(FileExistsError):
        with atomic_paths([tmp_path / 'first.ecsv', tmp_path / 'second.ecsv']):
            pass
    assert sorted(os.listdir(tmp_path)) == ['second.ecsv']
    with pytest.raises(RuntimeError):
        with atomic_paths([tmp_path / 'first.ecsv', tmp_path / 'third.ecsv']) as (a, b):
            a.write_text('first')
            raise RuntimeError('the second output failed')
    assert sorted(os.listdir(tmp_path)) == ['second.ecsv']
    with atomic_paths([tmp_path / 'first.ecsv', tmp_path / 'third.ecsv']) as (a, b):
        a.write_text('1')
        b.write_text('3')
    assert (tmp_path / 'first.ecsv').read_text() == '1' and (tmp_path / 'third.ecsv').read_text() == '3'


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    import subprocess
    import sys

    from lotss_tools.io import _HOST
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f'.cat.ecsv.{_HOST}.{dead}.abc123.tmp'
    stale.write_bytes(b'x' * 1000)
    alive = tmp_path / f'.cat.ecsv.{_HOST}.{os.getppid()}.def456.tmp'
    alive.write_bytes(b'y')
    other_host = tmp_path / f'.cat.ecsv.otherhost.{dead}.ghi789.tmp'
    other_host.write_bytes(b'z')
    write_table(sample(), tmp_path / 'cat.ecsv')
    assert not stale.exists()
    assert alive.exists() and other_host.exists()
