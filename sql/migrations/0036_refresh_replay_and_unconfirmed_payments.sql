-- 0036 two hardening rules:
--
-- 1. Refresh replay. The reuse interval (0013) exists for two tabs refreshing the same token at once: the parent's
--    successor is then still the live token, and the repeat gets it again. A token whose successor has itself been
--    used is two rotations old: whoever sends it is replaying a stolen token, even inside the interval. It is
--    refused and the family revoked, as any other reuse.
--
-- 2. Unconfirmed payments leave the history. record_payment_intent takes a PaymentIntent id from the user's own
--    token, so a user can record a payment for an id this app never created. It can never be credited (the
--    webhook checks amount, currency and metadata), but it sat in their payment history for ever. A payment Stripe
--    never reported on (status still `pending`) is now shown in the user's own history only for
--    `unconfirmed_payment_visible_s` after it was recorded (a day): long enough for any real checkout (Stripe sends
--    its outcome within minutes, and a row it reports on later shows again), while an invented one disappears. It
--    stays in the table for support and in the user's data export.

create or replace function private.rotate_refresh_token(p_old_hash text, p_new_hash text, p_ttl_s int, p_now timestamptz)
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
    if t.successor_hash = p_new_hash and p_now < t.used_at + make_interval(secs => reuse_s)
       and exists (select 1 from private.refresh_tokens s where s.token_hash = t.successor_hash and s.used_at is null)
    then
      return t.user_id;  -- inside the reuse interval, its successor still live: the same successor again
    end if;
    update private.refresh_tokens set revoked_at = p_now where family_id = t.family_id and revoked_at is null;
    return null;  -- reuse detected (or a replay two rotations old): the family is revoked; the caller answers 401
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
  'Refresh rotation at a given time: the same successor inside the reuse interval while that successor is unused; '
  'any other reuse (a token two rotations old included) revokes the family.';

insert into public.app_settings (key, value, description, min_value, max_value) values
  ('unconfirmed_payment_visible_s', 86400,
   'Seconds a payment Stripe never reported on stays in the user''s own payment history', 600, 2592000);

alter policy "Users can read their own payments" on public.payments
  using ((select auth.uid()) = user_id and (status <> 'pending' or created_at > now() - make_interval(secs =>
    (select s.value from public.app_settings s where s.key = 'unconfirmed_payment_visible_s'))));
