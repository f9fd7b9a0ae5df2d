"""Moved to mimi_ops.package; this old name still runs it, for one release (mimi_local.moved)."""

from mimi_local.moved import forward

if __name__ == "__main__":
    forward("package")
else:
    raise ImportError("mimi_local.package moved to mimi_ops.package: import it from there")
