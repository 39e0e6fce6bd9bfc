"""The ``lotss-tools`` command line: thin wrappers around the library.

Each subcommand parses its arguments, checks its outputs, calls the library
and reports what it did; there is no science here.

`main` owns the program's messages:

- an ordinary fault (a file that cannot be read or written, a full disk, a
  folder where a file should be, a unit that does not convert, a bad value,
  any error of the package) is one line on stderr,
  ``lotss-tools COMMAND: error: ...``, and exit status 2; ``--debug`` shows
  the traceback instead. A run that partly failed (a survey with failed
  mosaics) exits with 1. Ctrl-C exits with 130 and one line. A closed
  standard output (``lotss-tools ... | head -1``) ends the program quietly,
  as Unix tools do (status 141, 128 + SIGPIPE).
- warnings are printed once each, as ``lotss-tools COMMAND: warning: ...``;
  log messages of the package likewise (``-v`` adds progress); Dask and
  other libraries speak only from WARNING up (everything with ``--debug``).
"""

import contextlib
import logging
import os
import sys
import warnings

from .parser import build_parser

__all__ = ['main', 'build_parser', 'EXIT_OK', 'EXIT_PARTLY_FAILED', 'EXIT_ERROR',
           'EXIT_INTERRUPTED', 'EXIT_BROKEN_PIPE']

#: Exit statuses of ``lotss-tools``.
EXIT_OK, EXIT_PARTLY_FAILED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141

#: Library phrasings (Python arguments) and how the command line says them,
#: with the option the command must have for the rewording to apply.
CLI_WORDING = [
    ('overwrite', 'pass overwrite=True to replace it', 'add --overwrite to replace it'),
    ('beam', 'Pass beam=6*u.arcsec (or a radio_beam.Beam) to supply it',
     'Give it with --beam, e.g. --beam 6arcsec'),
    ('unit', 'Pass unit="Jy/beam" if that is what the data are',
     "Give --unit 'Jy/beam' if that is what the data are"),
    ('area', 'Pass area= as a solid angle, cone_area(radius) or the Mosaic',
     'Give the area with --area DEG2'),
    ('scheduler', "pass client='synchronous' to run",
     'give --scheduler synchronous to run'),
    ('no_resume', 'pass resume=False to start again', 'run with --no-resume to start again'),
    ('min_value', 'Give min_value explicitly', 'Give --min-value explicitly'),
]


def _speak_cli(message, args):
    """Reword a library message with the command's options."""
    for option, library, cli in CLI_WORDING:
        if hasattr(args, option):
            message = message.replace(library, cli)
    return message


def _one_line(text):
    return ' '.join(str(text).split())


def describe_error(exc, args):
    """The one-line message of an exception, in the command line's words.

    Parameters
    ----------
    exc : BaseException
    args : `argparse.Namespace`
        The parsed command line (its options decide the wording).

    Returns
    -------
    message : str
        Without the ``lotss-tools COMMAND: error:`` prefix.
    """
    from ..exceptions import LotssToolsError
    if isinstance(exc, OSError) and exc.strerror and not isinstance(exc, LotssToolsError):
        # '[Errno 28] No space left on device: 'x'' -> 'x: No space left on device'
        where = ' -> '.join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
        text = f'{where}: {exc.strerror}' if where else exc.strerror
    elif isinstance(exc, MemoryError):
        text = ('not enough memory' + (' (try --tile-size to process the mosaic in pieces)'
                                       if hasattr(args, 'tile_size') else ''))
    elif isinstance(exc, KeyError) and not isinstance(exc, LotssToolsError):
        text = f'missing key or column {exc}'
    else:
        text = str(exc) or type(exc).__name__
    return _one_line(_speak_cli(text, args))


def _is_ordinary(exc):
    """Faults of the input or the machine, as opposed to bugs of the program."""
    from astropy.units import UnitsError

    from ..exceptions import LotssToolsError
    return isinstance(exc, (LotssToolsError, OSError, ValueError, UnitsError, MemoryError,
                            ImportError, KeyError))


class _MessageFormatter(logging.Formatter):
    """``lotss-tools COMMAND: [warning: ]message``; tracebacks only with --debug."""

    def __init__(self, program, debug):
        super().__init__()
        self.program, self.debug = program, debug

    def format(self, record):
        message = record.getMessage()
        level = '' if record.levelno < logging.WARNING else f'{record.levelname.lower()}: '
        source = '' if record.name.startswith('lotss_tools') else f'{record.name}: '
        text = f'{self.program}: {level}{source}{message}'
        if self.debug and record.exc_info:
            text += '\n' + self.formatException(record.exc_info)
        return text


class _MessageFilter(logging.Filter):
    """The package's messages from WARNING (INFO with -v, DEBUG with --debug); other
    libraries' from WARNING (INFO with --debug); none of astropy's or astroquery's loggers,
    which print their own, and no tornado tracebacks without --debug."""

    def __init__(self, verbose, debug):
        super().__init__()
        self.package_level = (logging.DEBUG if debug else logging.INFO if verbose
                              else logging.WARNING)
        self.other_level = logging.INFO if debug else logging.WARNING
        self.debug = debug

    def filter(self, record):
        top = record.name.split('.')[0]
        if top == 'lotss_tools':
            return record.levelno >= self.package_level
        if top in ('astropy', 'astroquery'):
            return False
        if top == 'tornado' and not self.debug:
            return False
        return record.levelno >= self.other_level


@contextlib.contextmanager
def _messages(program, args):
    """Route log records and warnings to one-line messages on stderr, for one run."""
    import astropy  # noqa: F401  (its logger hooks warnings.showwarning on import: before ours)
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_MessageFormatter(program, args.debug))
    handler.addFilter(_MessageFilter(args.verbose, args.debug))
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if args.debug else logging.INFO if args.verbose
                  else logging.WARNING)
    shown = set()

    def show(message, category, filename, lineno, file=None, line=None):
        from ..exceptions import LotssToolsWarning
        key = (category, str(message))
        if key in shown:
            return
        shown.add(key)
        kind = '' if issubclass(category, LotssToolsWarning) else f'{category.__name__}: '
        text = _speak_cli(_one_line(message), args)
        where = f' ({filename}:{lineno})' if args.debug else ''
        print(f'{program}: warning: {kind}{text}{where}', file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = show
            yield
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)


def _stdout_is_broken():
    """Whether standard output is a pipe whose reader has gone (``... | head -1``)."""
    try:
        fd = sys.stdout.fileno()
    except Exception:      # not a real file (a captured stream)
        return False
    try:
        import select
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):     # no poll() on this system
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            return True
        except Exception:
            return False
        return False


def _silence_stdout():
    """Point standard output at /dev/null so that the exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except Exception:   # not a real file (a captured stream): nothing to protect
        pass


def main(argv=None):
    """Run ``lotss-tools``; returns the exit status (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    program = f'lotss-tools {args.command}'
    try:
        with _messages(program, args):
            status = args.func(args)
            sys.stdout.flush()      # a closed pipe shows here, not at interpreter exit
            return status
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f'{program}: interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError as exc:
        if _stdout_is_broken():
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        if args.debug:
            raise
        print(f'{program}: error: {describe_error(exc, args)}', file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if args.debug:
            raise
        if _is_ordinary(exc):
            print(f'{program}: error: {describe_error(exc, args)}', file=sys.stderr)
        else:
            print(f'{program}: internal error: {type(exc).__name__}: '
                  f'{describe_error(exc, args)} (this is a bug of lotss_tools: run again with '
                  '--debug and report the traceback)', file=sys.stderr)
        return EXIT_ERROR
