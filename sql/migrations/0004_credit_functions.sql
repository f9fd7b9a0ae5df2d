-- 0004 credit functions: the only writers of wallets and the ledger. Private helpers do the posting;
-- public functions are the API: server-only ones granted to service_role, user ones to authenticated
-- (acting on auth.uid(), never on a user id the caller chooses).

create function private.level_for(p_exp integer) returns integer
language sql immutable
set search_path = ''
as $$
  select greatest(1, floor((1 + sqrt(1 + 8.0 * p_exp / private.setting('level_step_exp'))) / 2)::integer)
$$;

create function private.wallet_json(w public.wallets) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('stars', w.stars, 'free_points', w.free_points, 'coins', w.coins, 'exp', w.exp,
    'level', w.level, 'streak', w.streak, 'last_check_in', w.last_check_in, 'frozen', w.frozen,
    'next_level_exp', private.setting('level_step_exp') * (w.level + 1) * w.level / 2)
$$;

create function private.fail(p_status integer, p_code text, p_detail text) returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'PT' || p_status::text, message = p_code, detail = p_detail;
end
$$;

-- Records the start of an operation; returns the earlier result when the key was already applied.
create function private.begin_op(p_key text, p_user uuid, p_kind text) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  op private.credit_ops;
begin
  insert into private.credit_ops (key, user_id, kind) values (p_key, p_user, p_kind) on conflict (key) do nothing;
  if found then
    return null;
  end if;
  select * into op from private.credit_ops where key = p_key;
  if op.user_id <> p_user or op.kind <> p_kind then
    perform private.fail(409, 'idempotency_key_reused', 'This idempotency key was used for another operation.');
  end if;
  return coalesce(op.result, '{}'::jsonb) || '{"replayed": true}'::jsonb;
end
$$;

create function private.finish_op(p_key text, p_result jsonb) returns jsonb
language sql
set search_path = ''
as $$
  update private.credit_ops set result = p_result where key = p_key returning result
$$;

-- Applies {currency: delta} to the wallet and writes one ledger row per non-zero delta.
create function private.post(p_user uuid, p_key text, p_changes jsonb, p_reason text, p_ref text)
returns public.wallets
language plpgsql
set search_path = ''
as $$
declare
  w public.wallets;
  d_exp integer := coalesce((p_changes ->> 'exp')::integer, 0);
begin
  update public.wallets set
    stars = stars + coalesce((p_changes ->> 'star')::integer, 0),
    free_points = free_points + coalesce((p_changes ->> 'free_point')::integer, 0),
    coins = coins + coalesce((p_changes ->> 'coin')::integer, 0),
    exp = exp + d_exp,
    level = private.level_for(exp + d_exp),
    updated_at = now()
  where user_id = p_user
  returning * into w;
  if not found then
    perform private.fail(404, 'wallet_not_found', 'No wallet for this user.');
  end if;
  insert into public.ledger (user_id, currency, delta, reason, ref, idempotency_key)
  select p_user, c.key, c.value::integer, p_reason, p_ref, p_key || ':' || c.key
  from jsonb_each_text(p_changes) c where c.value::integer <> 0;
  return w;
end
$$;

