"""The old names of the tools that moved to mimi_ops (issue 24), kept for one release.

`python -m mimi_local.<name>` says on stderr where the command went, then runs `python -m mimi_ops.<name>` with
the same arguments. mimi_ops is named here as text and run with runpy, never imported (tests/test_layout.py).
"""

from __future__ import annotations

import runpy
import sys

MOVED = ("admins", "cacerts", "eval", "legacy_import", "migrate", "openapi", "package")


def forward(name: str) -> None:
    """Say where `mimi_local.<name>` moved, then run `mimi_ops.<name>` as the main module."""
    print(
        f"python -m mimi_local.{name} has moved to python -m mimi_ops.{name};"
        " the old name will be removed in the next release",
        file=sys.stderr,
    )
    runpy.run_module(f"mimi_ops.{name}", run_name="__main__", alter_sys=True)
