"""python -m mimi_ops.eval: run the golden set (see run.py)."""

import sys

from mimi_ops.eval.run import main

sys.exit(main())
