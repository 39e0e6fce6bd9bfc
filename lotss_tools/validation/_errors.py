"""The error raised for bad arguments by `lotss_tools.validation`."""

from ..exceptions import LotssToolsError

__all__ = ['InvalidParameterError']


class InvalidParameterError(LotssToolsError, ValueError):
    """An argument of a `lotss_tools.validation` function is out of range or of the wrong kind."""
