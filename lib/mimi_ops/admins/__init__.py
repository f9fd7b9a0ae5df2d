"""Seeding the admin list: `python -m mimi_local.admins add|remove|list` (see mimi_local.admins.cli)."""
