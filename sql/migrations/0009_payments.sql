-- 0009 payments: THB star packages, one row per Stripe PaymentIntent, and the verified webhook events.
-- The webhook applies each event in ONE transaction: store the event by id (a redelivery is a no-op), lock the
-- payment row, record the fact the event carries (succeeded, failed, cumulative refund, dispute state), then
-- `private.settle_payment` derives everything else from the facts: stars clawed back, status, wallet freeze.
-- Facts commute, so events may arrive in any order and the end state is the same.
--
-- Rules:
--   credit     the package's stars, once per PaymentIntent (ledger key stripe:<pi>:credit), only when the event's
--              amount, currency (thb) and metadata (user_id, package_id) match the row; otherwise flagged.
--   refund     stars to take back = floor(stars_credited * amount_refunded / amount); a full refund takes all.
--              Computed from Stripe's cumulative amount_refunded, so each refund claws back only the newly
--              refunded part and rounding never drifts (ledger key stripe:<pi>:clawback:<cumulative stars>).
--   dispute    open -> the user's wallet is frozen (spending refused with account_frozen) while any dispute of
--              theirs is open; won -> unfrozen; lost -> every remaining credited star is clawed back, the payment
--              is flagged for review, and the wallet is unfrozen (a negative balance still blocks spending).
--   clawback   may take stars below zero; the wallet's clawback_debt records how far.

create table public.packages (
  id text primary key check (id ~ '^[a-z0-9_]{2,40}$'),
  kind text not null default 'stars' check (kind ~ '^[a-z_]{2,20}$'),
  title text not null check (char_length(title) between 1 and 100),
  price_satang integer not null check (price_satang > 0),
  currency text not null default 'thb' check (currency = 'thb'),
  stars integer not null check (stars >= 0),
  popular boolean not null default false,
  active boolean not null default true,
  sort integer not null default 0,
  check (kind <> 'stars' or stars > 0)
);
comment on table public.packages is 'What can be bought: price in satang (THB) and what it gives. Readable by everyone.';
alter table public.packages enable row level security;
revoke all on table public.packages from anon, authenticated;
grant select on table public.packages to anon, authenticated;
create policy "Anyone can read the packages" on public.packages for select to anon, authenticated using (true);

insert into public.packages (id, kind, title, price_satang, stars, popular, sort) values
  ('stars_10', 'stars', '10 Stars', 9900, 10, false, 10),
  ('stars_25', 'stars', '25 Stars', 19900, 25, true, 20),
  ('stars_60', 'stars', '60 Stars', 39900, 60, false, 30);

create table public.payments (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity unique,
  user_id uuid not null references public.users (id) on delete cascade,
  package_id text not null references public.packages (id),
  payment_intent_id text not null unique check (payment_intent_id ~ '^pi_[A-Za-z0-9_]{1,200}$'),
  charge_id text,
  amount_satang integer not null check (amount_satang > 0),
  currency text not null check (currency = 'thb'),
  stars integer not null check (stars > 0),
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'needs_review',
    'partially_refunded', 'refunded', 'disputed', 'dispute_lost')),
  succeeded_at timestamptz,
  failed_at timestamptz,
  stars_credited integer not null default 0 check (stars_credited in (0, stars)),
  stars_clawed_back integer not null default 0 check (stars_clawed_back between 0 and stars_credited),
  amount_refunded integer not null default 0 check (amount_refunded between 0 and amount_satang),
  dispute_id text,
  dispute_status text check (dispute_status in ('open', 'won', 'lost')),
  flagged boolean not null default false,
  flag_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.payments is 'One row per Stripe PaymentIntent: the price agreed, what Stripe reported, stars credited and clawed back.';
