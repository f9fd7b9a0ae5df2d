-- 0013 two hardening changes that need SQL:
--
-- 1. Refresh-token reuse interval. Two refreshes with the same refresh token (two LIFF tabs, a retried request)
--    used to revoke the whole family. As Supabase Auth does (10 s by default), a token used less than
--    `refresh_reuse_interval_s` ago now gives back the SAME successor instead. Only hashes are stored, so the
--    server cannot hand the successor string out again; instead the auth function derives every successor
--    deterministically, HMAC-SHA256(server secret, parent hash), so a repeated refresh computes the same
--    successor hash, and this function accepts it when it is the one recorded on the parent. Without the
--    secret a stolen used token reveals nothing about its successor. Reuse after the interval, or with any
--    other successor, still revokes the family.
--
-- 2. Stripe events that can never apply (impossible amounts, NUL characters, objects lacking the fields we
--    read) are stored with outcome 'invalid' and a reason, and the payment they name is flagged for review,
--    so the webhook can answer 200 once instead of a 5xx that Stripe would retry for days.

/** Reuse interval for refresh tokens, as a business setting support can change. */
insert into public.app_settings (key, value, description) values
  ('refresh_reuse_interval_s', 10, 'Seconds a used refresh token still returns the same successor (two tabs, retries)');

alter table private.refresh_tokens add column successor_hash text check (successor_hash ~ '^[0-9a-f]{64}$');
comment on column private.refresh_tokens.successor_hash is 'SHA-256 of the token this one was exchanged for.';

/** The rotation rules with the clock as an argument, so tests can move time; the API calls the wrapper. */
create function private.rotate_refresh_token(p_old_hash text, p_new_hash text, p_ttl_s int, p_now timestamptz)
returns uuid
language plpgsql volatile
set search_path = ''
as $$
declare
  t private.refresh_tokens;
  reuse_s integer := coalesce(private.setting('refresh_reuse_interval_s'), 0);
begin
  select * into t from private.refresh_tokens where token_hash = p_old_hash for update;
  if not found or t.revoked_at is not null then
    raise exception using errcode = 'PT401', message = 'refresh_token_invalid',
      detail = 'The refresh token is not valid. Please log in again.';
  end if;
  if t.used_at is not null then
    if t.successor_hash = p_new_hash and p_now < t.used_at + make_interval(secs => reuse_s) then
      return t.user_id;  -- inside the reuse interval: the same successor again (it is still in the table)
    end if;
    update private.refresh_tokens set revoked_at = p_now where family_id = t.family_id and revoked_at is null;
    return null;  -- reuse detected: the family is revoked (committed); the caller answers 401
  end if;
  if t.expires_at <= p_now then
    raise exception using errcode = 'PT401', message = 'refresh_token_expired',
      detail = 'The session has expired. Please log in again.';
  end if;
  update private.refresh_tokens set used_at = p_now, successor_hash = p_new_hash where token_hash = p_old_hash;
  insert into private.refresh_tokens (token_hash, user_id, family_id, created_at, expires_at)
  values (p_new_hash, t.user_id, t.family_id, p_now, p_now + make_interval(secs => p_ttl_s));
  return t.user_id;
end
$$;
comment on function private.rotate_refresh_token is
  'Refresh rotation at a given time: same successor inside the reuse interval, family revoked on other reuse.';
revoke execute on function private.rotate_refresh_token(text, text, int, timestamptz) from public;

create or replace function public.rotate_refresh_token(p_old_hash text, p_new_hash text, p_ttl_s int)
returns uuid
language sql volatile security definer
set search_path = ''
as $$ select private.rotate_refresh_token(p_old_hash, p_new_hash, p_ttl_s, pg_catalog.now()) $$;
comment on function public.rotate_refresh_token is
  'Exchanges a refresh token for its successor; a repeat inside the reuse interval returns the same one; other reuse revokes the family and returns null.';
revoke execute on function public.rotate_refresh_token(text, text, int) from public, anon, authenticated;
grant execute on function public.rotate_refresh_token(text, text, int) to service_role;

alter table private.stripe_events add column invalid_reason text check (char_length(invalid_reason) <= 200);
comment on column private.stripe_events.invalid_reason is 'Why a verified event could never apply (outcome invalid).';

/** A verified event that can never apply: kept for support, its payment flagged, never retried. */
create function public.record_invalid_stripe_event(p_event_id text, p_type text, p_reason text, p_payload jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  o jsonb := p_payload -> 'data' -> 'object';
  pi text := coalesce(case when p_type like 'payment_intent.%' then o ->> 'id' end, o ->> 'payment_intent');
  earlier text;
begin
  insert into private.stripe_events (id, type, payment_intent_id, payload, processed_at, outcome, invalid_reason)
  values (p_event_id, left(p_type, 100), pi, p_payload, now(), 'invalid', left(p_reason, 200))
  on conflict (id) do nothing;
  if not found then
    select outcome into earlier from private.stripe_events where id = p_event_id;
    return jsonb_build_object('outcome', 'duplicate', 'first_outcome', earlier);
  end if;
  update public.payments set flagged = true, flag_reason = coalesce(flag_reason, 'invalid_stripe_event'),
    updated_at = now()
  where payment_intent_id = pi;
  return jsonb_build_object('outcome', 'invalid', 'reason', left(p_reason, 200));
end
$$;
comment on function public.record_invalid_stripe_event is
  'Stores a verified Stripe event that can never apply (server only), once per event id, and flags its payment.';
revoke execute on function public.record_invalid_stripe_event(text, text, text, jsonb) from public, anon, authenticated;
grant execute on function public.record_invalid_stripe_event(text, text, text, jsonb) to service_role;
