"""Catalogue cleaning: artifacts around bright sources, duplicates, overlaps.

`CatalogCleaner` splits a catalogue into kept and rejected sources (nothing
is lost: the rejected table says why and because of which source),
`artifact_level` measures on an image how bright the artifacts around each
source are (from its negative side, since artifacts have both signs),
`rejection_radius` is the research model of how far a bright source's
artifacts reach (drawn by `~lotss_tools.visualization.plot_rejection_radius`),
and `CatalogCleaner.merge` combines the catalogues of
overlapping tiles or mosaics so that each source appears once.
"""

from ._catalog import *  # noqa: F401,F403
from .radius import *  # noqa: F401,F403
from .suppression import *  # noqa: F401,F403
from .artifacts import *  # noqa: F401,F403
from .cleaner import *  # noqa: F401,F403
from .merge import *  # noqa: F401,F403
from .region_files import *  # noqa: F401,F403
from .scores import *  # noqa: F401,F403
