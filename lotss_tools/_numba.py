"""Compiled kernels: `jit`, numba's ``njit`` with the package's on-disk cache.

numba's ``cache=True`` writes its compiled files next to the source, into
``__pycache__`` of the installed package. That breaks installs: ``pip
uninstall`` leaves the folder behind, and a later editable install of the
same package is then shadowed by it (a namespace package without
``__version__``). `jit` keeps the cache in the user's lotss_tools cache
folder instead (``astropy.config.get_cache_dir_path('lotss_tools') /
'numba'``), or in ``NUMBA_CACHE_DIR`` when the user set one, and compiles
without a disk cache when neither can be written. Never in site-packages.
"""

import os
from contextlib import contextmanager
from pathlib import Path

from numba import config, njit

__all__ = ['jit', 'numba_cache_dir']


def numba_cache_dir():
    """Folder where the compiled kernels of lotss_tools are cached, or None.

    ``NUMBA_CACHE_DIR`` when set (numba's own setting), else the
    ``numba`` folder of the lotss_tools astropy cache directory. None when
    that folder cannot be created or written: the kernels are then compiled
    in each process.

    Returns
    -------
    path : `pathlib.Path` or None
    """
    if config.CACHE_DIR:
        return Path(config.CACHE_DIR)
    try:
        from astropy.config import get_cache_dir_path
        path = get_cache_dir_path('lotss_tools') / 'numba'
        path.mkdir(parents=True, exist_ok=True)
    except Exception:   # no home folder, read-only file system...
        return None
    return path if os.access(path, os.W_OK) else None


@contextmanager
def _cache_dir(path):
    """Point numba's user cache setting at ``path`` while functions are decorated.

    numba chooses where a function's cache lives when it is decorated, so
    the setting is restored right after and other numba users are not
    affected.
    """
    previous = config.CACHE_DIR
    config.CACHE_DIR = str(path)
    try:
        yield
    finally:
        config.CACHE_DIR = previous


def jit(**options):
    """``numba.njit(**options)`` with a disk cache outside the installed package.

    Parameters
    ----------
    **options
        Passed to `numba.njit` (``cache`` is decided here).

    Examples
    --------
    >>> from lotss_tools._numba import jit
    >>> @jit(nogil=True)
    ... def add(a, b):
    ...     return a + b
    >>> add(1, 2)
    3
    """
    options.pop('cache', None)
    path = numba_cache_dir()

    def decorate(function):
        if path is not None:
            try:
                with _cache_dir(path):
                    return njit(cache=True, **options)(function)
            except RuntimeError:    # no source file to key a cache on (interactive code)
                pass
        return njit(cache=False, **options)(function)
    return decorate
