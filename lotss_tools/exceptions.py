"""Exceptions and warnings of lotss_tools.

Every error raised on purpose derives from `LotssToolsError`, every warning
from `LotssToolsWarning` (itself an `~astropy.utils.exceptions.AstropyUserWarning`),
so a script can catch or filter the package's messages as a family::

    import warnings
    from lotss_tools.exceptions import LotssToolsWarning
    warnings.simplefilter('error', LotssToolsWarning)   # make them errors
"""

from astropy.utils.exceptions import AstropyUserWarning

__all__ = ['LotssToolsError', 'InvalidMosaicError', 'MissingBeamError', 'MissingColumnError',
           'NoiseModelMismatchError',
           'LotssToolsWarning', 'NoDetectionsWarning', 'UndersampledBeamWarning',
           'ThresholdBelowNoiseWarning', 'SkippedStepWarning']


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


class MissingColumnError(LotssToolsError, KeyError, ValueError):
    """A catalogue lacks a column (or a unit) that an operation needs.

    The message names the missing columns and what they are needed for.
    Both a `KeyError` (a missing key) and a `ValueError` (bad input).
    """

    def __str__(self):             # KeyError would otherwise print the repr of the message
        return str(self.args[0]) if self.args else ''


class NoiseModelMismatchError(LotssToolsError, ValueError):
    """A `~lotss_tools.noise.NoiseModel` was given with a mosaic it was not measured on."""


class LotssToolsWarning(AstropyUserWarning):
    """Base class of every warning issued by lotss_tools."""


class NoDetectionsWarning(LotssToolsWarning):
    """An extraction found no source: the catalogue is empty (with its columns)."""


class UndersampledBeamWarning(LotssToolsWarning):
    """The restoring beam spans too few pixels for the LoTSS measurement rules.

    Issued when the beam FWHM covers fewer than
    `~lotss_tools.mosaic.MIN_PIXELS_PER_BEAM` (2.5) pixels; sizes are then
    floored at the beam and point-like sources get total flux = peak flux.
    """


class ThresholdBelowNoiseWarning(LotssToolsWarning):
    """A threshold derived from the data lies below about one noise sigma.

    The research histogram rule can give this on small or confused images;
    the dendrogram then follows noise. Give the threshold explicitly or use
    ``threshold='local'``.
    """


class SkippedStepWarning(LotssToolsWarning):
    """A step was skipped because the input lacks what it needs (e.g. a column)."""


class DroppedRowsWarning(LotssToolsWarning):
    """Rows of a catalogue were left out because they cannot be used (e.g. NaN positions).

    The message says how many rows of which table, and why.
    """


class CacheWarning(LotssToolsWarning):
    """A file of the catalogue cache was not used, or a result could not be cached.

    The message names the file and the reason: a cache entry that is
    unreadable, lacks its provenance or checksum, describes another query or
    fails its checksum is ignored and the catalogue is fetched again; a cache
    folder that cannot be written leaves the (correct) result uncached.
    """


__all__ += ['CacheWarning', 'InvalidParameterError', 'DroppedRowsWarning']


class InvalidParameterError(LotssToolsError, ValueError):
    """An argument is out of range or of the wrong kind; the message names it."""
