-- 0017 legacy import: the old app's users, by LINE id, through ONE call per user (public.import_legacy_user), run by
-- `python -m mimi_local.legacy_import` with the ops DSN. Ops only: no API role may execute these functions, not even
-- service_role (its key lives in Lambdas; these mint balances), so only the owner (the migrations' user) can.
-- Every part is idempotent, so a second run changes nothing:
--   account   created (no welcome bonus: the old free points come in the opening) or, for a user who already logged
--             in here, merged; either way recorded once in private.legacy_users (old id -> our user).
--   opening   the old stars, coins, exp and free points as ledger rows of kind legacy_opening, key
--             legacy:<old user id>:opening (one credit op, rows ...:opening:<currency>): added to whatever the
--             user already has here, so sum(ledger) == balance holds.
--   readings  id = md5('legacy-reading:' || old id) as uuid; cards mapped by English name (unknown names dropped
--             from `cards`, the old answer kept whole in `result`); deleted ones soft-deleted (hidden);
--             unfinished ones failed. Reviews keep their accuracy. No reward, no refund: the old balances hold them.
--   payments  origin 'legacy' (see 0016) under an inactive legacy_<pack> package: credited ones say credited,
--             refunded ones say refunded, so later Stripe events neither credit twice nor claw back twice.
--   referrals public.import_legacy_referral links invitee and inviter once both are imported, marked rewarded:
--             no referral bonus or reward is ever paid for an old link.

create table private.legacy_users (
  legacy_id text primary key check (char_length(legacy_id) between 1 and 200),
  user_id uuid not null unique references public.users (id) on delete cascade,
  outcome text not null check (outcome in ('created', 'merged')),
  imported_at timestamptz not null default now()
);
comment on table private.legacy_users is
  'Old-app user id -> our user, once per old user; outcome says whether the import created or merged the account.';
alter table private.legacy_users enable row level security;

-- 422 invalid_legacy_user unless the old user has an id, a LINE id of ours and whole, non-negative balances.
create function private.legacy_check(u jsonb) returns void
language plpgsql
set search_path = ''
as $$
begin
  if coalesce(char_length(u ->> 'id'), 0) not between 1 and 200 then
    perform private.fail(422, 'invalid_legacy_user', 'The old user has no id.');
  elsif coalesce(u ->> 'line_id', '') !~ '^U[0-9a-f]{32}$' then
    perform private.fail(422, 'invalid_legacy_user', 'The old user has no usable LINE id.');
  elsif exists (select 1 from unnest(array['stars', 'coins', 'exp', 'free_points']) k
                where coalesce(u ->> k, '') !~ '^[0-9]{1,9}$') then
    perform private.fail(422, 'invalid_legacy_user', 'Balances must be whole numbers from 0.');
  end if;
end
$$;

-- The old user's account here: created with its old code when that code is free and fits ours, else merged.
create function private.legacy_account(u jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  uid uuid;
  code text := upper(trim(u ->> 'referral_code'));
  outcome text := 'created';
begin
  select user_id into uid from private.legacy_users where legacy_id = u ->> 'id';
  if found then
    return jsonb_build_object('user_id', uid, 'account', 'already_imported');
  end if;
  if code !~ '^[A-Z0-9]{8}$' or exists (select 1 from public.users where referral_code = code) then
    code := null;
  end if;
  insert into public.users (line_user_id, display_name, picture_url, referral_code, created_at)
  values (u ->> 'line_id', left(coalesce(nullif(trim(u ->> 'name'), ''), 'LINE user'), 100),
          case when char_length(u ->> 'image_url') <= 1000 then u ->> 'image_url' end,
          coalesce(code, private.new_referral_code()), coalesce((u ->> 'created_at')::timestamptz, now()))
  on conflict (line_user_id) do nothing
  returning id into uid;
  if found then
    insert into public.wallets (user_id) values (uid);
  else
    select id into uid from public.users where line_user_id = u ->> 'line_id';
    outcome := 'merged';
  end if;
  insert into private.legacy_users (legacy_id, user_id, outcome) values (u ->> 'id', uid, outcome);
  return jsonb_build_object('user_id', uid, 'account', outcome,
    'referral_code', case when outcome = 'merged' then 'kept_ours' when code is null then 'new' else 'kept_old' end);
end
$$;

-- The old balances as one legacy_opening credit op, once per old user.
create function private.legacy_opening(p_user uuid, u jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  op_key text := 'legacy:' || (u ->> 'id') || ':opening';
  prev jsonb := private.begin_op(op_key, p_user, 'legacy_opening');
  changes jsonb := jsonb_build_object('star', (u ->> 'stars')::integer, 'coin', (u ->> 'coins')::integer,
    'exp', (u ->> 'exp')::integer, 'free_point', (u ->> 'free_points')::integer);
  w public.wallets;
begin
  if prev is not null then
    return prev;
  end if;
  w := private.post(p_user, op_key, changes, 'legacy_opening', u ->> 'id');
  return private.finish_op(op_key, jsonb_build_object('opened', changes, 'wallet', private.wallet_json(w)));
end
$$;

-- Old cards [{name, position}] as ours, in the old order; a name we do not know is left out.
create function private.legacy_cards(p_cards jsonb) returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', k.id, 'name', k.name_en, 'name_th', k.name_th,
    'image', k.image, 'position', c.value ->> 'position', 'position_en', 'Card ' || c.ordinality,
    'position_th', 'ใบที่ ' || c.ordinality) order by c.ordinality), '[]'::jsonb)
  from jsonb_array_elements(coalesce(p_cards, '[]'::jsonb)) with ordinality c
  join public.cards k on lower(k.name_en) = lower(trim(c.value ->> 'name'))
