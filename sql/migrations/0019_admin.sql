-- 0019 admin back office: who the admins are, what they may look at, and every action they may take.
--
--   admins    private.admins lists them (seeded by `python -m mimi_local.admins add`, as the owner). Nothing in an
--             access token says "admin": public.is_admin() looks the caller (auth.uid()) up here, in SQL, on every
--             call, so removing a row takes effect at once.
--   actions   each is ONE security definer function granted to authenticated, refusing non-admins with 403
--             not_admin, and writing one private.admin_audit row (who, what, why, before, after) in the same
--             transaction as the change: no change without its audit row, no audit row without its change.
--   reads     user lookups and lists are stable functions with the same admin check; they write nothing.
--   money     adjustments are ledger rows of kind (reason) `adjustment`, idempotent by the admin's key; they never
--             take a balance below zero, except stars with `clawback` (recorded as clawback debt, as a payment
--             clawback is). Flagged payments are credited through private.credit_payment, the webhook's own path.
--   freeze    an admin freeze (wallets.frozen_by_admin) holds whatever disputes do; unfreezing is refused while a
--             dispute is open (the dispute's close unfreezes it).
--   readings  retry re-queues a failed (or still queued) reading for the admin function to publish again; refund
--             fails a stuck reading and refunds it, through the reading's one refund key (at most once).
--   settings  app_settings gain bounds (min_value, max_value) that edits must respect; packages are validated
--             field by field. Spreads (a table another migration adds) are not editable here yet.

create table private.admins (
  user_id uuid primary key references public.users (id),
  note text check (char_length(note) <= 200),
  added_at timestamptz not null default now()
);
comment on table private.admins is 'The users allowed to use the admin back office (checked by public.is_admin()).';
alter table private.admins enable row level security;

create table private.admin_audit (
  id bigint generated always as identity primary key,
  admin_id uuid references public.users (id),
  actor text not null check (char_length(actor) between 1 and 200),
  action text not null check (action ~ '^[a-z_]{3,40}$'),
  target_user_id uuid references public.users (id),
  target text check (char_length(target) <= 200),
  reason text not null check (char_length(reason) between 3 and 500),
  before jsonb,
  after jsonb,
  created_at timestamptz not null default now()
);
comment on table private.admin_audit is
  'Append-only record of every admin action: who (admin_id, or the ops CLI as actor), what, why, before and after.';
create index admin_audit_admin_idx on private.admin_audit (admin_id, id desc);
create index admin_audit_target_user_idx on private.admin_audit (target_user_id, id desc);
alter table private.admin_audit enable row level security;
create trigger admin_audit_append_only before update or delete or truncate on private.admin_audit
  for each statement execute function private.forbid_change();

alter table public.wallets add column frozen_by_admin boolean not null default false;
comment on column public.wallets.frozen_by_admin is 'An admin froze spending; holds until an admin unfreezes.';

/** Keeps an admin freeze in force whatever else recomputes `frozen` (settle_payment derives it from disputes). */
create function private.keep_admin_freeze() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.frozen_by_admin then
    new.frozen := true;
  end if;
  return new;
end
$$;
create trigger wallets_keep_admin_freeze before update on public.wallets
  for each row execute function private.keep_admin_freeze();

alter table public.payments add column resolution text check (resolution in ('credited', 'dismissed')),
  add column resolved_at timestamptz;
comment on column public.payments.resolution is 'How an admin settled the flag: credited or dismissed.';

alter table public.app_settings add column min_value integer not null default 0,
  add column max_value integer not null default 1000000;
comment on column public.app_settings.min_value is 'The smallest value an admin may set.';
update public.app_settings set min_value = 1
where key in ('reading_cost', 'coins_per_star', 'level_step_exp', 'readings_per_minute', 'readings_per_day',
              'payment_intents_per_minute', 'payment_intents_per_day');
update public.app_settings set max_value = 100 where key in ('reading_cost', 'welcome_free_points');
update public.app_settings set max_value = 60 where key = 'refresh_reuse_interval_s';
alter table public.app_settings add constraint app_settings_within_bounds
  check (min_value <= max_value and value between min_value and max_value);

create function public.is_admin() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from private.admins a join public.users u on u.id = a.user_id
                 where a.user_id = auth.uid() and u.deleted_at is null)
