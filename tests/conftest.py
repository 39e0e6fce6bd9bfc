"""Shared fixtures of the test suite."""

from pathlib import Path

import matplotlib

matplotlib.use('Agg')

#: Small real LoTSS files copied from the project's shared data.
DATA_DIR = Path(__file__).parent / 'data'
