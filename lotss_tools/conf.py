"""Configuration of lotss_tools (astropy configuration system).

Every item can be changed for a session (``conf.timeout = 120``), for a block
of code (``with conf.set_temp('vizier_url', 'http://127.0.0.1:8000/viz-bin'):``)
or permanently in the file ``lotss_tools.cfg`` of the lotss_tools configuration
folder (``astropy.config.get_config_dir_path('lotss_tools')``), section
``[conf]``.

Examples
--------
>>> from lotss_tools.conf import conf
>>> conf.vizier_server
'vizier.cds.unistra.fr'
>>> with conf.set_temp('vizier_url', 'http://127.0.0.1:8000/viz-bin'):
...     conf.vizier_url
'http://127.0.0.1:8000/viz-bin'
"""

from pathlib import Path

from astropy import config as _config

__all__ = ['Conf', 'conf', 'catalog_cache_dir']


class Conf(_config.ConfigNamespace):
    """Configuration items of lotss_tools."""

    rootname = 'lotss_tools'

    cache_dir = _config.ConfigItem(
        '',
        'Folder of the on-disk cache of catalogue queries (VizieR results with '
        'their provenance). Empty: the "catalogs" folder of the lotss_tools cache '
        'directory, astropy.config.get_cache_dir_path("lotss_tools") / "catalogs".')

    vizier_server = _config.ConfigItem(
        'vizier.cds.unistra.fr',
        'Host name of the VizieR mirror to query (as astroquery.vizier.conf.server); '
        'astroquery sends HTTPS requests to https://<vizier_server>/viz-bin/votable. '
        'Mirrors: vizier.cfa.harvard.edu, vizier.nao.ac.jp, ...')

    vizier_url = _config.ConfigItem(
        '',
        'Base URL of a VizieR-compatible service, e.g. http://127.0.0.1:8000/viz-bin '
        '(the request goes to <vizier_url>/votable). When set it replaces '
        'vizier_server; use it for a local mirror, a proxy or a test server.')

    xmatch_url = _config.ConfigItem(
        '',
        'URL of the CDS XMatch synchronous API, e.g. '
        'http://127.0.0.1:8000/xmatch/api/v1/sync. Empty: astroquery.xmatch.conf.url.')

    timeout = _config.ConfigItem(
        60.0,
        'Seconds to wait for a VizieR or XMatch answer before giving up.',
        cfgtype='float')


conf = Conf()


def catalog_cache_dir():
    """Folder of the catalogue cache: ``conf.cache_dir`` or the default.

    Returns
    -------
    path : `pathlib.Path`
        Not created here; the cache creates it when it first writes.
    """
    if conf.cache_dir:
        return Path(conf.cache_dir).expanduser()
    return _config.get_cache_dir_path('lotss_tools', ensure_exists=False) / 'catalogs'
