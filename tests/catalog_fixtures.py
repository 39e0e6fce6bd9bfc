"""Fixtures for the tests of lotss_tools.catalogs: a local VizieR on 127.0.0.1.

Import them in a test module with ``from .catalog_fixtures import *``.
"""

import pytest

from lotss_tools.conf import conf

from .vizier_server import VizierTestServer

__all__ = ['vizier_server', 'local_vizier']


@pytest.fixture(scope='module')
def vizier_server():
    """One local VizieR/XMatch look-alike per test module."""
    server = VizierTestServer()
    yield server
    server.close()


@pytest.fixture
def local_vizier(vizier_server, tmp_path):
    """The local server configured as the package's VizieR and XMatch, with a fresh cache."""
    vizier_server.reset()
    with conf.set_temp('vizier_url', vizier_server.vizier_url), \
            conf.set_temp('xmatch_url', vizier_server.xmatch_url), \
            conf.set_temp('cache_dir', str(tmp_path / 'cache')):
        yield vizier_server
    vizier_server.reset()