$$;
comment on function public.is_admin is 'Whether the caller (auth.uid()) is an admin; no token claim is trusted.';
grant execute on function public.is_admin() to authenticated;

/** Every admin function starts here: 401 without a live user, 403 not_admin for anyone not in private.admins. */
create function private.require_admin() returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
begin
  if not public.is_admin() then
    perform private.fail(403, 'not_admin', 'Only admins may do this.');
  end if;
  return uid;
end
$$;

create function private.admin_reason(p_reason text) returns text
language plpgsql stable
set search_path = ''
as $$
begin
  if p_reason is null or char_length(trim(p_reason)) not between 3 and 500 then
    perform private.fail(422, 'reason_required', 'Say why, in 3 to 500 characters.');
  end if;
  return trim(p_reason);
end
$$;

create function private.audit(p_admin uuid, p_action text, p_user uuid, p_target text, p_reason text,
  p_before jsonb, p_after jsonb) returns bigint
language sql
set search_path = ''
as $$
  insert into private.admin_audit (admin_id, actor, action, target_user_id, target, reason, before, after)
  values (p_admin, coalesce('admin:' || p_admin::text, 'ops'), p_action, p_user, left(p_target, 200),
          private.admin_reason(p_reason), p_before, p_after)
  returning id
$$;

create function private.admin_wallet_json(w public.wallets) returns jsonb
language sql stable
set search_path = ''
as $$
  select private.wallet_json(w) || jsonb_build_object('frozen_by_admin', w.frozen_by_admin,
    'clawback_debt', w.clawback_debt)
$$;

create function private.admin_user_json(p_user uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', u.id, 'line_user_id', u.line_user_id, 'display_name', u.display_name,
    'picture_url', u.picture_url, 'language', u.language, 'referral_code', u.referral_code,
    'created_at', u.created_at, 'last_login_at', u.last_login_at, 'deleted_at', u.deleted_at,
    'is_admin', exists (select 1 from private.admins a where a.user_id = u.id),
    'wallet', (select private.admin_wallet_json(w) from public.wallets w where w.user_id = u.id),
    'open_disputes', (select count(*) from public.payments p where p.user_id = u.id and p.dispute_status = 'open'),
    'flagged_payments', (select count(*) from public.payments p where p.user_id = u.id and p.flagged))
  from public.users u where u.id = p_user
$$;

-- ---- reads ------------------------------------------------------------------------------------------------------

create function public.admin_find_user(p_query text) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  q text := trim(p_query);
  found uuid;
begin
  perform private.require_admin();
  if q ~ '^U[0-9a-f]{32}$' then
    select id into found from public.users where line_user_id = q;
  elsif q ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select id into found from public.users where id = q::uuid;
  elsif upper(q) ~ '^[A-Z0-9]{8}$' then
    select id into found from public.users where referral_code = upper(q);
  else
    perform private.fail(422, 'invalid_user_query', 'Search by LINE user id (U…), user id (UUID) or referral code.');
  end if;
  if found is null then
    perform private.fail(404, 'user_not_found', 'No user matches.');
  end if;
  return private.admin_user_json(found);
end
$$;
comment on function public.admin_find_user is 'Admin: one user by LINE user id, user id or referral code.';
grant execute on function public.admin_find_user(text) to authenticated;

create function public.admin_user(p_user_id uuid) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  result jsonb;
begin
  perform private.require_admin();
  result := private.admin_user_json(p_user_id);
  if result is null then
    perform private.fail(404, 'user_not_found', 'No such user.');
  end if;
  return result;
end
$$;
comment on function public.admin_user is 'Admin: a user''s profile, wallet (with freeze and clawback debt) and flags.';
grant execute on function public.admin_user(uuid) to authenticated;

create function public.admin_user_ledger(p_user_id uuid, p_limit integer default 50, p_before bigint default null)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((select jsonb_agg(to_jsonb(l) - 'user_id' order by l.id desc) from (
    select * from public.ledger where user_id = p_user_id and (p_before is null or id < p_before)
    order by id desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) l), '[]'::jsonb);
