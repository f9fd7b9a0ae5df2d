-- 0001 app_meta: facts about the deployed schema, and the health probe the health function calls.

create table public.app_meta (
  key text primary key,
  value text not null,
  updated_at timestamptz not null default now()
);
comment on table public.app_meta is 'Facts about the deployed schema (schema version and the like).';

alter table public.app_meta enable row level security;
revoke all on table public.app_meta from anon, authenticated;

insert into public.app_meta (key, value) values ('schema', 'mimivibes');

create function public.health() returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  select jsonb_build_object('db', 'ok', 'schema', (select value from public.app_meta where key = 'schema'))
$$;
comment on function public.health() is 'Liveness probe for the health function: proves PostgREST reaches Postgres.';

revoke execute on function public.health() from public, anon, authenticated;
grant execute on function public.health() to anon, authenticated, service_role;
