-- 0043 what a user is shown of their own data names no one else, and an erased row keeps only the defaults.
--
--   ledger    a ledger row's `ref` and idempotency key can name another person: an admin adjustment's ref is
--             `admin:<the admin's id>`, a referral reward's ref is the invitee's id (and its key
--             `referral:<invitee>:inviter:coin`), the invitee's bonus names the inviter. What the user is shown of
--             their ledger (the export since 0032 for adjustments, /profile/transactions now) goes through one
--             function, private.shown_ledger_row: the ref reads `admin`, `invitee` or `inviter` and the key
--             `referral:invitee:...`. The stored rows do not change (refs and keys stay as the money functions
--             wrote them). /profile/transactions reads public.my_ledger() instead of the table, and users lose
--             the column privilege on `ref` and `idempotency_key`, so no direct /rest/v1/ledger read shows them.
--   erasure   private.erase_user also resets the person's choices (reversals, LINE pushes) to the column defaults:
--             an erased row is its id, its times (created, last login, updated = deleted) and defaults only.

-- ---- the ledger as its owner sees it -------------------------------------------------------------------------------

/** One ledger row as shown to its owner: no user_id, and no other person's id in `ref` or `idempotency_key`. */
create function private.shown_ledger_row(l public.ledger) returns jsonb
language sql stable
set search_path = ''
as $$
  select to_jsonb(l) - 'user_id' || jsonb_build_object(
    'ref', case
      when l.ref like 'admin:%' then 'admin'
      when l.reason = 'referral_reward' then 'invitee'
      when l.reason = 'referral_bonus' then 'inviter'
      else l.ref end,
    'idempotency_key', case
      when l.reason = 'referral_reward' then regexp_replace(l.idempotency_key, '^referral:[^:]+:', 'referral:invitee:')
      else l.idempotency_key end)
$$;
revoke execute on function private.shown_ledger_row(public.ledger) from public;

/** The ledger as exported: each row as its owner is shown it. */
create or replace function private.exported_ledger(p_user uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(private.shown_ledger_row(l) order by l.id), '[]'::jsonb)
  from public.ledger l where l.user_id = p_user
$$;

create function public.my_ledger(p_limit integer default 20, p_before bigint default null) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
begin
  return coalesce((select jsonb_agg(x.j order by x.id desc) from (
    select l.id, private.shown_ledger_row(l) - 'idempotency_key' as j
    from public.ledger l
    where l.user_id = uid and (p_before is null or l.id < p_before)
    order by l.id desc
    limit least(greatest(coalesce(p_limit, 20), 1), 101)) x), '[]'::jsonb);
end
$$;
comment on function public.my_ledger is
  'The calling user''s ledger rows, newest first, before the row p_before: id, currency, delta, reason, ref '
  '(another person''s id never: an admin''s reads admin, a referral''s invitee or inviter), created_at.';
revoke execute on function public.my_ledger(integer, bigint) from public, anon, service_role;
grant execute on function public.my_ledger(integer, bigint) to authenticated;

-- users read their ledger rows' amounts directly, never the ref or key (my_ledger shows them masked)
revoke select on table public.ledger from authenticated;
grant select (id, user_id, currency, delta, reason, created_at) on table public.ledger to authenticated;

-- ---- erasure: the person's choices too -----------------------------------------------------------------------------

create or replace function private.erase_user(p_user uuid, p_line_user_id text) returns void
language plpgsql
set search_path = ''
as $$
begin
  delete from public.reading_reviews where user_id = p_user;
  delete from public.readings where user_id = p_user;
  delete from private.refresh_tokens where user_id = p_user;
  delete from private.legacy_users where user_id = p_user;
  delete from private.data_exports where user_id = p_user;
  update private.stripe_events e set payload = private.redacted_stripe_payload(e.payload)
  where e.payment_intent_id in (select p.payment_intent_id from public.payments p where p.user_id = p_user)
    and not (e.payload ? 'redacted');
  insert into private.deleted_line_accounts (line_hash) values (private.line_account_hash(p_line_user_id))
  on conflict (line_hash) do nothing;
  update public.users set line_user_id = null, display_name = null, picture_url = null, referral_code = null,
    language = default, reversals = default, notify_line = default, deleted_at = now(), updated_at = now()
  where id = p_user;
end
$$;
