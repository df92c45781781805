"""``python -m bot``: the command line of :mod:`bot.cli`."""

import sys

from .cli import main

sys.exit(main())
