-- 0011 limits and idempotency: rules that must hold however the database is reached (PostgREST with a user's
-- token and the public anon key included), so they live in the SQL functions, not only in the Python before them.
--
--   limits      submit_reading and record_payment_intent count the user's own rows in a sliding window (deleted,
--               cancelled and failed ones included) while holding the user's wallet row lock, so neither a direct
--               rpc nor concurrent calls get past them. The numbers are app_settings, which users cannot change.
--               The Redis limits in the functions stay as the cheap first line; these are the guarantee.
--   refunds     a spend is refunded at most once, whatever the refund key: the spend's op row records the refund
--               that returned it (refunded_by); a later refund under another key replays that refund's result.
--   idempotency a key reused with other parameters answers 422 idempotency_key_reused (as Stripe does) instead of
--               replaying: the operation's parameters are stored with its key (credit_ops.params) and compared.
--   frozen      exchange_coins refuses a frozen wallet (open payment dispute), as spending does.
--   indexes     every foreign key is the leading column of an index (cascades and joins never scan).

insert into public.app_settings (key, value, description) values
  ('readings_per_minute', 5, 'Readings a user may submit in any 60 seconds (enforced in submit_reading)'),
  ('readings_per_day', 60, 'Readings a user may submit in any 24 hours (enforced in submit_reading)'),
  ('payment_intents_per_minute', 10, 'Payments a user may start in any 60 seconds (enforced in record_payment_intent)'),
  ('payment_intents_per_day', 50, 'Payments a user may start in any 24 hours (enforced in record_payment_intent)')
on conflict (key) do nothing;

create index readings_user_created_idx on public.readings (user_id, created_at);
create index payments_user_created_idx on public.payments (user_id, created_at);
create index payments_package_idx on public.payments (package_id);
create index refresh_tokens_user_idx on private.refresh_tokens (user_id);

alter table private.credit_ops add column params jsonb;
alter table private.credit_ops add column refunded_by text;
comment on column private.credit_ops.params is 'The parameters the key was first used with; another use must match.';
comment on column private.credit_ops.refunded_by is 'On a spend: the key of the refund that gave it back (once).';

-- Spends refunded before this migration: readings refund under reading:<id>:refund, the one refund key in use.
update private.credit_ops s set refunded_by = r.key
from private.credit_ops r
where s.kind = 'spend' and r.kind = 'refund' and (r.result ->> 'refunded')::boolean
  and r.key = regexp_replace(s.key, ':spend$', ':refund') and r.user_id = s.user_id;

-- Refuses with 429 rate_limited when `p_count` calls already fall in the window that started `p_window` ago.
create function private.enforce_rate(p_what text, p_count bigint, p_max integer, p_oldest timestamptz,
  p_window interval) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_count >= p_max then
    perform private.fail(429, 'rate_limited', format('Too many %s; try again in %s s.', p_what,
      greatest(1, ceil(extract(epoch from p_oldest + p_window - now())))::integer));
  end if;
end
$$;

