-- 0020 nightly reconciliation: one SQL call per run (the reconcile function, on a signed QStash schedule) that
--   1. counts ledger invariant breaks (public.ledger_mismatches());
--   2. applies every succeeded Stripe PaymentIntent of the last 72 h (listed by the function from Stripe) that our
--      payments table has not seen succeed, through public.apply_stripe_event, the webhook's own function, under
--      the synthetic event id evt_reconcile_<pi>. The event id dedups the repair itself; the credit is once per
--      PaymentIntent anyway (ledger key stripe:<pi>:credit, stars_credited), so a webhook arriving late, or a
--      second run, credits nothing more. PaymentIntents with no payment row at all are counted, not applied;
--   3. fails and refunds, once (the reading's one refund key), readings stuck in processing (or queued again after
--      a claim) for longer than the `stuck_reading_after_s` setting;
--   4. stores the run (private.reconcile_runs), which admins read through public.admin_reconcile_runs().

insert into public.app_settings (key, value, description, min_value, max_value) values
  ('stuck_reading_after_s', 7200,
   'A reading claimed but unfinished this long (s) is failed and refunded by the nightly reconciliation', 1800, 604800)
on conflict (key) do nothing;

create table private.reconcile_runs (
  id bigint generated always as identity primary key,
  started_at timestamptz not null,
  finished_at timestamptz not null default now(),
  ledger_mismatches integer not null check (ledger_mismatches >= 0),
  intents_listed integer not null check (intents_listed >= 0),
  payments_repaired integer not null check (payments_repaired >= 0),
  payments_mismatched integer not null check (payments_mismatched >= 0),
  payments_unknown integer not null check (payments_unknown >= 0),
  readings_failed integer not null check (readings_failed >= 0),
  details jsonb not null
);
comment on table private.reconcile_runs is
  'One row per nightly reconciliation: what it checked and repaired (ids in details), for admins and alarms.';
create index reconcile_runs_started_idx on private.reconcile_runs (started_at desc);
alter table private.reconcile_runs enable row level security;

create index readings_stuck_idx on public.readings (updated_at)
  where status = 'processing' or (status = 'queued' and attempts > 0);

-- The succeeded PaymentIntents we have not seen succeed: applied as the webhook would have; outcome per id.
create function private.reconcile_payments(p_intents jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  o jsonb;
  p public.payments;
  outcome text;
  repaired text[] := '{}';
  mismatched text[] := '{}';
  unknown text[] := '{}';
begin
  for o in select value from jsonb_array_elements(coalesce(p_intents, '[]'::jsonb))
           where value ->> 'status' = 'succeeded' and value ->> 'id' ~ '^pi_[A-Za-z0-9_]{1,180}$'
  loop
    select * into p from public.payments where payment_intent_id = o ->> 'id';
    if not found then
      unknown := unknown || (o ->> 'id');
      continue;
    elsif p.succeeded_at is not null then
      continue;  -- the webhook (or an earlier run) already applied it
    end if;
    outcome := public.apply_stripe_event('evt_reconcile_' || (o ->> 'id'), 'payment_intent.succeeded',
      jsonb_build_object('id', 'evt_reconcile_' || (o ->> 'id'), 'object', 'event',
        'type', 'payment_intent.succeeded', 'data', jsonb_build_object('object', o), 'reconciled', true)) ->> 'outcome';
    if outcome = 'credited' then
      repaired := repaired || (o ->> 'id');
    elsif outcome = 'mismatch' then
      mismatched := mismatched || (o ->> 'id');
    end if;
  end loop;
  return jsonb_build_object('repaired', to_jsonb(repaired), 'mismatched', to_jsonb(mismatched),
    'unknown', to_jsonb(unknown));
end
$$;

-- Readings claimed but never finished (QStash's retries and failure callback both lost): failed, refunded once.
create function private.fail_stuck_readings(p_older_than_s integer) returns uuid[]
language plpgsql
set search_path = ''
as $$
declare
  r public.readings;
  failed uuid[] := '{}';
begin
  for r in
    select * from public.readings
    where (status = 'processing' or (status = 'queued' and attempts > 0))
      and updated_at < now() - make_interval(secs => p_older_than_s)
    order by updated_at
    limit 1000
    for update skip locked
  loop
    perform private.end_with_refund(r, 'failed', jsonb_build_object('failure_reason', 'stuck'));
    failed := failed || r.id;
  end loop;
  return failed;
end
$$;

create function public.reconcile(p_intents jsonb, p_started_at timestamptz default now()) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  mismatches integer := (select count(*) from public.ledger_mismatches());
  paid jsonb;
  stuck uuid[];
  run private.reconcile_runs;
begin
  if jsonb_typeof(p_intents) is distinct from 'array' then
    perform private.fail(422, 'invalid_intents', 'Send the PaymentIntents as a JSON array.');
  end if;
  paid := private.reconcile_payments(p_intents);
  stuck := private.fail_stuck_readings(private.setting('stuck_reading_after_s'));
  insert into private.reconcile_runs (started_at, ledger_mismatches, intents_listed, payments_repaired,
    payments_mismatched, payments_unknown, readings_failed, details)
  values (coalesce(p_started_at, now()), mismatches, jsonb_array_length(p_intents),
    jsonb_array_length(paid -> 'repaired'), jsonb_array_length(paid -> 'mismatched'),
    jsonb_array_length(paid -> 'unknown'), cardinality(stuck),
    paid || jsonb_build_object('readings_failed', to_jsonb(stuck)))
  returning * into run;
  return to_jsonb(run);
end
$$;
comment on function public.reconcile is
  'Nightly (server only): checks the ledger invariant, applies missed Stripe successes through apply_stripe_event, '
  'fails and refunds stuck readings once, and records the run.';
grant execute on function public.reconcile(jsonb, timestamptz) to service_role;

create function public.admin_reconcile_runs(p_limit integer default 10) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((select jsonb_agg(to_jsonb(x) order by x.started_at desc, x.id desc) from (
    select * from private.reconcile_runs order by started_at desc, id desc
    limit least(greatest(coalesce(p_limit, 10), 1), 100)) x), '[]'::jsonb);
end
$$;
comment on function public.admin_reconcile_runs is 'Admin: the latest reconciliation runs, newest first.';
grant execute on function public.admin_reconcile_runs(integer) to authenticated;
