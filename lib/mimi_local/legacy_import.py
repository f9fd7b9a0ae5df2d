"""Moved to mimi_ops.legacy_import; this old name still runs it, for one release (mimi_local.moved)."""

from mimi_local.moved import forward

if __name__ == "__main__":
    forward("legacy_import")
else:
    raise ImportError(
        "mimi_local.legacy_import moved to mimi_ops.legacy_import: import it from there"
    )
