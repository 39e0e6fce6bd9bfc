"""Plots: one function per figure, each returning matplotlib objects.

Every function accepts ``ax=`` to draw into an existing axes and returns
the axes it drew on, so figures can be composed and saved by the caller.
matplotlib is imported lazily, when a plot is made. Every plot of the
package lives here; the ``plot`` methods of other classes
(`~lotss_tools.Mosaic.plot`, `~lotss_tools.crossmatch.MatchResult.plot_completeness`,
`~lotss_tools.training.TrainingSet.plot_patch`...) call these functions.
This package is a leaf: it imports the rest of the package, and no other
module imports it at module level.

===============================================  ===============================================
`plot_mosaic`                                    a mosaic on WCS axes with catalogues overlaid
`plot_threshold_diagnostic`                      the mirrored pixel histogram of the thresholds
`plot_rejection_radius`                          the rejection radius around bright sources
`plot_completeness`                              recall and precision against flux or SNR
`plot_training_patch`                            a training patch with its target boxes
`plot_flux_distribution`                         histogram of log flux density, split by S_Code
`plot_flux_size`                                 2-D histogram of flux density against size
`plot_major_minor`                               major against minor axis, split by S_Code
`plot_resolved_envelope`                         integrated/peak ratio against SNR, DR2 envelope
`plot_source_counts`                             Euclidean-normalised source counts
===============================================  ===============================================
"""

from .catalogs import *  # noqa: F401,F403
from .cleaning import *  # noqa: F401,F403
from .crossmatch import *  # noqa: F401,F403
from .counts import *  # noqa: F401,F403
from .images import *  # noqa: F401,F403
from .thresholds import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403

__all__ = ['plot_mosaic', 'radio_normalization', 'plot_threshold_diagnostic',
           'plot_rejection_radius', 'plot_completeness', 'plot_flux_distribution',
           'plot_flux_size', 'plot_major_minor', 'plot_resolved_envelope',
           'plot_source_counts', 'plot_training_patch']
