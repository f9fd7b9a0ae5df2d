-- 0005 credit API: what PostgREST exposes. Server-only (service_role): spend, refund, grant, the ledger
-- invariant check. Users (authenticated): exchange coins, daily check-in, referral summary, on themselves only.

create function public.spend_credit(p_user_id uuid, p_key text, p_reason text, p_ref text default null)
returns jsonb
language sql volatile security definer
set search_path = ''
as $$ select private.spend(p_user_id, p_key, p_reason, p_ref) $$;
comment on function public.spend_credit is 'Spends one reading''s cost (free point first, else star), once per key.';

create function public.refund_credit(p_user_id uuid, p_spend_key text, p_refund_key text,
  p_reason text default 'refund') returns jsonb
language sql volatile security definer
set search_path = ''
as $$ select private.refund(p_user_id, p_spend_key, p_refund_key, p_reason) $$;
comment on function public.refund_credit is 'Returns what the spend took, once per refund key.';

create function public.grant_credit(p_user_id uuid, p_key text, p_reason text, p_changes jsonb,
  p_ref text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  if exists (select 1 from jsonb_each_text(p_changes) c
             where c.key not in ('star', 'free_point', 'coin', 'exp') or c.value !~ '^-?[0-9]{1,7}$') then
    perform private.fail(422, 'invalid_changes', 'Changes must map star/free_point/coin/exp to integers.');
  end if;
  return private.grant(p_user_id, p_key, p_reason, p_changes, p_ref);
end
$$;
comment on function public.grant_credit is 'Grants rewards or bonuses (server only), once per key.';

create function public.exchange_coins(p_stars integer, p_key text) returns jsonb
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
  prev := private.begin_op(op_key, uid, 'exchange');
  if prev is not null then
    return prev;
  end if;
  select * into w from public.wallets where user_id = uid for update;
  if w.coins < p_stars * rate then
    perform private.fail(409, 'insufficient_coins',
      format('%s stars need %s coins; you have %s.', p_stars, p_stars * rate, w.coins));
  end if;
  w := private.post(uid, op_key, jsonb_build_object('coin', -p_stars * rate, 'star', p_stars),
    'coin_exchange', null);
  return private.finish_op(op_key, jsonb_build_object('stars_bought', p_stars, 'coins_spent', p_stars * rate,
    'wallet', private.wallet_json(w)));
end
$$;
comment on function public.exchange_coins is 'Exchanges coins for whole stars for the calling user, once per key.';

create function public.daily_check_in() returns jsonb
language sql volatile security definer
set search_path = ''
as $$ select private.daily_check_in(private.require_uid(), now()) $$;
comment on function public.daily_check_in is 'The calling user''s daily check-in (once per Bangkok day).';

create function public.referral_summary() returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'code', u.referral_code,
    'invited_count', (select count(*) from public.referrals r where r.inviter_id = u.id),
    'rewarded_count', (select count(*) from public.referrals r where r.inviter_id = u.id and r.rewarded_at is not null),
    'coins_earned', coalesce((select sum(l.delta) from public.ledger l
                              where l.user_id = u.id and l.reason = 'referral_reward'), 0))
  from public.users u where u.id = private.require_uid()
$$;
comment on function public.referral_summary is 'The calling user''s referral code, invitees and rewards.';

create function public.ledger_mismatches()
returns table (user_id uuid, currency text, balance bigint, ledger_sum bigint)
language sql stable security definer
set search_path = ''
as $$
  with balances as (
    select w.user_id, b.currency, b.balance
    from public.wallets w
    cross join lateral (values ('star', w.stars::bigint), ('free_point', w.free_points::bigint),
                               ('coin', w.coins::bigint), ('exp', w.exp::bigint)) as b(currency, balance)
  ), sums as (
    select l.user_id, l.currency, sum(l.delta)::bigint as total from public.ledger l group by 1, 2
  )
  select b.user_id, b.currency, b.balance, coalesce(s.total, 0)
  from balances b left join sums s on s.user_id = b.user_id and s.currency = b.currency
  where b.balance <> coalesce(s.total, 0)
$$;
comment on function public.ledger_mismatches is 'The invariant check: rows where a wallet differs from its ledger sum.';

revoke execute on all functions in schema private from public, anon, authenticated;
revoke execute on function public.spend_credit(uuid, text, text, text) from public, anon, authenticated;
revoke execute on function public.refund_credit(uuid, text, text, text) from public, anon, authenticated;
revoke execute on function public.grant_credit(uuid, text, text, jsonb, text) from public, anon, authenticated;
revoke execute on function public.ledger_mismatches() from public, anon, authenticated;
revoke execute on function public.exchange_coins(integer, text) from public, anon;
revoke execute on function public.daily_check_in() from public, anon;
revoke execute on function public.referral_summary() from public, anon;
grant execute on function public.spend_credit(uuid, text, text, text) to service_role;
grant execute on function public.refund_credit(uuid, text, text, text) to service_role;
grant execute on function public.grant_credit(uuid, text, text, jsonb, text) to service_role;
grant execute on function public.ledger_mismatches() to service_role;
grant execute on function public.exchange_coins(integer, text) to authenticated;
grant execute on function public.daily_check_in() to authenticated;
grant execute on function public.referral_summary() to authenticated;
