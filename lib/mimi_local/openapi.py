"""Moved to mimi_ops.openapi; this old name still runs it, for one release (mimi_local.moved)."""

from mimi_local.moved import forward

if __name__ == "__main__":
    forward("openapi")
else:
    raise ImportError("mimi_local.openapi moved to mimi_ops.openapi: import it from there")
