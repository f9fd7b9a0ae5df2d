"""Import the old app's users (Next.js + Prisma over Postgres) into MiMiVibes: an ops CLI, never packaged.

    python -m mimi_ops.legacy_import --legacy-dsn postgresql://... --dsn postgresql://... [--dry-run]

It reads the old database in one read-only snapshot, then calls public.import_legacy_user once per user with a LINE
id and public.import_legacy_referral once per invitation, in one transaction (rolled back under --dry-run), and
prints a report. The SQL functions (migration 0017) do every write and make a second run a no-op.
"""
