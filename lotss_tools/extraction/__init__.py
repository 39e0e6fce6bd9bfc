"""Source extraction from LoTSS mosaics.

`DendroExtractor` finds and measures sources with a dendrogram;
`compute_dendrogram` is its compiled (numba) backend, which reproduces the
structures of `astrodendro.Dendrogram.compute` exactly, much faster.

The measurement layer: `measure_structures` (moments of labelled
structures, the research method); `fit_islands` (elliptical Gaussians fitted
to the dendrogram's islands, compiled); `condon_errors` (their
uncertainties in correlated noise); `deconvolve_sizes` and `resolved_flag`
(deconvolved sizes, the LoTSS DR2 resolved criterion); `component_table` and
`make_sources` (components in sky units, grouped into sources with the
LoTSS ``S``/``C``/``M`` codes).
"""

from ._fast_dendrogram import *  # noqa: F401,F403
from .extractor import *  # noqa: F401,F403
from .measure import *  # noqa: F401,F403
from .gaussian import *  # noqa: F401,F403
from .uncertainties import *  # noqa: F401,F403
from .deconvolution import *  # noqa: F401,F403
from .components import *  # noqa: F401,F403
