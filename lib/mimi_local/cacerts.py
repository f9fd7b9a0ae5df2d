"""Moved to mimi_ops.cacerts; this old name still runs it, for one release (mimi_local.moved)."""

from mimi_local.moved import forward

if __name__ == "__main__":
    forward("cacerts")
else:
    raise ImportError("mimi_local.cacerts moved to mimi_ops.cacerts: import it from there")
