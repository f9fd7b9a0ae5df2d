"""What runs against a real environment or builds for it: migrate, the admins CLI, the legacy import, the eval,
package, openapi and cacerts (the build), deploy_check, supabase_keys, schedules, smoke and sizing.

Never packaged into a function; imports `mimi`, never `mimi_local` (tests/test_layout.py).
"""
