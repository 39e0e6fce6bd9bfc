"""File fingerprints: what a survey recorded about a file, and whether the file still matches.

A fingerprint is the file's size, modification and status-change times
(``st_mtime_ns``, ``st_ctime_ns``) and the SHA-256 of its bytes. The survey
records one for each input mosaic (taken by the task, just before it reads
the mosaic) and for each output file, and checks them on resume:

- size, mtime and ctime all as recorded: the file is taken as unchanged
  without reading it (the status-change time cannot be set by a user: any
  write, copy over, rename into place, ``touch`` or ``chmod`` moves it);
- any of them different: the file is read again and its SHA-256 decides.
  The same checksum means the same bytes (a copy, a ``touch``): the
  fingerprint is refreshed and the file counts as unchanged. Another
  checksum means the file changed.

A file whose modification time is within `RACY_SECONDS` of the moment its
fingerprint was taken might still have been changing in the same clock
tick; its times are not trusted and it is hashed again on the next check
(as git does for "racily clean" files). The outputs a task has just written
whole (renamed into place) are exempt.

The checksum is of the file's bytes (header and data, compressed or not),
read in chunks (`lotss_tools.provenance.file_sha256`): about 0.5 s for a
400 MB mosaic of 10000 x 10000 float32 pixels at 0.9 GB/s.
"""

import os
import time
from pathlib import Path

from ..provenance import file_sha256

__all__ = ['file_fingerprint', 'check_fingerprint', 'FINGERPRINT_STATES']
#: Files modified less than this many seconds before their fingerprint was taken are hashed
#: again at the next check instead of being trusted on their times.
RACY_SECONDS = 2.0
#: What `check_fingerprint` can answer, and what each means.
FINGERPRINT_STATES = {
    'unchanged': 'size and times as recorded (not read again)',
    'same-content': 'times or size moved but the SHA-256 is the recorded one',
    'changed': 'the SHA-256 differs from the recorded one',
    'missing': 'the file does not exist (or cannot be read)',
    'unknown': 'nothing usable was recorded for it',
}


def _stat_fields(stat, taken, trust_times):
    """Size and times of a stat result; times omitted when they may not be trusted."""
    fields = {'size': int(stat.st_size)}
    if trust_times or taken - stat.st_mtime_ns / 1e9 >= RACY_SECONDS:
        fields.update(mtime_ns=int(stat.st_mtime_ns), ctime_ns=int(stat.st_ctime_ns))
    return fields


def file_fingerprint(path, *, trust_times=False):
    """Fingerprint of a file: size, times and the SHA-256 of its bytes.

    The file is stat'ed before it is read, so a file that changes while it
    is hashed has other times at the next check and is hashed again.

    Parameters
    ----------
    path : str or `os.PathLike`
    trust_times : bool
        Record the times even if the file was modified within
        `RACY_SECONDS`: for a file this process has just written whole
        (renamed into place by `lotss_tools.io.atomic_path`).

    Returns
    -------
    fingerprint : dict
        ``size`` (bytes), ``mtime_ns`` and ``ctime_ns`` (absent when the
        file was modified within `RACY_SECONDS`), ``sha256``.

    Raises
    ------
    OSError
        If the file cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.survey.fingerprint import file_fingerprint
    >>> path = tempfile.mkstemp()[1]
    >>> _ = open(path, 'wb').write(b'abc')
    >>> fingerprint = file_fingerprint(path)
    >>> fingerprint['size'], fingerprint['sha256'][:8]
    (3, 'ba7816bf')
    """
    taken = time.time()
    fields = _stat_fields(os.stat(path), taken, trust_times)
    fields['sha256'] = file_sha256(path)
    return fields


def check_fingerprint(path, recorded):
    """Whether a file still matches its recorded fingerprint.

    Parameters
    ----------
    path : str or `os.PathLike`
    recorded : dict or None
        A fingerprint from `file_fingerprint`.

    Returns
    -------
    state : str
        One of `FINGERPRINT_STATES`: ``'unchanged'``, ``'same-content'``,
        ``'changed'``, ``'missing'`` or ``'unknown'``.
    fingerprint : dict or None
        The file's current fingerprint when it was hashed again (states
        ``'same-content'`` and ``'changed'``), to record in place of the
        old one; None otherwise.

    Examples
    --------
    >>> import os, tempfile
    >>> from lotss_tools.survey.fingerprint import check_fingerprint, file_fingerprint
    >>> path = tempfile.mkstemp()[1]
    >>> _ = open(path, 'wb').write(b'abc')
    >>> recorded = file_fingerprint(path)
    >>> check_fingerprint(path, recorded)[0] in ('unchanged', 'same-content')
    True
    >>> _ = open(path, 'wb').write(b'abd')
    >>> check_fingerprint(path, recorded)[0]
    'changed'
    """
    if not isinstance(recorded, dict) or not recorded.get('sha256'):
        return 'unknown', None
    try:
        stat = os.stat(path)
    except OSError:
        return 'missing', None
    if (stat.st_size == recorded.get('size')
            and stat.st_mtime_ns == recorded.get('mtime_ns')
            and stat.st_ctime_ns == recorded.get('ctime_ns')):
        return 'unchanged', None
    if stat.st_size != recorded.get('size'):
        return 'changed', None     # no need to read it: other bytes
    try:
        current = file_fingerprint(Path(path))
    except OSError:
        return 'missing', None
    state = 'same-content' if current['sha256'] == recorded['sha256'] else 'changed'
    return state, current
