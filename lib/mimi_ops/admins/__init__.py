"""Seeding the admin list: `python -m mimi_ops.admins add|remove|list` (see mimi_ops.admins.cli)."""
