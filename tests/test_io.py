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
