-- 0032 deletion forgets everywhere, and the export is complete and bounded (Thailand's PDPA s.33 and s.30).
--
--   audit     admin actions on a reading are audited by the reading's id and status, never its question or the
--             header written about it (private.audit_reading_json). Rows written before this migration are
--             redacted here, once, by the owner; the audit stays append-only for everyone else.
--   stripe    an event stored after its payment's user was deleted (a late refund or dispute, one the nightly
--             reconciliation applies) is redacted as it is stored, as erasure redacted the earlier ones: a
--             trigger, so every path that stores events (webhook, invalid events, reconcile) is covered.
--   erasure   also removes the link from the old app's user id to the pseudonymised row (private.legacy_users)
--             and the record of the user's exports.
--   export    adds the user's share links (a hash prefix, never the hash; created and revoked times), the admin
--             actions about them (what, on what, when, why; never which admin) and their old-app user id. The
--             ledger's `ref` of an admin adjustment says `admin`, not which admin. At most `exports_per_hour`
--             exports in any hour (429 rate_limited), counted in private.data_exports under the wallet lock.

-- ---- the audit keeps ids and statuses, not questions --------------------------------------------------------------

/** What the audit keeps of a reading: ids, status, failure and timing; never the question or what was written. */
create function private.audit_reading_json(r public.readings) returns jsonb
language sql stable
set search_path = ''
as $$ select private.admin_reading_json(r) - 'question' - 'header' $$;
revoke execute on function private.audit_reading_json(public.readings) from public;

