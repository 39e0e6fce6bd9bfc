# Sphinx configuration of the lotss_tools documentation.
import os
from datetime import datetime, timezone
from importlib import metadata

from sphinx_astropy.conf.v2 import *  # noqa: F401,F403
from sphinx_astropy.conf.v2 import extensions, exclude_patterns, rst_epilog  # noqa: F401

project = 'lotss_tools'
author = 'lotss_tools developers'
copyright = f'{datetime.now(timezone.utc).year}, {author}'
try:
    release = metadata.version('lotss_tools')
except metadata.PackageNotFoundError:  # building from a source tree that is not installed
    release = '0.1.dev'
version = release.split('+')[0]

extensions += ['sphinx_gallery.gen_gallery']

# The documentation builds offline by default (CI and developer machines have
# no internet); set LOTSS_DOCS_INTERSPHINX=1 to link to the astropy, numpy...
# documentation through intersphinx.
disable_intersphinx = 0 if os.environ.get('LOTSS_DOCS_INTERSPHINX') else 1
intersphinx_mapping.update({  # noqa: F405
    'astropy': ('https://docs.astropy.org/en/stable/', None),
    'photutils': ('https://photutils.readthedocs.io/en/stable/', None),
    'regions': ('https://astropy-regions.readthedocs.io/en/stable/', None),
    'astroquery': ('https://astroquery.readthedocs.io/en/latest/', None),
    'radio_beam': ('https://radio-beam.readthedocs.io/en/latest/', None),
})

exclude_patterns += ['_build', 'examples/*.rst', 'auto_examples/*.ipynb',
                     'auto_examples/*.py', 'auto_examples/*.zip', 'sg_execution_times.rst']

sphinx_gallery_conf = {
    'examples_dirs': 'examples',
    'gallery_dirs': 'auto_examples',
    'filename_pattern': r'plot_',
    'download_all_examples': False,
    'remove_config_comments': True,
    'within_subsection_order': 'FileNameSortKey',
    'write_computation_times': False,
}

html_title = f'lotss_tools {version}'
html_theme_options.update({  # noqa: F405
    'github_url': None,
    'navigation_with_keys': False,
})
html_static_path = []
numpydoc_xref_param_type = False
suppress_warnings = ['config.cache']
