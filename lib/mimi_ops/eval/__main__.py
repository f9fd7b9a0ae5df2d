"""python -m mimi_local.eval: run the golden set (see run.py)."""

import sys

from mimi_local.eval.run import main

sys.exit(main())
