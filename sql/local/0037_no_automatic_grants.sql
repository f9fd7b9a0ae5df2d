-- Supabase stopped granting new tables, sequences and functions in `public` to anon, authenticated and
-- service_role automatically (projects created from 2026-10-30 get no such default privileges). 0001 replayed the
-- old default so that a migration forgetting to revoke behaved here as it did there; now a migration that forgets
-- to GRANT must fail here as it would fail there. Applied only on local clusters, after 0001 and before every
-- migration on a new cluster.

alter default privileges in schema public revoke all on tables from anon, authenticated, service_role;
alter default privileges in schema public revoke all on sequences from anon, authenticated, service_role;
alter default privileges in schema public revoke all on functions from anon, authenticated, service_role;
