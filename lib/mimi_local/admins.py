"""Moved to mimi_ops.admins; this old name still runs it, for one release (mimi_local.moved)."""

from mimi_local.moved import forward

if __name__ == "__main__":
    forward("admins")
else:
    raise ImportError("mimi_local.admins moved to mimi_ops.admins: import it from there")
