-- 0002 users: app users keyed by an internal UUID (the LINE `sub` is a unique column), and refresh tokens
-- (only their SHA-256 is stored) grouped in families for rotation and reuse detection.

create schema if not exists private;
revoke all on schema private from public, anon, authenticated;
grant usage on schema private to service_role;
comment on schema private is 'Internals: never exposed through PostgREST; reached only through public functions.';

create table public.users (
  id uuid primary key default gen_random_uuid(),
  line_user_id text not null unique check (line_user_id ~ '^U[0-9a-f]{32}$'),
  display_name text not null check (char_length(display_name) between 1 and 100),
  picture_url text check (picture_url is null or char_length(picture_url) <= 1000),
  language text not null default 'th' check (language in ('th', 'en')),
  referral_code text not null unique check (referral_code ~ '^[A-Z0-9]{8}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_login_at timestamptz not null default now()
);
comment on table public.users is 'One row per MiMiVibes user; created at first LINE login.';

alter table public.users enable row level security;
revoke all on table public.users from anon, authenticated;
grant select on table public.users to authenticated;

create policy "Users can read their own profile" on public.users
  for select to authenticated using ((select auth.uid()) = id);

create table private.refresh_tokens (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references public.users (id) on delete cascade,
  family_id uuid not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
comment on table private.refresh_tokens is 'SHA-256 of refresh tokens; a family is one login, rotated on every use.';
create index refresh_tokens_family_idx on private.refresh_tokens (family_id);
alter table private.refresh_tokens enable row level security;

create function private.new_referral_code() returns text
language sql volatile
set search_path = ''
as $$
  select string_agg(substr('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 1 + floor(random() * 32)::int, 1), '')
  from generate_series(1, 8)
$$;

create function public.rotate_refresh_token(p_old_hash text, p_new_hash text, p_ttl_s int)
returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  t private.refresh_tokens;
begin
  select * into t from private.refresh_tokens where token_hash = p_old_hash for update;
  if not found or t.revoked_at is not null then
    raise exception using errcode = 'PT401', message = 'refresh_token_invalid',
      detail = 'The refresh token is not valid. Please log in again.';
  end if;
  if t.used_at is not null then
    update private.refresh_tokens set revoked_at = now() where family_id = t.family_id and revoked_at is null;
    return null;  -- reuse detected: the family is revoked (committed); the caller answers 401
  end if;
  if t.expires_at <= now() then
    raise exception using errcode = 'PT401', message = 'refresh_token_expired',
      detail = 'The session has expired. Please log in again.';
  end if;
  update private.refresh_tokens set used_at = now() where token_hash = p_old_hash;
  insert into private.refresh_tokens (token_hash, user_id, family_id, expires_at)
  values (p_new_hash, t.user_id, t.family_id, now() + make_interval(secs => p_ttl_s));
  return t.user_id;
end
$$;
comment on function public.rotate_refresh_token is
  'Exchanges a refresh token for a new one; a reused token revokes its whole family and returns null.';

create function public.revoke_refresh_family(p_token_hash text)
returns boolean
language sql volatile security definer
set search_path = ''
as $$
  with fam as (select family_id from private.refresh_tokens where token_hash = p_token_hash)
  update private.refresh_tokens r set revoked_at = coalesce(r.revoked_at, now())
  from fam where r.family_id = fam.family_id
  returning true
$$;
comment on function public.revoke_refresh_family is 'Logout: revokes every token of the family (server only).';

revoke execute on function private.new_referral_code() from public;
revoke execute on function public.rotate_refresh_token(text, text, int) from public, anon, authenticated;
revoke execute on function public.revoke_refresh_family(text) from public, anon, authenticated;
grant execute on function public.rotate_refresh_token(text, text, int) to service_role;
grant execute on function public.revoke_refresh_family(text) to service_role;