create function private.grant(p_user uuid, p_key text, p_reason text, p_changes jsonb, p_ref text default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb := private.begin_op(p_key, p_user, 'grant');
  w public.wallets;
begin
  if prev is not null then
    return prev;
  end if;
  w := private.post(p_user, p_key, p_changes, p_reason, p_ref);
  return private.finish_op(p_key, jsonb_build_object('granted', p_changes, 'wallet', private.wallet_json(w)));
end
$$;

create function private.spend(p_user uuid, p_key text, p_reason text, p_ref text default null) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb := private.begin_op(p_key, p_user, 'spend');
  w public.wallets;
  cost integer := private.setting('reading_cost');
  currency text;
begin
  if prev is not null then
    return prev;
  end if;
  select * into w from public.wallets where user_id = p_user for update;
  if not found then
    perform private.fail(404, 'wallet_not_found', 'No wallet for this user.');
  elsif w.frozen then
    perform private.fail(403, 'account_frozen', 'Spending is paused while a payment dispute is open.');
  elsif w.stars < 0 then
    perform private.fail(409, 'insufficient_credits', 'Your star balance is negative after a refund; top up first.');
  end if;
  currency := case when w.free_points >= cost then 'free_point' when w.stars >= cost then 'star' end;
  if currency is null then
    perform private.fail(409, 'insufficient_credits', 'Not enough stars or free points for a reading.');
  end if;
  w := private.post(p_user, p_key, jsonb_build_object(currency, -cost), p_reason, p_ref);
  return private.finish_op(p_key, jsonb_build_object('spent', currency, 'amount', cost,
    'wallet', private.wallet_json(w)));
end
$$;

-- Gives back exactly what the spend took, once per refund key; a spend that never happened refunds nothing.
create function private.refund(p_user uuid, p_spend_key text, p_refund_key text, p_reason text,
  p_ref text default null) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb := private.begin_op(p_refund_key, p_user, 'refund');
  spent jsonb;
  w public.wallets;
begin
  if prev is not null then
    return prev;
  end if;
  select result into spent from private.credit_ops
  where key = p_spend_key and user_id = p_user and kind = 'spend';
  if spent is null or spent ->> 'spent' is null then
    return private.finish_op(p_refund_key, jsonb_build_object('refunded', false));
  end if;
  w := private.post(p_user, p_refund_key, jsonb_build_object(spent ->> 'spent', (spent ->> 'amount')::integer),
    p_reason, p_ref);
  return private.finish_op(p_refund_key, jsonb_build_object('refunded', true, 'currency', spent ->> 'spent',
    'amount', (spent ->> 'amount')::integer, 'wallet', private.wallet_json(w)));
end
$$;

create function private.daily_check_in(p_user uuid, p_now timestamptz) returns jsonb
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
    perform private.fail(409, 'already_checked_in', 'Already checked in today (Bangkok time). Come back tomorrow.');
  end if;
  update public.wallets set last_check_in = today,
    streak = case when w.last_check_in = today - 1 then w.streak + 1 else 1 end
  where user_id = p_user;
  w := private.post(p_user, 'daily:' || p_user || ':' || today, reward, 'daily_check_in', today::text);
  return jsonb_build_object('day', today, 'streak', w.streak, 'reward', reward, 'wallet', private.wallet_json(w));
end
$$;

create function private.attribute_referral(p_invitee uuid, p_code text) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  inviter uuid;
begin
  select id into inviter from public.users where referral_code = upper(trim(p_code));
  if inviter is null then
    perform private.fail(404, 'referral_code_unknown', 'No user has this referral code.');
  elsif inviter = p_invitee then
    perform private.fail(409, 'self_referral', 'You cannot use your own referral code.');
  end if;
  insert into public.referrals (invitee_id, inviter_id) values (p_invitee, inviter) on conflict do nothing;
  if not found then
    perform private.fail(409, 'already_referred', 'This account was already referred.');
  end if;
  return private.grant(p_invitee, 'referral:' || p_invitee || ':invitee', 'referral_bonus',
    jsonb_build_object('star', private.setting('referral_invitee_stars')), inviter::text);
end
$$;

-- Pays the inviter once, when the invitee's first reading completes; null when there is nothing to pay.
create function private.reward_referrer(p_invitee uuid) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  r public.referrals;
begin
  update public.referrals set rewarded_at = now() where invitee_id = p_invitee and rewarded_at is null
  returning * into r;
  if not found then
    return null;
  end if;
  return private.grant(r.inviter_id, 'referral:' || p_invitee || ':inviter', 'referral_reward',
    jsonb_build_object('coin', private.setting('referral_inviter_coins')), p_invitee::text);
end
$$;

create function private.require_uid() returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
begin
  if uid is null then
    perform private.fail(401, 'not_authenticated', 'Log in first.');
  end if;
  return uid;
end
$$;
