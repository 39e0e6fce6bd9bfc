"""Where survey tasks run: a Dask cluster, or this process one task at a time.

Dask is an optional dependency (the ``survey`` extra): it is imported only
when a survey runs on a cluster, and a missing installation gives an error
that says how to install it. ``client='synchronous'`` needs no Dask at all.
"""

import contextlib
import importlib.util
import logging
import numbers

from ..exceptions import InvalidParameterError

__all__ = ['import_distributed', 'check_executor_options', 'survey_executor', 'SYNCHRONOUS']

log = logging.getLogger(__name__)

#: Value of ``client`` that runs every task in this process, one after another.
SYNCHRONOUS = 'synchronous'

_INSTALL_HINT = ("running a survey on Dask needs dask.distributed: pip install "
                 "'lotss_tools[survey]' (or pass client='synchronous' to run the mosaics one "
                 "after another in this process).")


def import_distributed():
    """Import and return `dask.distributed`, or raise an ImportError saying how to install it.

    Returns
    -------
    module : module
        ``dask.distributed``.

    Raises
    ------
    ImportError
        If dask or distributed is not installed; the message names
        ``pip install 'lotss_tools[survey]'``.

    Examples
    --------
    >>> from lotss_tools.survey import import_distributed
    >>> distributed = import_distributed()
    >>> distributed.__name__
    'dask.distributed'
    """
    try:
        import dask.distributed as distributed
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    return distributed


def _require_distributed():
    """The ImportError of `import_distributed` if Dask is missing, without importing it."""
    try:
        spec = importlib.util.find_spec('dask.distributed')
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ImportError(_INSTALL_HINT)


def check_executor_options(client=None, *, n_workers=None, cluster_options=None):
    """Check the arguments of `survey_executor` without starting anything.

    `~lotss_tools.survey.run_survey` calls it first, so a bad argument is
    refused at once, also when there is no work left and no cluster is
    started.

    Parameters
    ----------
    client, n_workers, cluster_options
        As for `survey_executor`.

    Raises
    ------
    InvalidParameterError
        For ``n_workers`` (or ``cluster_options['n_workers']``) that is not
        a positive integer, or ``n_workers``/``cluster_options`` given with
        an existing client or scheduler address.
    TypeError
        For a ``client`` of another type.
    ImportError
        If a Dask cluster is asked for and Dask is not installed (the
        message says how to install it).

    Examples
    --------
    >>> from lotss_tools.survey import check_executor_options
    >>> check_executor_options(n_workers=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lotss_tools.exceptions.InvalidParameterError: n_workers must be a positive integer ..., not 0.
    """
    options = dict(cluster_options or {})
    for name, value in (('n_workers', n_workers),
                        ("cluster_options['n_workers']", options.get('n_workers'))):
        if value is not None and not (isinstance(value, numbers.Integral)
                                      and not isinstance(value, bool) and value > 0):
            raise InvalidParameterError(f'{name} must be a positive integer (workers of the new '
                                        f'Dask cluster), not {value!r}.')
    if isinstance(client, str) and client == SYNCHRONOUS:
        if n_workers is not None or cluster_options:
            raise InvalidParameterError("n_workers and cluster_options apply to a new "
                                        "LocalCluster (client=None), not to client='synchronous'.")
        return
    if client is not None:
        if n_workers is not None or cluster_options:
            raise InvalidParameterError('n_workers and cluster_options apply to a new '
                                        'LocalCluster (client=None), not to an existing client '
                                        'or scheduler.')
        if not isinstance(client, str):
            _require_distributed()
            from distributed import Client
            if not isinstance(client, Client):
                raise TypeError(f"client must be a dask.distributed.Client, a scheduler "
                                f"address, None or 'synchronous', not {type(client).__name__}.")
            return
    _require_distributed()


