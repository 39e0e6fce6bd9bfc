"""Catalogue statistics: source counts, unresolved fraction, S_Code fractions, medians.

The summary numbers the research computed on LoTSS DR2, for any catalogue
with the package's column names (`lotss_tools.schema`): a `DendroExtractor`
catalogue, LoTSS DR2 from `~lotss_tools.catalogs.get_lotss_dr2`, a simulated
truth. Every result is a `~astropy.table.QTable` with units.
"""

from .area import *  # noqa: F401,F403
from .counts import *  # noqa: F401,F403
from .morphology import *  # noqa: F401,F403
from .summary import *  # noqa: F401,F403
