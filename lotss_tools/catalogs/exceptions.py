"""Errors raised when a reference catalogue cannot be obtained or trusted."""

from ..exceptions import LotssToolsError

__all__ = ['VizierError', 'CatalogIntegrityError']


class VizierError(LotssToolsError):
    """A VizieR (or CDS XMatch) query failed.

    The message names the catalogue, the server and the cause (unreachable,
    time-out, HTTP error, an error reported by VizieR, an answer that is not a
    VOTable) and, when the cache holds a result that could be used instead,
    its path.

    Attributes
    ----------
    catalog : str
        VizieR identifier of the catalogue.
    server : str
        URL that was queried.
    cause : str
        Short description of what went wrong.
    cached : `pathlib.Path` or None
        A cached result for the same query, if any.
    """

    def __init__(self, catalog, server, cause, cached=None):
        self.catalog = catalog
        self.server = server
        self.cause = cause
        self.cached = cached
        message = f'VizieR query of {catalog} at {server} failed: {cause}.'
        if cached is not None:
            message += (f' A cached result of the same query exists: {cached} '
                        '(call again with refresh=False, or load it with '
                        'lotss_tools.catalogs.load_catalog).')
        super().__init__(message)


class CatalogIntegrityError(LotssToolsError, ValueError):
    """A catalogue file does not match the SHA-256 recorded in its provenance.

    The file was changed after it was written (edited, truncated or
    corrupted); re-query it (``refresh=True``) or restore the original.
    """
