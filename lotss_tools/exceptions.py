"""Exceptions raised by lotss_tools."""

__all__ = ['LotssToolsError', 'InvalidMosaicError', 'MissingBeamError']


class LotssToolsError(Exception):
    """Base class of every error raised on purpose by lotss_tools."""


class InvalidMosaicError(LotssToolsError, ValueError):
    """A FITS file or array cannot be used as a LoTSS mosaic.

    The message names the file (when there is one) and the problem: not a
    FITS file, no image data, no celestial WCS, non-degenerate extra axes,
    non-square pixels, all-NaN data or a brightness unit other than Jy/beam.
    """


class MissingBeamError(InvalidMosaicError):
    """The header has no restoring beam (``BMAJ``/``BMIN``).

    Pass ``beam=radio_beam.Beam(...)`` (or a Quantity FWHM for a circular
    beam) to `~lotss_tools.Mosaic.read` to supply it.
    """