end
$$;
comment on function public.admin_user_ledger is 'Admin: a user''s ledger rows, newest first, before the row p_before.';
grant execute on function public.admin_user_ledger(uuid, integer, bigint) to authenticated;

create function private.admin_reading_json(r public.readings) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', r.id, 'user_id', r.user_id, 'status', r.status, 'question', r.question,
    'language', r.language, 'depth', r.depth, 'header', r.result ->> 'header', 'failure_reason', r.failure_reason,
    'attempts', r.attempts, 'provider', r.provider, 'model', r.model, 'prompt_tokens', r.prompt_tokens,
    'completion_tokens', r.completion_tokens, 'created_at', r.created_at, 'updated_at', r.updated_at,
    'completed_at', r.completed_at, 'deleted_at', r.deleted_at)
$$;

create function public.admin_user_readings(p_user_id uuid, p_limit integer default 50) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((select jsonb_agg(x.j order by x.n) from (
    select private.admin_reading_json(r) as j, row_number() over (order by r.created_at desc, r.id desc) as n
    from public.readings r where r.user_id = p_user_id
    order by r.created_at desc, r.id desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) x), '[]'::jsonb);
end
$$;
comment on function public.admin_user_readings is 'Admin: a user''s readings (deleted ones too), newest first.';
grant execute on function public.admin_user_readings(uuid, integer) to authenticated;

create function private.admin_payment_json(p public.payments) returns jsonb
language sql stable
set search_path = ''
as $$
  select private.payment_json(p) || jsonb_build_object('user_id', p.user_id, 'origin', p.origin,
    'charge_id', p.charge_id, 'succeeded_at', p.succeeded_at, 'failed_at', p.failed_at, 'flagged', p.flagged,
    'flag_reason', p.flag_reason, 'dispute_status', p.dispute_status, 'resolution', p.resolution,
    'resolved_at', p.resolved_at)
$$;

create function public.admin_user_payments(p_user_id uuid, p_limit integer default 50) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((select jsonb_agg(x.j order by x.seq desc) from (
    select private.admin_payment_json(p) as j, p.seq from public.payments p where p.user_id = p_user_id
    order by p.seq desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) x), '[]'::jsonb);
end
$$;
comment on function public.admin_user_payments is 'Admin: a user''s payments with flags and disputes, newest first.';
grant execute on function public.admin_user_payments(uuid, integer) to authenticated;

create function public.admin_flagged_payments(p_limit integer default 50) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((select jsonb_agg(x.j order by x.seq desc) from (
    select private.admin_payment_json(p) as j, p.seq from public.payments p where p.flagged
    order by p.seq desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) x), '[]'::jsonb);
end
$$;
comment on function public.admin_flagged_payments is 'Admin: payments flagged for review, newest first.';
grant execute on function public.admin_flagged_payments(integer) to authenticated;
create index payments_flagged_idx on public.payments (seq desc) where flagged;

/** stuck: queued or processing, unchanged for p_older_than_s; failed: any failure; dlq: failed by QStash's callback. */
create function public.admin_readings(p_state text, p_older_than_s integer default 600, p_limit integer default 50)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  if p_state is null or p_state not in ('stuck', 'failed', 'dlq') then
    perform private.fail(422, 'invalid_reading_state', 'List stuck, failed or dlq readings.');
  end if;
  return coalesce((select jsonb_agg(x.j order by x.n) from (
    select private.admin_reading_json(r) as j, row_number() over (order by r.updated_at desc, r.id desc) as n
    from public.readings r
    where case p_state
      when 'stuck' then status in ('queued', 'processing')
        and updated_at < now() - make_interval(secs => greatest(coalesce(p_older_than_s, 600), 0))
      when 'failed' then status = 'failed'
      else status = 'failed' and failure_reason = 'delivery_failed' end
    order by r.updated_at desc, r.id desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) x), '[]'::jsonb);
end
$$;
comment on function public.admin_readings is 'Admin: stuck, failed or dead-lettered (QStash gave up) readings.';
grant execute on function public.admin_readings(text, integer, integer) to authenticated;
create index readings_status_updated_idx on public.readings (status, updated_at)
  where status in ('queued', 'processing', 'failed');

