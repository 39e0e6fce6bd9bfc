"""The ``lotss-tools`` command line: thin wrappers around the library.

Each subcommand parses its arguments, calls one library function and
reports what it did; there is no science here.
"""

import logging
import sys

from .parser import build_parser

__all__ = ['main', 'build_parser']


def main(argv=None):
    """Run ``lotss-tools``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='%(levelname)s %(name)s: %(message)s')
    from ..exceptions import LotssToolsError      # not before: --version and --help stay light
    try:
        return args.func(args)
    except (LotssToolsError, FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f'lotss-tools {args.command}: error: {exc}', file=sys.stderr)
        return 2
