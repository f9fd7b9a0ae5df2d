-- 0012 least privilege: tables change only through the SQL functions (SECURITY DEFINER, owned by the migration
-- role), for every API role, service_role included; nobody but the owner touches a sequence; GraphQL, which this
-- backend does not use, is closed; and what later migrations create starts closed, so each grant is explicit.
--
-- Supabase grants anon, authenticated and service_role everything on new tables, sequences and functions in
-- public (sql/local replays those defaults on a plain Postgres). Reads stay as the earlier migrations granted
-- them (column lists and RLS policies); every write privilege goes.

revoke insert, update, delete, truncate, references, trigger on all tables in schema public
  from anon, authenticated, service_role;
revoke all on all sequences in schema public from anon, authenticated, service_role;
revoke usage on schema private from service_role;  -- private is reached only through public functions

-- User functions act on auth.uid(): the service role (no user of its own) has no use for them.
revoke execute on function public.exchange_coins(integer, text), public.daily_check_in(),
  public.referral_summary(), public.my_profile(), public.update_profile(text, text),
  public.submit_reading(text, text, text), public.cancel_reading(uuid), public.delete_reading(uuid),
  public.review_reading(uuid, integer, text), public.reading_history(integer, uuid),
  public.record_payment_intent(text, text, text)
  from service_role;

-- What the migration role creates from now on starts closed; each migration grants what it means to.
alter default privileges in schema public revoke all on tables from anon, authenticated, service_role;
alter default privileges in schema public revoke all on sequences from anon, authenticated, service_role;
alter default privileges in schema public revoke all on functions from anon, authenticated, service_role;
alter default privileges revoke execute on functions from public;

/** GraphQL (pg_graphql and its graphql_public endpoint on Supabase) is not used: nobody may call it. A plain
 * Postgres has neither schema, so this does nothing there. Kept as a function so a test can check it. */
create function private.close_graphql() returns void
language plpgsql
set search_path = ''
as $$
declare
  s text;
begin
  foreach s in array array['graphql_public', 'graphql'] loop
    if exists (select 1 from pg_catalog.pg_namespace where nspname = s) then
      execute format('revoke all on schema %I from public, anon, authenticated, service_role', s);
      execute format('revoke all on all functions in schema %I from public, anon, authenticated, service_role', s);
      execute format('revoke all on all tables in schema %I from public, anon, authenticated, service_role', s);
      execute format('revoke all on all sequences in schema %I from public, anon, authenticated, service_role', s);
    end if;
  end loop;
end
$$;
revoke execute on function private.close_graphql() from public;
select private.close_graphql();