create function public.admin_audit_log(p_user_id uuid default null, p_limit integer default 50) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return coalesce((select jsonb_agg(to_jsonb(a) order by a.id desc) from (
    select * from private.admin_audit where p_user_id is null or target_user_id = p_user_id
    order by id desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) a), '[]'::jsonb);
end
$$;
comment on function public.admin_audit_log is 'Admin: the audit trail, newest first, optionally about one user.';
grant execute on function public.admin_audit_log(uuid, integer) to authenticated;

-- ---- credits ----------------------------------------------------------------------------------------------------

create function public.admin_adjust_credits(p_user_id uuid, p_currency text, p_delta integer, p_reason text,
  p_key text, p_clawback boolean default false) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  op_key text := 'adjust:' || p_user_id || ':' || p_key;
  prev jsonb;
  w public.wallets;
  balance integer;
  changed public.wallets;
begin
  if p_currency is null or p_currency not in ('star', 'free_point', 'coin', 'exp') then
    perform private.fail(422, 'invalid_currency', 'Adjust star, free_point, coin or exp.');
  elsif p_delta is null or p_delta = 0 or abs(p_delta) > 100000 then
    perform private.fail(422, 'invalid_amount', 'Adjust by a whole number from -100000 to 100000, not 0.');
  elsif p_key is null or char_length(p_key) not between 8 and 100 then
    perform private.fail(422, 'invalid_idempotency_key', 'The idempotency key must be 8 to 100 characters.');
  elsif coalesce(p_clawback, false) and (p_currency <> 'star' or p_delta > 0) then
    perform private.fail(422, 'invalid_clawback', 'Only a star deduction can be a clawback.');
  end if;
  select * into w from public.wallets where user_id = p_user_id for update;
  if not found then
    perform private.fail(404, 'user_not_found', 'No such user.');
  end if;
  prev := private.begin_op(op_key, p_user_id, 'adjustment', jsonb_build_object('currency', p_currency,
    'delta', p_delta, 'clawback', coalesce(p_clawback, false), 'reason', reason));
  if prev is not null then
    return prev;
  end if;
  balance := (private.wallet_json(w) ->> (case p_currency when 'star' then 'stars' when 'coin' then 'coins'
    when 'free_point' then 'free_points' else 'exp' end))::integer;
  if balance + p_delta < 0 then
    if not coalesce(p_clawback, false) then
      perform private.fail(409, 'balance_would_go_negative',
        format('The balance is %s; a deduction of %s would take it below zero (stars: use clawback).',
               balance, -p_delta));
    end if;
    update public.wallets set clawback_debt = greatest(clawback_debt, -(balance + p_delta))
    where user_id = p_user_id;
  end if;
  changed := private.post(p_user_id, op_key, jsonb_build_object(p_currency, p_delta), 'adjustment',
    'admin:' || admin);
  if p_currency = 'star' and p_delta > 0 and changed.stars >= 0 and changed.clawback_debt > 0 then
    update public.wallets set clawback_debt = 0 where user_id = p_user_id returning * into changed;
  end if;
  perform private.audit(admin, 'adjust_credits', p_user_id, p_currency, reason, private.admin_wallet_json(w),
    private.admin_wallet_json(changed) || jsonb_build_object('delta', p_delta, 'clawback', coalesce(p_clawback, false)));
  return private.finish_op(op_key, jsonb_build_object('currency', p_currency, 'delta', p_delta,
    'wallet', private.admin_wallet_json(changed), 'replayed', false));
end
$$;
comment on function public.admin_adjust_credits is
  'Admin: adds to or deducts from one balance as an `adjustment` ledger row, once per key, audited; never below '
  'zero except a star clawback.';
grant execute on function public.admin_adjust_credits(uuid, text, integer, text, text, boolean) to authenticated;

