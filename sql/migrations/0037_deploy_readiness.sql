-- 0037: what a real Supabase project needs that a plain Postgres never showed (issue 23).
--   1. pg_graphql is dropped, not revoked: on Supabase the extension and its schemas belong to supabase_admin, so
--      0012's revokes, run as postgres, changed nothing there. Nothing here uses GraphQL; dropping the extension
--      removes the /graphql/v1 endpoint's schema with it. A plain Postgres has no pg_graphql: nothing to do.
--   2. The service role's statement timeout, set on purpose: PostgREST runs a service-key request under the
--      service_role's settings, which Supabase leaves at the authenticator's 8 s. The nightly reconcile's ledger
--      check reads the whole ledger once (an index scan: about 1 s per million rows on a small instance); 25 s
--      keeps it working as the ledger grows, below the reconcile function's 60 s Lambda timeout, and still ends a
--      runaway statement long before the processor's own 150 s. The anon (3 s) and authenticated (8 s) users
--      keep Supabase's defaults.

drop extension if exists pg_graphql;

alter role service_role set statement_timeout = '25s';