$$;

-- One old reading (and its review); the outcome: imported, already, or skipped (question too short).
create function private.legacy_reading(p_user uuid, r jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  rid uuid := md5('legacy-reading:' || (r ->> 'id'))::uuid;
  question text := left(trim(r ->> 'question'), 500);
  cards jsonb := private.legacy_cards(r -> 'cards');
  done boolean := coalesce(upper(r ->> 'status') = 'COMPLETED' and jsonb_typeof(r -> 'answer') = 'object', false);
  at timestamptz := coalesce((r ->> 'created_at')::timestamptz, now());
begin
  if coalesce(char_length(question), 0) < 10 then
    return 'skipped';
  end if;
  insert into public.readings (id, user_id, question, language, depth, status, cards, result, failure_reason,
    created_at, updated_at, completed_at, deleted_at)
  values (rid, p_user, question, case when question ~ '[\u0E00-\u0E7F]' then 'th' else 'en' end,
    case when jsonb_array_length(cards) > 3 then 'deep' else 'standard' end,
    case when done then 'completed' else 'failed' end, cards,
    case when done then (r -> 'answer') || jsonb_build_object('cards', cards) end,
    case when not done then 'legacy_' || lower(coalesce(r ->> 'status', 'unknown')) end,
    at, at, case when done then at end, case when (r ->> 'deleted')::boolean then now() end)
  on conflict (id) do nothing;
  if not found then
    return 'already';
  end if;
  if (r -> 'review' ->> 'accuracy') is not null then
    insert into public.reading_reviews (reading_id, user_id, accuracy, created_at)
    values (rid, p_user, least(100, greatest(0, round((r -> 'review' ->> 'accuracy')::numeric)))::integer,
      coalesce((r -> 'review' ->> 'created_at')::timestamptz, at));
  end if;
  return 'imported';
end
$$;

-- The inactive package an old purchase is filed under: legacy_<old pack id>, or legacy_unknown.
create function private.legacy_package(pack jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  pid text := coalesce(left('legacy_' || lower(regexp_replace(pack ->> 'id', '[^A-Za-z0-9_]', '_', 'g')), 40),
    'legacy_unknown');
begin
  insert into public.packages (id, kind, title, price_satang, stars, active, sort)
  values (pid, 'stars', left(coalesce(nullif(trim(pack ->> 'title'), ''), 'Legacy purchase'), 100),
    greatest(coalesce((pack ->> 'price')::integer, 1), 1), greatest(coalesce((pack ->> 'credit_amount')::integer, 1), 1),
    false, 1000)
  on conflict (id) do nothing;
  return pid;
end
$$;

-- One old purchase; the outcome: imported, already, conflict (the PaymentIntent is another user's) or why skipped.
create function private.legacy_payment(p_user uuid, p jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  state text := lower(p ->> 'status');
  paid boolean := coalesce(state in ('succeeded', 'success', 'completed', 'complete', 'paid', 'refunded'), false);
  refunded boolean := coalesce(state = 'refunded', false);
  amount integer := (p ->> 'amount')::integer;
  stars integer := coalesce(nullif((p ->> 'credits_added')::integer, 0), (p -> 'pack' ->> 'credit_amount')::integer);
  at timestamptz := coalesce((p ->> 'created_at')::timestamptz, now());
  row public.payments;
begin
  if coalesce(p ->> 'payment_intent_id', '') !~ '^pi_[A-Za-z0-9_]{1,200}$' then
    return 'skipped_not_a_payment_intent';
  elsif lower(p ->> 'currency') is distinct from 'thb' or coalesce(amount, 0) <= 0 or coalesce(stars, 0) <= 0 then
    return 'skipped_amount';
  end if;
  insert into public.payments (user_id, package_id, payment_intent_id, amount_satang, currency, stars, origin,
    succeeded_at, failed_at, stars_credited, amount_refunded, stars_clawed_back, created_at, updated_at)
  values (p_user, private.legacy_package(p -> 'pack'), p ->> 'payment_intent_id', amount, 'thb', stars, 'legacy',
    case when paid then at end, case when state in ('failed', 'canceled', 'cancelled') then at end,
    case when paid then stars else 0 end, case when refunded then amount else 0 end,
    case when refunded then stars else 0 end, at, at)
  on conflict (payment_intent_id) do nothing
  returning * into row;
  if found then
    update public.payments set status = private.payment_status(row) where id = row.id;
    return 'imported';
  end if;
  return case when exists (select 1 from public.payments where payment_intent_id = p ->> 'payment_intent_id'
                           and user_id = p_user) then 'already' else 'conflict' end;
end
$$;

-- {outcome: count} over a list of outcomes.
create function private.legacy_tally(p_outcomes text[]) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(o, n), '{}'::jsonb)
  from (select o, count(*) as n from unnest(p_outcomes) o group by o) t
$$;

create function public.import_legacy_user(p_user jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  account jsonb;
  uid uuid;
begin
  perform private.legacy_check(p_user);
  account := private.legacy_account(p_user);
  uid := (account ->> 'user_id')::uuid;
  return account || jsonb_build_object(
    'opening', private.legacy_opening(uid, p_user),
    'readings', private.legacy_tally(array(
      select private.legacy_reading(uid, r) from jsonb_array_elements(coalesce(p_user -> 'readings', '[]')) r)),
    'deleted_readings', (select count(*) from jsonb_array_elements(coalesce(p_user -> 'readings', '[]')) r
                         where (r ->> 'deleted')::boolean),
    'unmapped_cards', (select coalesce(jsonb_agg(c -> 'name'), '[]')
                       from jsonb_array_elements(coalesce(p_user -> 'readings', '[]')) r,
                            jsonb_array_elements(coalesce(r -> 'cards', '[]')) c
                       where not exists (select 1 from public.cards k
                                         where lower(k.name_en) = lower(trim(c ->> 'name')))),
    'payments', private.legacy_tally(array(
      select private.legacy_payment(uid, p) from jsonb_array_elements(coalesce(p_user -> 'payments', '[]')) p)));
end
$$;
comment on function public.import_legacy_user is
  'Ops only: imports one old-app user (account, opening balances, readings, reviews, payments), idempotently.';

create function public.import_legacy_referral(p_invitee text, p_inviter text, p_at timestamptz default null)
returns text
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  invitee uuid := (select user_id from private.legacy_users where legacy_id = p_invitee);
  inviter uuid := (select user_id from private.legacy_users where legacy_id = p_inviter);
begin
  if invitee is null or inviter is null then
    return 'not_imported';
  elsif invitee = inviter then
    return 'self';
  end if;
  -- rewarded_at set: the old app settled this link, so reward_referrer never pays it here
  insert into public.referrals (invitee_id, inviter_id, created_at, rewarded_at)
  values (invitee, inviter, coalesce(p_at, now()), coalesce(p_at, now()))
  on conflict (invitee_id) do nothing;
  return case when found then 'linked' else 'already_referred' end;
end
$$;
comment on function public.import_legacy_referral is
  'Ops only: records that one imported old user invited another, without paying any referral reward.';

create function public.legacy_import_totals() returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object('users', count(*), 'stars', coalesce(sum(w.stars), 0),
    'coins', coalesce(sum(w.coins), 0), 'exp', coalesce(sum(w.exp), 0),
    'free_points', coalesce(sum(w.free_points), 0),
    'imported_users', (select count(*) from private.legacy_users))
  from public.wallets w
$$;
comment on function public.legacy_import_totals is 'Ops only: balance sums over all wallets, before and after an import.';

revoke execute on function private.legacy_check(jsonb), private.legacy_account(jsonb),
  private.legacy_opening(uuid, jsonb), private.legacy_cards(jsonb), private.legacy_reading(uuid, jsonb),
  private.legacy_package(jsonb), private.legacy_payment(uuid, jsonb), private.legacy_tally(text[]) from public;
revoke execute on function public.import_legacy_user(jsonb), public.import_legacy_referral(text, text, timestamptz),
  public.legacy_import_totals() from public, anon, authenticated, service_role;