-- The user's reading limits; locks the wallet so concurrent submissions are counted one after another.
create function private.check_reading_limits(p_user uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  minute record;
  day record;
begin
  perform 1 from public.wallets where user_id = p_user for update;
  select count(*) as n, min(created_at) as oldest into minute from public.readings
  where user_id = p_user and created_at > now() - interval '1 minute';
  perform private.enforce_rate('readings', minute.n, private.setting('readings_per_minute'), minute.oldest,
    interval '1 minute');
  select count(*) as n, min(created_at) as oldest into day from public.readings
  where user_id = p_user and created_at > now() - interval '1 day';
  perform private.enforce_rate('readings today', day.n, private.setting('readings_per_day'), day.oldest,
    interval '1 day');
end
$$;

-- The user's payment limits (every payment row counts, whatever became of it); the caller holds the wallet lock.
create function private.check_payment_limits(p_user uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  minute record;
  day record;
begin
  select count(*) as n, min(created_at) as oldest into minute from public.payments
  where user_id = p_user and created_at > now() - interval '1 minute';
  perform private.enforce_rate('payments', minute.n, private.setting('payment_intents_per_minute'), minute.oldest,
    interval '1 minute');
  select count(*) as n, min(created_at) as oldest into day from public.payments
  where user_id = p_user and created_at > now() - interval '1 day';
  perform private.enforce_rate('payments today', day.n, private.setting('payment_intents_per_day'), day.oldest,
    interval '1 day');
end
$$;

-- begin_op with the operation's parameters: a key already used with other parameters is refused (422).
create function private.begin_op(p_key text, p_user uuid, p_kind text, p_params jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  op private.credit_ops;
begin
  insert into private.credit_ops (key, user_id, kind, params) values (p_key, p_user, p_kind, p_params)
  on conflict (key) do nothing;
  if found then
    return null;
  end if;
  select * into op from private.credit_ops where key = p_key;
  if op.user_id <> p_user or op.kind <> p_kind then
    perform private.fail(409, 'idempotency_key_reused', 'This idempotency key was used for another operation.');
  elsif op.params is distinct from p_params and op.params is not null then
    perform private.fail(422, 'idempotency_key_reused',
      'This idempotency key was already used with other parameters; use a new key for a new request.');
  end if;
  return coalesce(op.result, '{}'::jsonb) || '{"replayed": true}'::jsonb;
end
$$;

-- Gives back exactly what the spend took, at most once per spend (whatever the refund key) and once per refund
-- key; a spend that never happened refunds nothing.
create or replace function private.refund(p_user uuid, p_spend_key text, p_refund_key text, p_reason text,
  p_ref text default null) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb := private.begin_op(p_refund_key, p_user, 'refund');
  spent private.credit_ops;
  earlier jsonb;
  w public.wallets;
begin
  if prev is not null then
    return prev;
  end if;
  -- claiming the spend's row is the lock: a concurrent refund of the same spend waits here, then finds it taken
  update private.credit_ops set refunded_by = p_refund_key
  where key = p_spend_key and user_id = p_user and kind = 'spend' and refunded_by is null
    and result ->> 'spent' is not null
  returning * into spent;
  if not found then
    select o.result into earlier from private.credit_ops s join private.credit_ops o on o.key = s.refunded_by
    where s.key = p_spend_key and s.user_id = p_user and s.kind = 'spend';
    if earlier is not null then
      return private.finish_op(p_refund_key, earlier) || '{"replayed": true}'::jsonb;
    end if;
    return private.finish_op(p_refund_key, jsonb_build_object('refunded', false));
  end if;
  w := private.post(p_user, p_refund_key,
    jsonb_build_object(spent.result ->> 'spent', (spent.result ->> 'amount')::integer), p_reason, p_ref);
  return private.finish_op(p_refund_key, jsonb_build_object('refunded', true, 'currency', spent.result ->> 'spent',
    'amount', (spent.result ->> 'amount')::integer, 'wallet', private.wallet_json(w)));
end
$$;
comment on function public.refund_credit is 'Returns what the spend took, at most once per spend and once per refund key.';

create or replace function public.exchange_coins(p_stars integer, p_key text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  op_key text := 'exchange:' || uid || ':' || p_key;
  prev jsonb;
  rate integer := private.setting('coins_per_star');
  w public.wallets;
begin
  if p_stars is null or p_stars < 1 or p_stars > 100000 then
    perform private.fail(422, 'invalid_amount', 'Exchange a whole number of stars, at least 1.');
  elsif p_key is null or char_length(p_key) not between 8 and 100 then
    perform private.fail(422, 'invalid_idempotency_key', 'The idempotency key must be 8 to 100 characters.');
  end if;
  prev := private.begin_op(op_key, uid, 'exchange', jsonb_build_object('stars', p_stars));
  if prev is not null then
    return prev;
  end if;
  select * into w from public.wallets where user_id = uid for update;
  if w.frozen then
    perform private.fail(403, 'account_frozen', 'Exchanges are paused while a payment dispute is open.');
  elsif w.coins < p_stars * rate then
    perform private.fail(409, 'insufficient_coins',
      format('%s stars need %s coins; you have %s.', p_stars, p_stars * rate, w.coins));
  end if;
  w := private.post(uid, op_key, jsonb_build_object('coin', -p_stars * rate, 'star', p_stars),
    'coin_exchange', null);
  return private.finish_op(op_key, jsonb_build_object('stars_bought', p_stars, 'coins_spent', p_stars * rate,
    'wallet', private.wallet_json(w)));
end
$$;

create or replace function public.submit_reading(p_question text, p_language text default null,
  p_depth text default 'standard') returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  rid uuid := gen_random_uuid();
  question text := trim(p_question);
  lang text;
  spent jsonb;
  r public.readings;
begin
  select coalesce(p_language, u.language) into lang from public.users u where u.id = uid;
  if question is null or char_length(question) not between 10 and 500 or question ~ '[[:cntrl:]]' then
    perform private.fail(422, 'invalid_question', 'The question must be 10 to 500 characters, no control characters.');
  elsif lang is null or lang not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  elsif p_depth is null or p_depth not in ('standard', 'deep') then
    perform private.fail(422, 'invalid_depth', 'The depth must be standard or deep.');
  end if;
  perform private.check_reading_limits(uid);
  spent := private.spend(uid, 'reading:' || rid || ':spend', 'reading', rid::text);
  insert into public.readings (id, user_id, question, language, depth)
  values (rid, uid, question, lang, p_depth)
  returning * into r;
  return jsonb_build_object('id', r.id, 'status', r.status, 'language', r.language, 'depth', r.depth,
    'created_at', r.created_at, 'spent', spent ->> 'spent', 'wallet', spent -> 'wallet');
end
$$;
comment on function public.submit_reading is
  'Spends the calling user''s reading credit and queues a reading, atomically, within the user''s reading limits.';

-- A new signature (the client's idempotency key) replaces the old one.
drop function public.record_payment_intent(text, text);

create function public.record_payment_intent(p_payment_intent_id text, p_package_id text,
  p_idempotency_key text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  op_key text := 'intent:' || uid || ':' || p_idempotency_key;
  pkg public.packages;
  p public.payments;
begin
  if p_payment_intent_id is null or p_payment_intent_id !~ '^pi_[A-Za-z0-9_]{1,200}$' then
    perform private.fail(422, 'invalid_payment_intent', 'Not a PaymentIntent id.');
  elsif char_length(p_idempotency_key) not between 8 and 100 then
    perform private.fail(422, 'invalid_idempotency_key', 'The idempotency key must be 8 to 100 characters.');
  end if;
  select * into pkg from public.packages where id = p_package_id;
  if not found then
    perform private.fail(404, 'package_not_found', 'No package has this id.');
  elsif not pkg.active or pkg.kind <> 'stars' then
    perform private.fail(422, 'package_not_purchasable', 'This package cannot be bought with a payment.');
  end if;
  perform 1 from public.wallets where user_id = uid for update;  -- one of this user's payments at a time
  if op_key is not null then
    perform private.begin_op(op_key, uid, 'payment_intent', jsonb_build_object('package_id', pkg.id));
  end if;
  select * into p from public.payments where payment_intent_id = p_payment_intent_id;
  if found then
    if p.user_id <> uid or p.package_id <> pkg.id then
      perform private.fail(409, 'payment_intent_conflict', 'This PaymentIntent belongs to another purchase.');
    end if;
    return private.payment_json(p);  -- a retried call: the payment as it is now, counted once
  end if;
  perform private.check_payment_limits(uid);
  insert into public.payments (user_id, package_id, payment_intent_id, amount_satang, currency, stars)
  values (uid, pkg.id, p_payment_intent_id, pkg.price_satang, pkg.currency, pkg.stars)
  on conflict (payment_intent_id) do nothing
  returning * into p;
  if not found then  -- another user recorded this PaymentIntent meanwhile
    perform private.fail(409, 'payment_intent_conflict', 'This PaymentIntent belongs to another purchase.');
  end if;
  if op_key is not null then
    perform private.finish_op(op_key, jsonb_build_object('payment_intent_id', p.payment_intent_id));
  end if;
  return private.payment_json(p);
end
$$;
comment on function public.record_payment_intent is
  'Records the calling user''s new PaymentIntent as a pending payment at the package''s price (idempotent, '
  'within the user''s payment limits; a key reused for another package is refused).';

revoke execute on function private.enforce_rate(text, bigint, integer, timestamptz, interval),
  private.check_reading_limits(uuid), private.check_payment_limits(uuid),
  private.begin_op(text, uuid, text, jsonb) from public;
revoke execute on function public.record_payment_intent(text, text, text) from public, anon, service_role;
grant execute on function public.record_payment_intent(text, text, text) to authenticated;
