"""Moved to mimi_ops.migrate; this old name still runs it, for one release (mimi_local.moved)."""

from mimi_local.moved import forward

if __name__ == "__main__":
    forward("migrate")
else:
    raise ImportError("mimi_local.migrate moved to mimi_ops.migrate: import it from there")
