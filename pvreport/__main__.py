"""``python -m pvreport``: the same command as ``pvreport``."""

import sys

from .cli import main

sys.exit(main())
