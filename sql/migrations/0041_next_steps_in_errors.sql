-- 0041 Refusals carry what a client needs to offer the next step, and a refreshed token names the language.
--   A refusal a user can act on now says, as JSON in the raised HINT, the numbers behind it, taken from the row
--   the function already holds (never computed again in Python): the price and the balance for
--   insufficient_credits, the coins an exchange needs for insufficient_coins, the Bangkok date of the next
--   check-in for already_checked_in, the seconds to wait for rate_limited. The API copies the declared fields of
--   each code into its problem+json (mimi.errors, `fields`) and writes the detail in the caller's language.
--   refresh_session is the refresh rotation that also answers the user's language, so the app's access token
--   can carry it (claim `lang`) and an error needs no database read to be written in it. Only the raised HINTs
--   change in the functions below; their rules, signatures and grants are unchanged.

/** A refusal with the numbers of its next step: the same error as the 3-argument fail, its fields as HINT. */
create function private.fail(p_status integer, p_code text, p_detail text, p_fields jsonb) returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'PT' || p_status::text, message = p_code, detail = p_detail,
    hint = p_fields::text;
end
$$;
revoke execute on function private.fail(integer, text, text, jsonb) from public;

-- The one spend (0021): the refusal now says the price and what the wallet holds.
create or replace function private.spend_amount(p_user uuid, p_key text, p_reason text, p_ref text, p_cost integer)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb := private.begin_op(p_key, p_user, 'spend');
  w public.wallets;
  currency text;
begin
  if prev is not null then
    return prev;
  elsif p_cost is null or p_cost < 1 then
    perform private.fail(500, 'invalid_price', 'A spend must be of at least one credit.');
  end if;
  select * into w from public.wallets where user_id = p_user for update;
  if not found then
    perform private.fail(404, 'wallet_not_found', 'No wallet for this user.');
  elsif w.frozen then
    perform private.fail(403, 'account_frozen', 'Spending is paused while a payment dispute is open.');
  elsif w.stars < 0 then
    perform private.fail(409, 'insufficient_credits', 'Your star balance is negative after a refund; top up first.',
      jsonb_build_object('price', p_cost, 'stars', w.stars, 'free_points', w.free_points));
  end if;
  currency := case when w.free_points >= p_cost then 'free_point' when w.stars >= p_cost then 'star' end;
  if currency is null then
    perform private.fail(409, 'insufficient_credits',
      format('Not enough stars or free points: this costs %s.', p_cost),
      jsonb_build_object('price', p_cost, 'stars', w.stars, 'free_points', w.free_points));
  end if;
  w := private.post(p_user, p_key, jsonb_build_object(currency, -p_cost), p_reason, p_ref);
  return private.finish_op(p_key, jsonb_build_object('spent', currency, 'amount', p_cost,
    'wallet', private.wallet_json(w)));
end
$$;

-- Coins for whole stars (0011): the refusal now says the coins this exchange needs and the coins held.
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
      format('%s stars need %s coins; you have %s.', p_stars, p_stars * rate, w.coins),
      jsonb_build_object('coins_needed', p_stars * rate, 'coins', w.coins));
  end if;
  w := private.post(uid, op_key, jsonb_build_object('coin', -p_stars * rate, 'star', p_stars),
    'coin_exchange', null);
  return private.finish_op(op_key, jsonb_build_object('stars_bought', p_stars, 'coins_spent', p_stars * rate,
    'wallet', private.wallet_json(w)));
end
$$;

-- The daily check-in (0004): the refusal now says the Bangkok date of the next one.
create or replace function private.daily_check_in(p_user uuid, p_now timestamptz) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  today date := (p_now at time zone 'Asia/Bangkok')::date;
  w public.wallets;
  reward jsonb := jsonb_build_object('coin', private.setting('daily_reward_coins'),
    'exp', private.setting('daily_reward_exp'));
begin
  select * into w from public.wallets where user_id = p_user for update;
  if not found then
    perform private.fail(404, 'wallet_not_found', 'No wallet for this user.');
  elsif w.last_check_in >= today then
    perform private.fail(409, 'already_checked_in', 'Already checked in today (Bangkok time). Come back tomorrow.',
      jsonb_build_object('next_check_in', to_char(w.last_check_in + 1, 'YYYY-MM-DD')));
  end if;
  update public.wallets set last_check_in = today,
    streak = case when w.last_check_in = today - 1 then w.streak + 1 else 1 end
  where user_id = p_user;
  w := private.post(p_user, 'daily:' || p_user || ':' || today, reward, 'daily_check_in', today::text);
  return jsonb_build_object('day', today, 'streak', w.streak, 'reward', reward, 'wallet', private.wallet_json(w));
end
$$;

-- The SQL rate limits (0011): the refusal now says the seconds to wait, which the API also sends as Retry-After.
create or replace function private.enforce_rate(p_what text, p_count bigint, p_max integer, p_oldest timestamptz,
  p_window interval) returns void
language plpgsql
set search_path = ''
as $$
declare
  wait_s integer := greatest(1, ceil(extract(epoch from p_oldest + p_window - now())))::integer;
begin
  if p_count >= p_max then
    perform private.fail(429, 'rate_limited', format('Too many %s; try again in %s s.', p_what, wait_s),
      jsonb_build_object('retry_after', wait_s));
  end if;
end
$$;

/** Refresh rotation (private.rotate_refresh_token, unchanged) answering the user and their language. */
create function public.refresh_session(p_old_hash text, p_new_hash text, p_ttl_s int) returns jsonb
language sql volatile security definer
set search_path = ''
as $$
  select case when r.uid is not null then jsonb_build_object('user_id', r.uid, 'language',
    (select u.language from public.users u where u.id = r.uid)) end
  from (select private.rotate_refresh_token(p_old_hash, p_new_hash, p_ttl_s, pg_catalog.now()) as uid) r
$$;
comment on function public.refresh_session is
  'Exchanges a refresh token for its successor (as rotate_refresh_token) and answers {user_id, language}; null on reuse.';
revoke execute on function public.refresh_session(text, text, int) from public, anon, authenticated;
grant execute on function public.refresh_session(text, text, int) to service_role;
