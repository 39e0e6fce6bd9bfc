"""Source extraction from LoTSS mosaics.

`DendroExtractor` finds and measures sources with a dendrogram;
`compute_dendrogram` is its compiled (numba) backend, which reproduces the
structures of `astrodendro.Dendrogram.compute` exactly, much faster.
"""

from ._fast_dendrogram import *  # noqa: F401,F403
from .extractor import *  # noqa: F401,F403
from .measure import *  # noqa: F401,F403
from .gaussian import *  # noqa: F401,F403
from .uncertainties import *  # noqa: F401,F403
from .deconvolution import *  # noqa: F401,F403
from .components import *  # noqa: F401,F403