create index payments_user_seq_idx on public.payments (user_id, seq desc);
create index payments_charge_idx on public.payments (charge_id) where charge_id is not null;
create index payments_open_dispute_idx on public.payments (user_id) where dispute_status = 'open';
alter table public.payments enable row level security;
revoke all on table public.payments from anon, authenticated;
-- the flag and dispute internals stay with support: users see their history, not our review notes
grant select (id, seq, user_id, package_id, payment_intent_id, amount_satang, currency, stars, status,
  stars_credited, stars_clawed_back, amount_refunded, created_at, updated_at) on table public.payments
  to authenticated;
create policy "Users can read their own payments" on public.payments for select to authenticated
  using ((select auth.uid()) = user_id);

create table private.stripe_events (
  id text primary key check (id ~ '^evt_[A-Za-z0-9_]{1,200}$'),
  type text not null,
  payment_intent_id text,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  outcome text
);
comment on table private.stripe_events is 'Every verified Stripe event we acted on, once per event id, with what it did.';
create index stripe_events_pi_idx on private.stripe_events (payment_intent_id);
alter table private.stripe_events enable row level security;

create function private.payment_json(p public.payments) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', p.id, 'package_id', p.package_id, 'payment_intent_id', p.payment_intent_id,
    'amount_satang', p.amount_satang, 'currency', p.currency, 'stars', p.stars, 'status', p.status,
    'stars_credited', p.stars_credited, 'stars_clawed_back', p.stars_clawed_back,
    'amount_refunded', p.amount_refunded, 'created_at', p.created_at)
$$;

create function private.payment_status(p public.payments) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when p.dispute_status = 'open' then 'disputed'
    when p.dispute_status = 'lost' then 'dispute_lost'
    when p.amount_refunded >= p.amount_satang then 'refunded'
    when p.amount_refunded > 0 then 'partially_refunded'
    when p.succeeded_at is not null and p.stars_credited = 0 then 'needs_review'
    when p.succeeded_at is not null then 'succeeded'
    when p.failed_at is not null then 'failed'
    else 'pending'
  end
$$;

-- Takes stars back from a wallet, below zero if need be: the debt is recorded first so the wallet check holds.
create function private.claw_back(p_user uuid, p_stars integer, p_key text, p_ref text) returns public.wallets
language plpgsql
set search_path = ''
as $$
declare
  w public.wallets;
begin
  select * into w from public.wallets where user_id = p_user for update;
  if w.stars < p_stars then
    update public.wallets set clawback_debt = greatest(clawback_debt, p_stars - w.stars) where user_id = p_user;
  end if;
  return private.post(p_user, p_key, jsonb_build_object('star', -p_stars), 'payment_clawback', p_ref);
end
$$;

-- Derives clawback, status and the wallet freeze from the row's facts; the caller holds the row lock.
create function private.settle_payment(p_id uuid) returns public.payments
language plpgsql
set search_path = ''
as $$
declare
  p public.payments;
  target integer;
begin
  select * into p from public.payments where id = p_id;
  target := case when p.dispute_status = 'lost' or p.amount_refunded >= p.amount_satang then p.stars_credited
                 else (p.stars_credited::bigint * p.amount_refunded / p.amount_satang)::integer end;
  if target > p.stars_clawed_back then
    perform private.claw_back(p.user_id, target - p.stars_clawed_back,
      'stripe:' || p.payment_intent_id || ':clawback:' || target, p.payment_intent_id);
    p.stars_clawed_back := target;
  end if;
  update public.payments set stars_clawed_back = p.stars_clawed_back, status = private.payment_status(p),
    updated_at = now()
  where id = p_id returning * into p;
  -- lock first, then look: the freeze sees every dispute committed before us (READ COMMITTED)
  perform 1 from public.wallets where user_id = p.user_id for update;
  update public.wallets w set frozen = x.open
  from (select exists (select 1 from public.payments q where q.user_id = p.user_id and q.dispute_status = 'open')
        as open) x
  where w.user_id = p.user_id and w.frozen <> x.open;
  return p;
end
$$;

-- The payment an event is about, locked; found by PaymentIntent id, else by charge id.
create function private.lock_payment(p_pi text, p_charge text) returns public.payments
language plpgsql
set search_path = ''
as $$
declare
  p public.payments;
