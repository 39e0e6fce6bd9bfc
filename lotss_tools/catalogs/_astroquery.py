"""astroquery, imported only when a query needs it, without taking over warnings.

Importing astroquery installs its logger as `warnings.showwarning` for every
astropy warning, so that the package's own warnings (`LotssToolsWarning` is
an `~astropy.utils.exceptions.AstropyUserWarning`) would be printed under the
``astroquery`` logger, twice once a root handler is configured. When that
hook is installed by the import done here, it is removed again; a program
that imported astroquery itself keeps whatever astroquery set up.
"""

import importlib
import warnings

__all__ = []


def import_astroquery(name):
    """Import the astroquery module ``name`` (e.g. ``'astroquery.vizier'``) and return it."""
    shown = warnings.showwarning
    module = importlib.import_module(name)
    if warnings.showwarning is not shown:
        from astroquery import log
        if log.warnings_logging_enabled():
            log.disable_warnings_logging()
    return module