class _LazyFuture:
    """A task run in this process when its result is first asked for."""

    def __init__(self, key, function, args, kwargs):
        self.key = key
        self._call = (function, args, kwargs)
        self._outcome = None

    def result(self):
        if self._outcome is None:
            function, args, kwargs = self._call
            try:
                self._outcome = (True, function(*_resolve(args), **_resolve(kwargs)))
            except Exception as exc:  # handed to the caller, like a Dask future
                self._outcome = (False, exc)
            self._call = None
        ok, value = self._outcome
        if not ok:
            raise value
        return value


def _resolve(value):
    """Replace the futures in (nested lists, tuples and dicts of) arguments by their results."""
    if isinstance(value, _LazyFuture):
        return value.result()
    if isinstance(value, (list, tuple)):
        return type(value)(_resolve(v) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    return value


class SynchronousExecutor:
    """Runs the tasks in this process, one after another (no Dask needed).

    A task runs when its result is first asked for, so the survey records
    each mosaic as soon as it is done, as on a cluster.
    """

    name = 'synchronous (this process)'

    def submit(self, function, *args, key=None, **kwargs):
        return _LazyFuture(key, function, args, kwargs)

    def scatter(self, value):
        return value

    def as_completed(self, futures):
        return iter(futures)


class DaskExecutor:
    """Submits tasks to a `dask.distributed.Client` (pure=False: each run is new)."""

    def __init__(self, client):
        self.client = client
        workers = client.scheduler_info().get('workers', {})
        self.name = f'Dask scheduler {client.scheduler.address} ({len(workers)} workers)'

    def submit(self, function, *args, key=None, **kwargs):
        return self.client.submit(function, *args, key=key, pure=False, **kwargs)

    def scatter(self, value):
        return self.client.scatter(value, broadcast=False, hash=False)

    def as_completed(self, futures):
        distributed = import_distributed()
        return distributed.as_completed(futures)


@contextlib.contextmanager
def survey_executor(client=None, *, n_workers=None, cluster_options=None):
    """Context manager giving the executor that runs the survey tasks.

    Parameters
    ----------
    client : `dask.distributed.Client`, str or None
        An existing client (left open), the address of a running scheduler
        (``'tcp://host:8786'``; a client is opened and closed here), None
        for a new `dask.distributed.LocalCluster` on this machine (closed at
        the end), or ``'synchronous'`` to run the tasks in this process.
    n_workers : int, optional
        Workers of the new LocalCluster (default: Dask's choice for this
        machine). Only with ``client=None``.
    cluster_options : dict, optional
        More arguments of `~dask.distributed.LocalCluster` (the default is
        one thread per worker, worker processes, and the dashboard on a free
        port, logged at INFO level).

    Yields
    ------
    executor : object
        With ``submit``, ``scatter``, ``as_completed`` and ``name``.

    Examples
    --------
    >>> from lotss_tools.survey import survey_executor
    >>> with survey_executor('synchronous') as executor:
    ...     future = executor.submit(pow, 2, 10)
    ...     future.result()
    1024
    """
    check_executor_options(client, n_workers=n_workers, cluster_options=cluster_options)
    if isinstance(client, str) and client == SYNCHRONOUS:
        yield SynchronousExecutor()
        return
    if client is not None and not isinstance(client, str):
        yield DaskExecutor(client)
        return
    distributed = import_distributed()
    with contextlib.ExitStack() as stack:
        if client is None:
            options = dict(threads_per_worker=1, processes=True, dashboard_address='127.0.0.1:0')
            options.update(cluster_options or {})
            if n_workers is not None:
                options['n_workers'] = n_workers
            cluster = stack.enter_context(distributed.LocalCluster(**options))
            own = stack.enter_context(distributed.Client(cluster))
            log.info('started a LocalCluster with %d workers; dashboard %s',
                     len(cluster.workers), own.dashboard_link)
        else:
            try:
                own = stack.enter_context(distributed.Client(client, timeout='30s'))
            except OSError as exc:
                raise OSError(f'cannot connect to the Dask scheduler at {client!r} '
                              f'({exc}).') from exc
        yield DaskExecutor(own)
