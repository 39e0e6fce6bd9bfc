"""lotss_tools: source catalogues from LOFAR LoTSS mosaics that you can trust.

The pipeline is a chain of astropy-style classes: `Mosaic` (read an image),
`DendroExtractor` (find sources), `CatalogCleaner` (remove artifacts and
duplicates), `CrossMatcher` (compare with a reference such as LoTSS DR2).
"""

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - only without an installed package
    __version__ = '0.0.0'

from .exceptions import *  # noqa: F401,F403
from .mosaic import *  # noqa: F401,F403
from .extraction import DendroExtractor  # noqa: F401
from .cleaning import CatalogCleaner  # noqa: F401
from . import catalogs, stats, survey  # noqa: F401
from .training import TrainingSet, TrainingSetBuilder  # noqa: F401
from .crossmatch import CrossMatcher, MatchResult, chance_match_rate  # noqa: F401