begin
  select * into p from public.payments where payment_intent_id = p_pi for update;
  if not found and p_charge is not null then
    select * into p from public.payments where charge_id = p_charge for update;
  end if;
  return p;
end
$$;

-- Why a succeeded PaymentIntent does not match the payment we recorded; null when it matches.
create function private.payment_mismatch(p public.payments, o jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when o ->> 'amount' is distinct from p.amount_satang::text then 'amount_mismatch'
    when coalesce(o ->> 'amount_received', o ->> 'amount') is distinct from p.amount_satang::text
      then 'amount_mismatch'
    when lower(o ->> 'currency') is distinct from p.currency then 'currency_mismatch'
    when o -> 'metadata' ->> 'user_id' is distinct from p.user_id::text then 'metadata_mismatch'
    when o -> 'metadata' ->> 'package_id' is distinct from p.package_id then 'metadata_mismatch'
  end
$$;

create function private.stripe_succeeded(o jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  p public.payments := private.lock_payment(o ->> 'id', null);
  problem text;
  credited boolean := false;
begin
  if p.id is null then
    return jsonb_build_object('outcome', 'unknown_payment');
  end if;
  problem := private.payment_mismatch(p, o);
  update public.payments set succeeded_at = coalesce(succeeded_at, now()),
    charge_id = coalesce(charge_id, o ->> 'latest_charge'),
    flagged = flagged or problem is not null, flag_reason = coalesce(flag_reason, problem)
  where id = p.id;
  if problem is null and p.stars_credited = 0 then
    perform private.grant(p.user_id, 'stripe:' || p.payment_intent_id || ':credit', 'stripe_purchase',
      jsonb_build_object('star', p.stars), p.payment_intent_id);
    update public.payments set stars_credited = stars where id = p.id;
    update public.wallets set clawback_debt = 0 where user_id = p.user_id and stars >= 0 and clawback_debt > 0;
    credited := true;
  end if;
  p := private.settle_payment(p.id);
  return jsonb_build_object('outcome', case when problem is not null then 'mismatch'
    when credited then 'credited' else 'already_credited' end, 'reason', problem, 'payment', private.payment_json(p));
end
$$;

create function private.stripe_failed(o jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  p public.payments := private.lock_payment(o ->> 'id', null);
begin
  if p.id is null then
    return jsonb_build_object('outcome', 'unknown_payment');
  end if;
  update public.payments set failed_at = coalesce(failed_at, now()) where id = p.id;
  p := private.settle_payment(p.id);
  return jsonb_build_object('outcome', 'failed', 'payment', private.payment_json(p));
end
$$;

-- amount_refunded is Stripe's running total for the charge: only an increase does anything.
create function private.stripe_refunded(o jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  p public.payments := private.lock_payment(o ->> 'payment_intent', o ->> 'id');
  total integer;
begin
  if p.id is null then
    return jsonb_build_object('outcome', 'unknown_payment');
  end if;
  total := least(greatest((o ->> 'amount_refunded')::integer, 0), p.amount_satang);
  if total <= p.amount_refunded then
    return jsonb_build_object('outcome', 'refund_already_applied', 'payment', private.payment_json(p));
  end if;
  update public.payments set amount_refunded = total, charge_id = coalesce(charge_id, o ->> 'id') where id = p.id;
  p := private.settle_payment(p.id);
  return jsonb_build_object('outcome', 'refund_applied', 'payment', private.payment_json(p));
end
$$;

-- created opens a dispute unless it was already closed (events out of order); closed records won or lost.
create function private.stripe_dispute(o jsonb, p_closed boolean) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  p public.payments := private.lock_payment(o ->> 'payment_intent', o ->> 'charge');
  state text := case when not p_closed then 'open' when o ->> 'status' = 'lost' then 'lost' else 'won' end;
begin
  if p.id is null then
    return jsonb_build_object('outcome', 'unknown_payment');
  end if;
  if p_closed or p.dispute_status is null then
    update public.payments set dispute_id = o ->> 'id', dispute_status = state,
      flagged = flagged or state = 'lost',
      flag_reason = case when state = 'lost' then coalesce(flag_reason, 'dispute_lost') else flag_reason end
    where id = p.id;
  end if;
  p := private.settle_payment(p.id);
  return jsonb_build_object('outcome', 'dispute_' || coalesce(p.dispute_status, state),
    'payment', private.payment_json(p));
end
$$;

create function public.apply_stripe_event(p_event_id text, p_type text, p_payload jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  o jsonb := p_payload -> 'data' -> 'object';
  pi text := coalesce(case when p_type like 'payment_intent.%' then o ->> 'id' end, o ->> 'payment_intent');
  earlier text;
  result jsonb;
begin
  insert into private.stripe_events (id, type, payment_intent_id, payload) values (p_event_id, p_type, pi, p_payload)
  on conflict (id) do nothing;
  if not found then
    select outcome into earlier from private.stripe_events where id = p_event_id;
    return jsonb_build_object('outcome', 'duplicate', 'first_outcome', earlier);
  end if;
  result := case p_type
    when 'payment_intent.succeeded' then private.stripe_succeeded(o)
    when 'payment_intent.payment_failed' then private.stripe_failed(o)
    when 'charge.refunded' then private.stripe_refunded(o)
    when 'charge.dispute.created' then private.stripe_dispute(o, false)
    when 'charge.dispute.closed' then private.stripe_dispute(o, true)
    else jsonb_build_object('outcome', 'ignored') end;
  update private.stripe_events set processed_at = now(), outcome = result ->> 'outcome' where id = p_event_id;
  return result;
end
$$;
comment on function public.apply_stripe_event is
  'Applies one verified Stripe event (server only), once per event id, in one transaction.';

create function public.record_payment_intent(p_payment_intent_id text, p_package_id text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  pkg public.packages;
  p public.payments;
begin
  if p_payment_intent_id is null or p_payment_intent_id !~ '^pi_[A-Za-z0-9_]{1,200}$' then
    perform private.fail(422, 'invalid_payment_intent', 'Not a PaymentIntent id.');
  end if;
  select * into pkg from public.packages where id = p_package_id;
  if not found then
    perform private.fail(404, 'package_not_found', 'No package has this id.');
  elsif not pkg.active or pkg.kind <> 'stars' then
    perform private.fail(422, 'package_not_purchasable', 'This package cannot be bought with a payment.');
  end if;
  insert into public.payments (user_id, package_id, payment_intent_id, amount_satang, currency, stars)
  values (uid, pkg.id, p_payment_intent_id, pkg.price_satang, pkg.currency, pkg.stars)
  on conflict (payment_intent_id) do nothing
  returning * into p;
  if not found then
    select * into p from public.payments where payment_intent_id = p_payment_intent_id;
    if p.user_id <> uid or p.package_id <> pkg.id then
      perform private.fail(409, 'payment_intent_conflict', 'This PaymentIntent belongs to another purchase.');
    end if;
  end if;
  return private.payment_json(p);
end
$$;
comment on function public.record_payment_intent is
  'Records the calling user''s new PaymentIntent as a pending payment at the package''s price (idempotent).';

revoke execute on function private.payment_json(public.payments), private.payment_status(public.payments),
  private.claw_back(uuid, integer, text, text), private.settle_payment(uuid), private.lock_payment(text, text),
  private.payment_mismatch(public.payments, jsonb), private.stripe_succeeded(jsonb), private.stripe_failed(jsonb),
  private.stripe_refunded(jsonb), private.stripe_dispute(jsonb, boolean) from public;
revoke execute on function public.apply_stripe_event(text, text, jsonb) from public, anon, authenticated;
revoke execute on function public.record_payment_intent(text, text) from public, anon;
grant execute on function public.apply_stripe_event(text, text, jsonb) to service_role;
grant execute on function public.record_payment_intent(text, text) to authenticated;
