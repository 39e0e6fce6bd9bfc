"""Survey-scale runs: every mosaic of a survey on Dask, resumable, merged into one catalogue.

`run_survey` sends one task per mosaic (each running the
`~lotss_tools.Pipeline`; a large mosaic is tiled by the extractor) to a
Dask cluster (a `~dask.distributed.LocalCluster` on a laptop, a SLURM or PBS
cluster started with dask-jobqueue, or any running scheduler), records each
mosaic in a `Manifest` as it finishes, and merges the catalogues across
mosaic overlaps. Dask is optional (``pip install 'lotss_tools[survey]'``):
this package imports without it, and ``client='synchronous'`` runs a small
survey in the current process.

One run at a time uses an output folder (`SurveyLock`), and a resumed run
skips only the mosaics done with the same parameters on the same input
files (`file_fingerprint`, `Manifest.why_not_done`).
"""

from .cluster import *  # noqa: F401,F403
from .fingerprint import *  # noqa: F401,F403
from .lock import *  # noqa: F401,F403
from .manifest import *  # noqa: F401,F403
from .footprints import *  # noqa: F401,F403
from .tasks import *  # noqa: F401,F403
from .summary import *  # noqa: F401,F403
from .result import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
