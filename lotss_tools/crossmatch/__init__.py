"""Cross-matching a source catalogue against a reference such as LoTSS DR2.

`CrossMatcher` pairs the two catalogues one-to-one (optimally, not greedily)
and returns a `MatchResult` with the pairs, the unmatched rows of each side,
recall, precision and F1, a one-row `~MatchResult.summary`, and recall and
precision per flux or SNR bin (`~MatchResult.completeness`,
`~lotss_tools.visualization.plot_completeness`). `chance_match_rate`
measures how many matches random positions would get over the same
footprint. `match_one_to_one` is the assignment algorithm underneath.
"""

from . import assignment, chance, matcher, result
from .assignment import *  # noqa: F401,F403
from .chance import *  # noqa: F401,F403
from .matcher import *  # noqa: F401,F403
from .result import *  # noqa: F401,F403

__all__ = matcher.__all__ + result.__all__ + chance.__all__ + assignment.__all__
