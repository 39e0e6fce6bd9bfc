"""Configuration of lotss_tools (astropy configuration system).

Every item can be changed for a session (``conf.timeout = 120``), for a block
of code (``with conf.set_temp('vizier_url', 'http://127.0.0.1:8000/viz-bin'):``)
or permanently in the file ``lotss_tools.cfg`` of astropy's configuration
folder, section ``[conf]``, as for astropy and astroquery. `config_file`
returns the path astropy reads: ``~/.config/astropy/lotss_tools.cfg`` (or
``$XDG_CONFIG_HOME/astropy/...``, or ``~/.astropy/config/...`` where that
older folder exists). For example::

    [conf]
    timeout = 120
    vizier_server = vizier.cfa.harvard.edu

Changes to the file are read at the next start, or at once with
``conf.reload()``.

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

__all__ = ['Conf', 'conf', 'catalog_cache_dir', 'config_file']


class Conf(_config.ConfigNamespace):
    """Configuration items of lotss_tools (read from the file `config_file` names)."""

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
        'Seconds allowed for a whole VizieR or XMatch request (connecting, waiting and '
        'downloading the answer, by the wall clock) before giving up.',
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


def config_file():
    """The configuration file astropy reads for lotss_tools (it may not exist).

    Returns
    -------
    path : `pathlib.Path`
        ``lotss_tools.cfg`` in astropy's configuration folder
        (`astropy.config.get_config_dir_path`), where astropy looks for the
        configuration of a package named ``lotss_tools``.

    Examples
    --------
    >>> config_file().name
    'lotss_tools.cfg'
    """
    return _config.get_config_dir_path(ensure_exists=False) / 'lotss_tools.cfg'