create or replace function public.admin_retry_reading(p_reading_id uuid, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  r public.readings := private.lock_reading(p_reading_id);
  changed public.readings;
  audit_id bigint;
begin
  if r.deleted_at is not null or exists (select 1 from public.users u where u.id = r.user_id and u.deleted_at is not null)
  then
    perform private.fail(409, 'reading_deleted', 'This reading was deleted.');
  elsif r.status not in ('failed', 'queued') then
    perform private.fail(409, 'reading_not_retryable', 'Only a failed or still queued reading can be retried.');
  end if;
  update public.readings set status = 'queued', failure_reason = null, updated_at = now()
  where id = r.id returning * into changed;
  audit_id := private.audit(admin, 'retry_reading', r.user_id, r.id::text, reason,
    private.audit_reading_json(r), private.audit_reading_json(changed));
  return private.admin_reading_json(changed) || jsonb_build_object('retry_id', audit_id);
end
$$;

create or replace function public.admin_refund_reading(p_reading_id uuid, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  r public.readings := private.lock_reading(p_reading_id);
  refund jsonb;
  changed public.readings;
begin
  if r.status in ('completed', 'rejected') then
    perform private.fail(409, 'reading_not_refundable',
      'Only a failed or stuck reading is refunded here (a rejected one already was; use an adjustment otherwise).');
  end if;
  if r.status in ('queued', 'processing') then
    refund := private.end_with_refund(r, 'failed', jsonb_build_object('failure_reason', 'admin_refund')) -> 'refund';
  else
    refund := private.refund(r.user_id, 'reading:' || r.id || ':spend', 'reading:' || r.id || ':refund',
      'reading_refund', r.id::text);
  end if;
  select * into changed from public.readings where id = r.id;
  perform private.audit(admin, 'refund_reading', r.user_id, r.id::text, reason, private.audit_reading_json(r),
    private.audit_reading_json(changed) || jsonb_build_object('refund', refund));
  return private.admin_reading_json(changed) || jsonb_build_object('refund', refund);
end
$$;

-- Rows written before: the owner lifts the append-only guard for this one redaction.
alter table private.admin_audit disable trigger admin_audit_append_only;
update private.admin_audit set before = before - 'question' - 'header', after = after - 'question' - 'header'
where action in ('retry_reading', 'refund_reading');
alter table private.admin_audit enable trigger admin_audit_append_only;

-- ---- Stripe events about a deleted user are stored redacted -------------------------------------------------------

/** Whether a Stripe event names a payment (by PaymentIntent or charge) of a deleted user. */
create function private.stripe_event_of_deleted_user(p_payment_intent text, p_payload jsonb) returns boolean
language sql stable
set search_path = ''
as $$
  select exists (
    select 1 from public.payments p join public.users u on u.id = p.user_id
    where u.deleted_at is not null
      and (p.payment_intent_id = p_payment_intent
           or p.charge_id in (p_payload -> 'data' -> 'object' ->> 'id', p_payload -> 'data' -> 'object' ->> 'charge')))
$$;

create function private.redact_stripe_event_of_deleted_user() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not (new.payload ? 'redacted') and private.stripe_event_of_deleted_user(new.payment_intent_id, new.payload) then
    new.payload := private.redacted_stripe_payload(new.payload);
  end if;
  return new;
end
$$;
create trigger stripe_events_redacted_after_deletion before insert or update of payload on private.stripe_events
  for each row execute function private.redact_stripe_event_of_deleted_user();
revoke execute on function private.stripe_event_of_deleted_user(text, jsonb),
  private.redact_stripe_event_of_deleted_user() from public;

-- ---- the export's own record, and its limit -----------------------------------------------------------------------

insert into public.app_settings (key, value, description, min_value, max_value) values
  ('exports_per_hour', 3, 'Data exports a user may download in any hour (enforced in export_my_data)', 1, 100);

create table private.data_exports (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  exported_at timestamptz not null default now()
);
comment on table private.data_exports is
  'When each user downloaded their data (the export''s rate limit); erased with the account.';
create index data_exports_user_idx on private.data_exports (user_id, exported_at);
alter table private.data_exports enable row level security;
create trigger data_exports_owner_not_deleted before insert on private.data_exports
  for each row execute function private.refuse_deleted_owner();

-- ---- erasure: also the old app's id and the exports ---------------------------------------------------------------

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
    language = 'th', deleted_at = now(), updated_at = now()
  where id = p_user;
end
$$;

-- ---- the export ---------------------------------------------------------------------------------------------------

/** The parts 0015's export lacked: share links, admin actions (never which admin), the old app's user id. */
create function private.account_export_more(p_user uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'share_links', coalesce((select jsonb_agg(jsonb_build_object('reading_id', s.reading_id,
                      'token_hash_prefix', left(s.token_hash, 8), 'include_question', s.include_question,
                      'created_at', s.created_at, 'revoked_at', s.revoked_at) order by s.created_at, s.token_hash)
                    from private.reading_shares s join public.readings r on r.id = s.reading_id
                    where r.user_id = p_user), '[]'::jsonb),
    'admin_actions', coalesce((select jsonb_agg(jsonb_build_object('action', a.action, 'target', a.target,
                        'reason', a.reason, 'at', a.created_at) order by a.id)
                      from private.admin_audit a where a.target_user_id = p_user), '[]'::jsonb),
    'old_app_user_id', (select l.legacy_id from private.legacy_users l where l.user_id = p_user),
    'exports', coalesce((select jsonb_agg(e.exported_at order by e.id)
                from private.data_exports e where e.user_id = p_user), '[]'::jsonb))
$$;
revoke execute on function private.account_export_more(uuid) from public;

/** The ledger as exported: an admin adjustment's ref says `admin`, not which admin. */
create function private.exported_ledger(p_user uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(to_jsonb(l) - 'user_id'
           || jsonb_build_object('ref', case when l.ref like 'admin:%' then 'admin' else l.ref end) order by l.id),
         '[]'::jsonb)
  from public.ledger l where l.user_id = p_user
$$;
revoke execute on function private.exported_ledger(uuid) from public;

-- Counts the caller's exports in the last hour under the wallet lock (so concurrent ones queue), records this one.
create function private.check_export_limit(p_user uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  hour record;
begin
  perform 1 from public.wallets where user_id = p_user for update;
  select count(*) as n, min(exported_at) as oldest into hour from private.data_exports
  where user_id = p_user and exported_at > now() - interval '1 hour';
  perform private.enforce_rate('exports', hour.n, private.setting('exports_per_hour'), hour.oldest,
    interval '1 hour');
  insert into private.data_exports (user_id) values (p_user);
end
$$;
revoke execute on function private.check_export_limit(uuid) from public;

create or replace function public.export_my_data() returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
begin
  perform private.check_export_limit(uid);
  return private.account_export(uid) || jsonb_build_object('ledger', private.exported_ledger(uid))
    || private.account_export_more(uid);
end
$$;
comment on function public.export_my_data is
  'PDPA data export: everything stored about the calling user, as JSON, at most exports_per_hour times an hour.';
