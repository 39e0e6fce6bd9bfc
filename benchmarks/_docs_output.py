"""Copy what a benchmark prints into ``docs/benchmarks/<name>.txt`` (``--write-docs``).

The documentation includes these files (``docs/benchmarks.rst``), so the
numbers it shows are the ones a script measured, with the command, the date
and the machine on the first line.
"""

import io
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from lotss_tools.io import atomic_path

DOCS = Path(__file__).resolve().parent.parent / 'docs' / 'benchmarks'


class _Tee(io.TextIOBase):
    """A text stream writing to several streams."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self):
        for stream in self.streams:
            stream.flush()


@contextmanager
def record_output(name, enabled=True, argv=None):
    """Print as usual and, if ``enabled``, also write the output to ``docs/benchmarks/name.txt``.

    The file is written (atomically) only when the block finishes without error.
    """
    if not enabled:
        yield None
        return
    buffer = io.StringIO()
    stdout = sys.stdout
    sys.stdout = _Tee(stdout, buffer)
    try:
        yield buffer
    finally:
        sys.stdout = stdout
    argv = sys.argv if argv is None else argv
    command = ' '.join(['python', f'benchmarks/{Path(argv[0]).name}']
                       + [a for a in argv[1:] if a != '--write-docs'])
    header = f'# {command}, {time.strftime("%Y-%m-%d")}, {os.cpu_count()} cores\n\n'
    path = DOCS / f'{name}.txt'
    with atomic_path(path, overwrite=True) as tmp:
        tmp.write_text(header + buffer.getvalue().lstrip('\n'))
    print(f'\nwrote {path}')
