-- 0033 share links that only the link opens.
--
--   token     the public view takes the raw token and hashes it here: the stored SHA-256 opens nothing. The one
--             SECURITY DEFINER function that reads a shared reading lives in the schema `sharing`, which PostgREST
--             does not expose; `public.shared_reading` is a SECURITY INVOKER wrapper that anon may call. So no
--             SECURITY DEFINER function anon can run through /rest/v1/rpc is left but `health` (Supabase's
--             splinter lint 0028, checked by tests/sql/test_supabase_lints.py).
--   limits    a reading gets at most `shares_per_reading_per_hour` new links in any hour and a user
--             `shares_per_user_per_hour`, revoked ones included (revoking and re-creating no longer goes around
--             the 20 live links), counted under the wallet lock as the reading limits are.
--   purge     revoked links are deleted `revoked_shares_kept_s` after their revocation (at least an hour, so the
--             limits still see them), by share_reading itself: each new link purges up to 100 expired rows of
--             anyone's, oldest first.

insert into public.app_settings (key, value, description, min_value, max_value) values
  ('shares_per_reading_per_hour', 5, 'New share links one reading may get in any hour (enforced in share_reading)',
   1, 100),
  ('shares_per_user_per_hour', 20, 'New share links a user may make in any hour (enforced in share_reading)', 1, 1000),
  ('revoked_shares_kept_s', 86400, 'Seconds a revoked share link is kept before share_reading purges it',
   3600, 2592000);

create index reading_shares_revoked_idx on private.reading_shares (revoked_at) where revoked_at is not null;

-- ---- the public view: the raw token, hashed in SQL ----------------------------------------------------------------

create schema sharing;
revoke all on schema sharing from public;
grant usage on schema sharing to anon, authenticated;
comment on schema sharing is
  'Not exposed through PostgREST: the share-link lookup, reached only through public.shared_reading.';

/** The minimal view behind a live link (cards, header, final; the question if the owner chose), by its raw token. */
create function sharing.reading_by_token(p_token text) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  found_view jsonb;
begin
  if p_token is not null and p_token ~ '^[A-Za-z0-9_-]{43}$' then
    select jsonb_build_object('language', r.language, 'header', r.result ->> 'header',
        'final', r.result ->> 'final', 'cards', private.shared_cards(r.cards),
        'question', case when s.include_question then r.question end)
      into found_view
    from private.reading_shares s
    join public.readings r on r.id = s.reading_id
    join public.users u on u.id = r.user_id
    where s.token_hash = encode(pg_catalog.sha256(convert_to(p_token, 'UTF8')), 'hex') and s.revoked_at is null
      and r.deleted_at is null and r.status = 'completed' and u.deleted_at is null;
  end if;
  if found_view is null then
    perform private.fail(404, 'share_not_found', 'This link does not exist or was revoked.');
  end if;
  return found_view;
end
$$;
revoke execute on function sharing.reading_by_token(text) from public;
grant execute on function sharing.reading_by_token(text) to anon, authenticated;

drop function public.shared_reading(text);
create function public.shared_reading(p_token text) returns jsonb
language sql stable security invoker
set search_path = ''
as $$ select sharing.reading_by_token(p_token) $$;
comment on function public.shared_reading is
  'Public: the minimal view of a shared reading by its raw link token; 404 when revoked, deleted or unknown.';
revoke execute on function public.shared_reading(text) from public;
grant execute on function public.shared_reading(text) to anon, authenticated;

-- ---- new links: limited, and old revoked ones purged --------------------------------------------------------------

-- The caller's share limits, per reading and per user, counted under the wallet lock (the reading is locked first).
create function private.check_share_limits(p_user uuid, p_reading uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  per_reading record;
  per_user record;
begin
  perform 1 from public.wallets where user_id = p_user for update;
  select count(*) as n, min(created_at) as oldest into per_reading from private.reading_shares
  where reading_id = p_reading and created_at > now() - interval '1 hour';
  perform private.enforce_rate('share links for this reading', per_reading.n,
    private.setting('shares_per_reading_per_hour'), per_reading.oldest, interval '1 hour');
  select count(*) as n, min(s.created_at) as oldest into per_user
  from private.reading_shares s join public.readings r on r.id = s.reading_id
  where r.user_id = p_user and s.created_at > now() - interval '1 hour';
  perform private.enforce_rate('share links', per_user.n, private.setting('shares_per_user_per_hour'),
    per_user.oldest, interval '1 hour');
end
$$;
revoke execute on function private.check_share_limits(uuid, uuid) from public;

/** Deletes up to 100 links revoked more than revoked_shares_kept_s ago (anyone's), oldest first. */
create function private.purge_revoked_shares() returns void
language sql
set search_path = ''
as $$
  delete from private.reading_shares where token_hash in (
    select token_hash from private.reading_shares
    where revoked_at < now() - make_interval(secs => private.setting('revoked_shares_kept_s'))
    order by revoked_at limit 100 for update skip locked)
$$;
revoke execute on function private.purge_revoked_shares() from public;

create or replace function public.share_reading(p_id uuid, p_token_hash text, p_include_question boolean default false)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  r public.readings;
  share private.reading_shares;
begin
  if p_token_hash is null or p_token_hash !~ '^[0-9a-f]{64}$' then
    perform private.fail(422, 'invalid_share_token', 'The share token hash must be 64 hex characters.');
  end if;
  select * into r from public.readings where id = p_id and user_id = uid and deleted_at is null for update;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  elsif r.status <> 'completed' then
    perform private.fail(409, 'reading_not_completed', 'Only a completed reading can be shared.');
  elsif (select count(*) from private.reading_shares s where s.reading_id = p_id and s.revoked_at is null) >= 20 then
    perform private.fail(409, 'too_many_shares', 'This reading has 20 live links; revoke them first.');
  end if;
  perform private.check_share_limits(uid, p_id);
  perform private.purge_revoked_shares();
  insert into private.reading_shares (token_hash, reading_id, include_question)
  values (p_token_hash, p_id, coalesce(p_include_question, false))
  returning * into share;
  return jsonb_build_object('reading_id', r.id, 'include_question', share.include_question,
    'language', r.language, 'created_at', share.created_at, 'header', r.result ->> 'header', 'final', r.result ->> 'final',
    'cards', private.shared_cards(r.cards));
end
$$;
comment on function public.share_reading is
  'Owner: a new share link (its token hash) to a completed reading, within the per-reading and per-user limits.';
