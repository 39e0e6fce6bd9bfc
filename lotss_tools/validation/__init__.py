"""Validation skies made independently of the package's own assumptions."""
from .stations import *  # noqa: F401,F403
from .synthesis import *  # noqa: F401,F403
from .population import *  # noqa: F401,F403
from .sky import *  # noqa: F401,F403
from .statistics import *  # noqa: F401,F403
