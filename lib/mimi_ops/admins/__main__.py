"""python -m mimi_ops.admins: see mimi_ops.admins.cli."""

import sys

from mimi_ops.admins.cli import main

sys.exit(main())
