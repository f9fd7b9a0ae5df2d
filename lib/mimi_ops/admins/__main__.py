"""python -m mimi_local.admins: see mimi_local.admins.cli."""

import sys

from mimi_local.admins.cli import main

sys.exit(main())
