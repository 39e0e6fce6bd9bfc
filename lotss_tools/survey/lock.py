"""`SurveyLock`: one survey run at a time in an output folder.

The lock is an operating-system lock (``fcntl.flock``, exclusive,
non-blocking) on the file ``survey.lock`` in the output folder, held for the
whole run. The file also holds the details of its holder (host, process
id, start time, command line, parameters hash) as JSON, so a second run
that finds the folder locked refuses at once with a message naming them.

The kernel releases the lock when its holder exits, whatever the way (also
``kill -9`` or a crash), so a dead run never blocks the next one: the next
run takes the lock, logs that the previous holder ended without releasing
it, and resumes. A run that ends normally empties the file.

``flock`` works between processes of one machine and, on Linux, across
the clients of an NFS server (it is emulated with POSIX locks there). A file
system without locks (Lustre mounted without ``flock``, or Windows, where
``fcntl`` does not exist) gives a `SurveyLockWarning` and the run goes on
unprotected: make sure no two runs share the folder.
"""

import errno
import json
import logging
import os
import shlex
import socket
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

from ..exceptions import LotssToolsError, LotssToolsWarning

try:
    import fcntl
except ImportError:     # Windows
    fcntl = None

__all__ = ['SurveyLock', 'SurveyLockedError', 'SurveyLockWarning', 'LOCK_FILE']

log = logging.getLogger(__name__)

#: Name of the lock file in a survey's output folder.
LOCK_FILE = 'survey.lock'

#: errno values of a file system that does not do flock.
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


class SurveyLockedError(LotssToolsError, RuntimeError):
    """Another survey run holds the output folder; the message names it.

    Attributes
    ----------
    holder : dict
        What the holder wrote in the lock file (``host``, ``pid``,
        ``started``, ``command``, ``parameters_hash``); empty if it had not
        written it yet.
    """

    def __init__(self, message, holder=None):
        super().__init__(message)
        self.holder = dict(holder or {})


class SurveyLockWarning(LotssToolsWarning):
    """The output folder could not be locked (no file locks here); the run is unprotected."""


def _describe_holder(holder):
    if not holder:
        return 'a run that has not written its details yet'
    command = holder.get('command') or '?'
    phash = str(holder.get('parameters_hash') or '?')[:12]
    return (f"host {holder.get('host', '?')}, pid {holder.get('pid', '?')}, started "
            f"{holder.get('started', '?')}, parameters {phash}, command {command!r}")


def _read_holder(handle):
    handle.seek(0)
    text = handle.read()
    if not text.strip():
        return {}
    try:
        holder = json.loads(text)
    except ValueError:
        return {'command': text.strip()[:200]}
    return holder if isinstance(holder, dict) else {}


class SurveyLock:
    """Exclusive lock on a survey's output folder, held by one run.

    Parameters
    ----------
    folder : str or `os.PathLike`
        The output folder (must exist).
    parameters_hash : str
        Hash of the run's parameters, written for whoever finds the lock.
    command : str, optional
        The command that runs the survey; default the process's command
        line.

    Attributes
    ----------
    path : `pathlib.Path`
        The lock file.
    previous_holder : dict or None
        After `acquire`: the details left in the file by a run that ended
        without releasing the lock (killed, crashed); None if the last run
        ended normally.

    Raises
    ------
    SurveyLockedError
        From `acquire` (or ``with``), if another run holds the folder.

    Examples
    --------
    >>> import tempfile
    >>> from lotss_tools.survey import SurveyLock, SurveyLockedError
    >>> folder = tempfile.mkdtemp()
    >>> with SurveyLock(folder, parameters_hash='abc123'):
    ...     try:
    ...         SurveyLock(folder).acquire()
    ...     except SurveyLockedError as exc:
    ...         print(exc.holder['parameters_hash'])
    abc123
    """

    def __init__(self, folder, *, parameters_hash='', command=None):
        self.path = Path(folder) / LOCK_FILE
        self.parameters_hash = parameters_hash
        if command is None:
            command = shlex.join(getattr(sys, 'orig_argv', sys.argv))
        self.command = command if len(command) <= 300 else command[:297] + '...'
        self.previous_holder = None
        self._handle = None
        self._locked = False

    def acquire(self):
        """Take the lock, or raise `SurveyLockedError` naming its holder; returns self."""
        if self._handle is not None:
            raise RuntimeError(f'{self.path}: this SurveyLock is already acquired.')
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        handle = os.fdopen(fd, 'r+', encoding='utf-8')
        try:
            state = self._flock(handle)
            if state == 'busy':
                holder = _read_holder(handle)
                raise SurveyLockedError(
                    f'{self.path.parent}: another survey run is using this output folder '
                    f'({_describe_holder(holder)}); wait for it to end, or give another '
                    f'output folder.', holder)
            self._locked = state == 'locked'
            previous = _read_holder(handle)
            self.previous_holder = previous or None
            if previous and self._locked:
                log.warning('%s: the previous survey run (%s) ended without releasing the '
                            'lock (killed or crashed); resuming after it.', self.path.parent,
                            _describe_holder(previous))
            holder = {'host': socket.gethostname(), 'pid': os.getpid(),
                      'started': datetime.now(timezone.utc).isoformat(timespec='seconds'),
                      'command': self.command, 'parameters_hash': self.parameters_hash}
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(holder, sort_keys=True) + '\n')
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return self

    def _flock(self, handle):
        """'locked', 'busy' (another holder) or 'unsupported' (warned)."""
        if fcntl is None:
            reason = 'fcntl.flock is not available on this platform'
        else:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return 'locked'
            except BlockingIOError:
                return 'busy'
            except OSError as exc:
                if exc.errno not in _NO_LOCKS:
                    raise
                reason = exc.strerror or str(exc)
        warnings.warn(f'{self.path}: cannot lock the survey output folder ({reason}); make '
                      f'sure no other survey run writes into it.', SurveyLockWarning,
                      stacklevel=4)
        return 'unsupported'

    def release(self):
        """Empty the lock file (a normal end) and release the lock."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
        finally:
            if self._locked:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
            self._locked = False

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()

    def __repr__(self):
        state = 'held' if self._handle is not None else 'not held'
        return f'<SurveyLock {self.path} ({state})>'
