"""Reference catalogues from VizieR: LoTSS DR2, AllWISE, DESI Legacy.

Queries go through `astroquery.vizier` with no row limit, come back with the
package's column names and units and a provenance record (catalogue, server,
query, time, versions, row count, SHA-256), are cached on disk, and can be
replaced by a pinned catalogue file anywhere. `confirm` re-injects rejected
radio candidates that have optical or infrared counterparts.
"""

from .exceptions import *  # noqa: F401,F403
from .columns import *  # noqa: F401,F403
from .cache import *  # noqa: F401,F403
from .region import *  # noqa: F401,F403
from .vizier import *  # noqa: F401,F403
from .lotss import *  # noqa: F401,F403
from .surveys import *  # noqa: F401,F403
from .skymodel import *  # noqa: F401,F403
from .xmatch import *  # noqa: F401,F403
from .confirm import *  # noqa: F401,F403
