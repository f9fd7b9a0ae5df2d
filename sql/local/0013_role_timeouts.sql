-- Supabase's per-role statement timeouts (its defaults), for a plain Postgres: anon 3 s, authenticated 8 s, and
-- 8 s for the authenticator login the API connects as (service_role runs under it). The local PostgREST gateway
-- applies the impersonated role's settings in each transaction, as PostgREST does.
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
