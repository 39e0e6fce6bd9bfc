"""``python -m lotss_tools`` is the ``lotss-tools`` command."""

from .cli import main

raise SystemExit(main())
