"""python -m mimi_ops.legacy_import: see mimi_ops.legacy_import.cli."""

import sys

from mimi_ops.legacy_import.cli import main

sys.exit(main())
