"""python -m mimi_local.legacy_import: see mimi_local.legacy_import.cli."""

import sys

from mimi_local.legacy_import.cli import main

sys.exit(main())
