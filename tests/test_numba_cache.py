"""The compiled kernels never write their cache into the installed package."""

import os
import subprocess
import sys
from pathlib import Path

import lotss_tools

PACKAGE = Path(lotss_tools.__file__).parent

SCRIPT = """
import numpy as np
from lotss_tools.extraction import compute_dendrogram
image = np.random.default_rng(1).normal(size=(32, 32)).astype(np.float32)
compute_dendrogram(image, 1.0, 1.0, 3).leaf_labels()
"""


def _numba_files(folder):
    return sorted(p for p in Path(folder).rglob('*') if p.suffix in ('.nbi', '.nbc'))


def _run(env):
    done = subprocess.run([sys.executable, '-c', SCRIPT], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_cache_goes_to_the_user_cache_folder(tmp_path):
    before = _numba_files(PACKAGE)
    env = {k: v for k, v in os.environ.items() if k not in ('NUMBA_CACHE_DIR', 'XDG_CACHE_HOME')}
    env['HOME'] = str(tmp_path)
    _run(env)
    assert _numba_files(PACKAGE) == before
    cached = _numba_files(tmp_path)
    assert cached and all('lotss_tools' in p.parts and 'numba' in p.parts for p in cached)


def test_numba_cache_dir_is_honoured(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / 'numba'))
    _run(env)
    assert _numba_files(tmp_path / 'numba')


def test_unwritable_cache_compiles_without_disk_cache(tmp_path):
    before = _numba_files(PACKAGE)
    blocked = tmp_path / 'blocked'
    blocked.write_text('a file where the cache folder should be')
    env = {k: v for k, v in os.environ.items() if k not in ('NUMBA_CACHE_DIR', 'XDG_CACHE_HOME')}
    env['HOME'] = str(blocked)
    _run(env)
    assert _numba_files(PACKAGE) == before
