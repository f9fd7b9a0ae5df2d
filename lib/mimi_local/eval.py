"""Moved to mimi_ops.eval; this old name still runs it, for one release (mimi_local.moved)."""

from mimi_local.moved import forward

if __name__ == "__main__":
    forward("eval")
else:
    raise ImportError("mimi_local.eval moved to mimi_ops.eval: import it from there")