create function public.admin_set_frozen(p_user_id uuid, p_frozen boolean, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  w public.wallets;
  changed public.wallets;
begin
  if p_frozen is null then
    perform private.fail(422, 'invalid_frozen', 'Say whether the wallet is to be frozen.');
  end if;
  select * into w from public.wallets where user_id = p_user_id for update;
  if not found then
    perform private.fail(404, 'user_not_found', 'No such user.');
  elsif not p_frozen and exists (select 1 from public.payments
                                 where user_id = p_user_id and dispute_status = 'open') then
    perform private.fail(409, 'dispute_open',
      'A payment dispute is still open: the wallet unfreezes when the dispute closes.');
  end if;
  update public.wallets set frozen_by_admin = p_frozen, frozen = p_frozen, updated_at = now()
  where user_id = p_user_id returning * into changed;
  perform private.audit(admin, case when p_frozen then 'freeze_wallet' else 'unfreeze_wallet' end, p_user_id, null,
    reason, jsonb_build_object('frozen', w.frozen, 'frozen_by_admin', w.frozen_by_admin),
    jsonb_build_object('frozen', changed.frozen, 'frozen_by_admin', changed.frozen_by_admin));
  return private.admin_wallet_json(changed);
end
$$;
comment on function public.admin_set_frozen is
  'Admin: freezes or unfreezes a wallet''s spending, audited; unfreezing waits for open disputes to close.';
grant execute on function public.admin_set_frozen(uuid, boolean, text) to authenticated;

-- ---- payments ---------------------------------------------------------------------------------------------------

/** Credits a succeeded payment's stars once (ledger key stripe:<pi>:credit): the webhook's path and the admin's. */
create function private.credit_payment(p public.payments) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.grant(p.user_id, 'stripe:' || p.payment_intent_id || ':credit', 'stripe_purchase',
    jsonb_build_object('star', p.stars), p.payment_intent_id);
  update public.payments set stars_credited = stars where id = p.id;
  update public.wallets set clawback_debt = 0 where user_id = p.user_id and stars >= 0 and clawback_debt > 0;
end
$$;

-- The webhook's success handler, unchanged but for crediting through private.credit_payment.
create or replace function private.stripe_succeeded(o jsonb) returns jsonb
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
    perform private.credit_payment(p);
    credited := true;
  end if;
  p := private.settle_payment(p.id);
  return jsonb_build_object('outcome', case when problem is not null then 'mismatch'
    when credited then 'credited' else 'already_credited' end, 'reason', problem, 'payment', private.payment_json(p));
end
$$;

create function public.admin_resolve_payment(p_payment_id uuid, p_resolution text, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  p public.payments;
  changed public.payments;
begin
  if p_resolution is null or p_resolution not in ('credit', 'dismiss') then
    perform private.fail(422, 'invalid_resolution', 'Resolve a flagged payment with credit or dismiss.');
  end if;
  select * into p from public.payments where id = p_payment_id for update;
  if not found then
    perform private.fail(404, 'payment_not_found', 'No such payment.');
  elsif not p.flagged then
    perform private.fail(409, 'payment_not_flagged', 'This payment is not waiting for review.');
  elsif p_resolution = 'credit' and (p.succeeded_at is null or p.stars_credited > 0) then
    perform private.fail(409, 'payment_not_creditable',
      'Only a payment Stripe reported as succeeded and not yet credited can be credited.');
  end if;
  if p_resolution = 'credit' then
    perform private.credit_payment(p);
  end if;
  update public.payments set flagged = false, resolved_at = now(),
    resolution = case when p_resolution = 'credit' then 'credited' else 'dismissed' end
  where id = p.id;
  changed := private.settle_payment(p.id);
  perform private.audit(admin, p_resolution || '_payment', p.user_id, p.payment_intent_id, reason,
    private.admin_payment_json(p), private.admin_payment_json(changed));
  return private.admin_payment_json(changed);
end
$$;
comment on function public.admin_resolve_payment is
  'Admin: settles a flagged payment, crediting its stars once (the webhook''s path) or dismissing the flag, audited.';
grant execute on function public.admin_resolve_payment(uuid, text, text) to authenticated;

-- ---- readings ---------------------------------------------------------------------------------------------------

create function public.admin_retry_reading(p_reading_id uuid, p_reason text) returns jsonb
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
    private.admin_reading_json(r), private.admin_reading_json(changed));
  return private.admin_reading_json(changed) || jsonb_build_object('retry_id', audit_id);
end
$$;
comment on function public.admin_retry_reading is
  'Admin: puts a failed (or queued) reading back in the queue, audited; the caller publishes it. A reading '
  'already refunded is not charged again, and its refund key means a later failure refunds nothing more.';
grant execute on function public.admin_retry_reading(uuid, text) to authenticated;

create function public.admin_refund_reading(p_reading_id uuid, p_reason text) returns jsonb
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
  perform private.audit(admin, 'refund_reading', r.user_id, r.id::text, reason, private.admin_reading_json(r),
    private.admin_reading_json(changed) || jsonb_build_object('refund', refund));
  return private.admin_reading_json(changed) || jsonb_build_object('refund', refund);
end
$$;
comment on function public.admin_refund_reading is
  'Admin: fails a stuck reading and refunds it, or refunds a failed one, through the reading''s one refund key '
  '(at most once), audited.';
grant execute on function public.admin_refund_reading(uuid, text) to authenticated;

-- ---- settings and packages --------------------------------------------------------------------------------------

create function public.admin_update_setting(p_key text, p_value integer, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  s public.app_settings;
begin
  select * into s from public.app_settings where key = p_key for update;
  if not found then
    perform private.fail(404, 'setting_not_found', 'No such setting.');
  elsif p_value is null or p_value not between s.min_value and s.max_value then
    perform private.fail(422, 'invalid_setting_value',
      format('%s must be a whole number from %s to %s.', s.key, s.min_value, s.max_value));
  end if;
  update public.app_settings set value = p_value where key = p_key;
  perform private.audit(admin, 'update_setting', null, p_key, reason, jsonb_build_object('value', s.value),
    jsonb_build_object('value', p_value));
  return to_jsonb(s) || jsonb_build_object('value', p_value);
end
$$;
comment on function public.admin_update_setting is 'Admin: changes one business setting within its bounds, audited.';
grant execute on function public.admin_update_setting(text, integer, text) to authenticated;

-- Why a package change is invalid (null when it is valid): known fields, each of the right type and range.
create function private.package_problem(p_changes jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when jsonb_typeof(p_changes) is distinct from 'object' then 'changes must be an object'
    when exists (select 1 from jsonb_object_keys(p_changes) k
                 where k not in ('title', 'price_satang', 'stars', 'popular', 'active', 'sort'))
      then 'only title, price_satang, stars, popular, active and sort can be set'
    when p_changes ? 'title' and (jsonb_typeof(p_changes -> 'title') <> 'string'
      or char_length(trim(p_changes ->> 'title')) not between 1 and 100) then 'title: 1 to 100 characters'
    when p_changes ? 'price_satang' and (jsonb_typeof(p_changes -> 'price_satang') <> 'number'
      or p_changes ->> 'price_satang' !~ '^[0-9]{4,8}$'
      or (p_changes ->> 'price_satang')::integer not between 1000 and 10000000)
      then 'price_satang: a whole number of satang from 1000 (10 THB) to 10000000'
    when p_changes ? 'stars' and (jsonb_typeof(p_changes -> 'stars') <> 'number'
      or p_changes ->> 'stars' !~ '^[0-9]{1,6}$' or (p_changes ->> 'stars')::integer not between 1 and 100000)
      then 'stars: a whole number from 1 to 100000'
    when p_changes ? 'sort' and (jsonb_typeof(p_changes -> 'sort') <> 'number'
      or p_changes ->> 'sort' !~ '^-?[0-9]{1,4}$') then 'sort: a whole number from -9999 to 9999'
    when exists (select 1 from jsonb_each(p_changes) e where e.key in ('popular', 'active')
                 and jsonb_typeof(e.value) <> 'boolean') then 'popular and active are true or false'
  end
$$;

create function public.admin_save_package(p_id text, p_changes jsonb, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  problem text := private.package_problem(p_changes);
  earlier public.packages;
  saved public.packages;
begin
  if p_id is null or p_id !~ '^[a-z0-9_]{2,40}$' then
    perform private.fail(422, 'invalid_package', 'id: 2 to 40 of a-z, 0-9 and _.');
  elsif problem is not null then
    perform private.fail(422, 'invalid_package', problem);
  end if;
  select * into earlier from public.packages where id = p_id for update;
  if found then
    update public.packages set
      title = coalesce(trim(p_changes ->> 'title'), title),
      price_satang = coalesce((p_changes ->> 'price_satang')::integer, price_satang),
      stars = coalesce((p_changes ->> 'stars')::integer, stars),
      popular = coalesce((p_changes ->> 'popular')::boolean, popular),
      active = coalesce((p_changes ->> 'active')::boolean, active),
      sort = coalesce((p_changes ->> 'sort')::integer, sort)
    where id = p_id
    returning * into saved;
  elsif not (p_changes ?& array['title', 'price_satang', 'stars']) then
    perform private.fail(422, 'invalid_package', 'A new package needs title, price_satang and stars.');
  else
    insert into public.packages (id, kind, title, price_satang, stars, popular, active, sort)
    values (p_id, 'stars', trim(p_changes ->> 'title'), (p_changes ->> 'price_satang')::integer,
            (p_changes ->> 'stars')::integer, coalesce((p_changes ->> 'popular')::boolean, false),
            coalesce((p_changes ->> 'active')::boolean, true), coalesce((p_changes ->> 'sort')::integer, 0))
    returning * into saved;
  end if;
  perform private.audit(admin, case when earlier.id is null then 'create_package' else 'update_package' end, null,
    p_id, reason, case when earlier.id is not null then to_jsonb(earlier) end, to_jsonb(saved));
  return to_jsonb(saved);
end
$$;
comment on function public.admin_save_package is
  'Admin: creates a star package or changes some of its fields, validated, audited. Payments already started '
  'keep the price they were recorded at.';
grant execute on function public.admin_save_package(text, jsonb, text) to authenticated;

create function public.admin_catalog() returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return jsonb_build_object(
    'settings', coalesce((select jsonb_agg(to_jsonb(s) order by s.key) from public.app_settings s), '[]'::jsonb),
    'packages', coalesce((select jsonb_agg(to_jsonb(k) order by k.sort, k.id) from public.packages k), '[]'::jsonb));
end
$$;
comment on function public.admin_catalog is 'Admin: every business setting (with its bounds) and every package.';
grant execute on function public.admin_catalog() to authenticated;

-- ---- the admin list (ops CLI, owner only) -----------------------------------------------------------------------

create function public.add_admin(p_who text, p_note text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid;
  added boolean;
begin
  if p_who ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select id into uid from public.users where id = p_who::uuid and deleted_at is null;
  else
    select id into uid from public.users where line_user_id = p_who;
  end if;
  if uid is null then
    perform private.fail(404, 'user_not_found', 'No live user has this LINE user id or user id.');
  end if;
  insert into private.admins (user_id, note) values (uid, left(p_note, 200)) on conflict (user_id) do nothing;
  added := found;
  if added then
    perform private.audit(null, 'add_admin', uid, null, coalesce(p_note, 'added by the ops CLI'), null,
      jsonb_build_object('admin', true));
  end if;
  return jsonb_build_object('user_id', uid, 'added', added);
end
$$;
comment on function public.add_admin is 'Ops only (owner): makes a user an admin, by LINE user id or user id.';

create function public.remove_admin(p_who text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid;
begin
  delete from private.admins a using public.users u
  where a.user_id = u.id and (u.id::text = lower(p_who) or u.line_user_id = p_who)
  returning a.user_id into uid;
  if uid is not null then
    perform private.audit(null, 'remove_admin', uid, null, 'removed by the ops CLI', jsonb_build_object('admin', true),
      jsonb_build_object('admin', false));
  end if;
  return jsonb_build_object('user_id', uid, 'removed', uid is not null);
end
$$;
comment on function public.remove_admin is 'Ops only (owner): takes admin rights away.';

create function public.list_admins() returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object('user_id', a.user_id, 'line_user_id', u.line_user_id,
    'display_name', u.display_name, 'note', a.note, 'added_at', a.added_at) order by a.added_at), '[]'::jsonb)
  from private.admins a join public.users u on u.id = a.user_id
$$;
comment on function public.list_admins is 'Ops only (owner): the admins.';
