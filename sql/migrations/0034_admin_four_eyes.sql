-- 0034 an admin who cannot deal for themselves, and reading private data leaves a trace.
--
--   own wallet   admin_adjust_credits refuses the caller's own wallet (403 own_wallet), and so does deciding on a
--                request about it.
--   four eyes    an adjustment worth more than `admin_adjustment_approval_stars` (stars and free points one for
--                one, coins at the exchange rate, exp never) is not applied: it becomes a pending row of
--                private.adjustment_requests (audited `request_adjustment`), idempotent by the admin's key, that a
--                DIFFERENT admin approves (403 second_admin_required for the requester) or any admin rejects, once
--                (a repeat replays the decision; the other decision is 409). Approving applies it through
--                private.apply_adjustment, the same function a direct adjustment goes through (one ledger op per
--                key, the audit row in the same transaction).
--   traces       listing a user's readings, or the stuck, failed and dead-lettered lists, shows questions: each
--                call writes an audit row `view_readings` per user shown (who looked at whom; no content), so
--                these functions are volatile now.

insert into public.app_settings (key, value, description, min_value, max_value) values
  ('admin_adjustment_approval_stars', 100,
   'Admin adjustments worth more stars than this (coins at the exchange rate, exp never) need a second admin',
   0, 100000);

create table private.adjustment_requests (
  id uuid primary key default gen_random_uuid(),
  op_key text not null unique check (char_length(op_key) <= 200),
  user_id uuid not null references public.users (id),
  currency text not null check (currency in ('star', 'free_point', 'coin', 'exp')),
  delta integer not null check (delta <> 0 and abs(delta) <= 100000),
  clawback boolean not null default false,
  reason text not null check (char_length(reason) between 3 and 500),
  requested_by uuid not null references public.users (id),
  requested_at timestamptz not null default now(),
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected')),
  decided_by uuid references public.users (id),
  decided_at timestamptz,
  decision_reason text check (char_length(decision_reason) between 3 and 500),
  result jsonb,
  check (requested_by <> user_id and decided_by is distinct from user_id),
  check (status <> 'approved' or decided_by <> requested_by),
  check ((status = 'pending') = (decided_by is null))
);
comment on table private.adjustment_requests is
  'Admin adjustments above the approval threshold, waiting for (or decided by) a second admin.';
create index adjustment_requests_user_idx on private.adjustment_requests (user_id);
create index adjustment_requests_requested_by_idx on private.adjustment_requests (requested_by);
create index adjustment_requests_decided_by_idx on private.adjustment_requests (decided_by);
create index adjustment_requests_status_idx on private.adjustment_requests (status, requested_at desc);
alter table private.adjustment_requests enable row level security;

/** An adjustment's worth in stars: stars and free points one for one, coins at the exchange rate, exp nothing. */
create function private.adjustment_worth(p_currency text, p_delta integer) returns integer
language sql stable
set search_path = ''
as $$
  select case p_currency
    when 'coin' then ceil(abs(p_delta)::numeric / greatest(private.setting('coins_per_star'), 1))::integer
    when 'exp' then 0
    else abs(p_delta) end
$$;

create function private.adjustment_request_json(r private.adjustment_requests) returns jsonb
language sql stable
set search_path = ''
as $$
  select to_jsonb(r) - 'op_key'
$$;

/** The admin function's guard, called before any admin route reads its input: 401 for a deleted account's token,
 * 403 not_admin for anyone not in private.admins; true otherwise. */
create function public.admin_check() returns boolean
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  return true;
end
$$;
comment on function public.admin_check is 'Admin: whether the caller may use the back office (401/403 when not).';
grant execute on function public.admin_check() to authenticated;

-- ---- the one path that changes a balance for an admin -------------------------------------------------------------

/** Applies an adjustment (direct, or a request being approved): one ledger op per key, never below zero except a
 * star clawback, audited as p_action with p_reason in the same transaction. A key already applied replays. */
create function private.apply_adjustment(p_admin uuid, r private.adjustment_requests, p_action text, p_reason text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb;
  w public.wallets;
  balance integer;
  changed public.wallets;
begin
  select * into w from public.wallets where user_id = r.user_id for update;
  if not found then
    perform private.fail(404, 'user_not_found', 'No such user.');
  end if;
  prev := private.begin_op(r.op_key, r.user_id, 'adjustment', jsonb_build_object('currency', r.currency,
    'delta', r.delta, 'clawback', r.clawback, 'reason', r.reason));
  if prev is not null then
    return prev;
  end if;
  balance := (private.wallet_json(w) ->> (case r.currency when 'star' then 'stars' when 'coin' then 'coins'
    when 'free_point' then 'free_points' else 'exp' end))::integer;
  if balance + r.delta < 0 then
    if not r.clawback then
      perform private.fail(409, 'balance_would_go_negative',
        format('The balance is %s; a deduction of %s would take it below zero (stars: use clawback).',
               balance, -r.delta));
    end if;
    update public.wallets set clawback_debt = greatest(clawback_debt, -(balance + r.delta))
    where user_id = r.user_id;
  end if;
  changed := private.post(r.user_id, r.op_key, jsonb_build_object(r.currency, r.delta), 'adjustment',
    'admin:' || p_admin);
  if r.currency = 'star' and r.delta > 0 and changed.stars >= 0 and changed.clawback_debt > 0 then
    update public.wallets set clawback_debt = 0 where user_id = r.user_id returning * into changed;
  end if;
  perform private.audit(p_admin, p_action, r.user_id, r.currency, p_reason, private.admin_wallet_json(w),
    private.admin_wallet_json(changed) || jsonb_build_object('delta', r.delta, 'clawback', r.clawback,
      'request_id', case when p_action = 'approve_adjustment' then r.id end));
  return private.finish_op(r.op_key, jsonb_build_object('status', 'applied', 'currency', r.currency,
    'delta', r.delta, 'wallet', private.admin_wallet_json(changed), 'replayed', false));
end
$$;

/** Records an adjustment for a second admin (once per key; the same key with other values is 422). */
create function private.request_adjustment(p_admin uuid, r private.adjustment_requests) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  stored private.adjustment_requests;
  replayed boolean := false;
begin
  insert into private.adjustment_requests (op_key, user_id, currency, delta, clawback, reason, requested_by)
  values (r.op_key, r.user_id, r.currency, r.delta, r.clawback, r.reason, p_admin)
  on conflict (op_key) do nothing
  returning * into stored;
  if not found then
    select * into stored from private.adjustment_requests where op_key = r.op_key;
    if (stored.user_id, stored.currency, stored.delta, stored.clawback, stored.reason)
       is distinct from (r.user_id, r.currency, r.delta, r.clawback, r.reason) then
      perform private.fail(422, 'idempotency_key_reused',
        'This idempotency key was already used with other parameters; use a new key for a new request.');
    end if;
    replayed := true;
  else
    perform private.audit(p_admin, 'request_adjustment', r.user_id, r.currency, r.reason, null,
      private.adjustment_request_json(stored));
  end if;
  return jsonb_build_object('status', 'pending_approval', 'request_id', stored.id, 'currency', stored.currency,
    'delta', stored.delta, 'replayed', replayed,
    'wallet', (select private.admin_wallet_json(w) from public.wallets w where w.user_id = stored.user_id));
end
$$;

create or replace function public.admin_adjust_credits(p_user_id uuid, p_currency text, p_delta integer, p_reason text,
  p_key text, p_clawback boolean default false) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  reason text := private.admin_reason(p_reason);
  r private.adjustment_requests;
begin
  if p_currency is null or p_currency not in ('star', 'free_point', 'coin', 'exp') then
    perform private.fail(422, 'invalid_currency', 'Adjust star, free_point, coin or exp.');
  elsif p_delta is null or p_delta = 0 or abs(p_delta) > 100000 then
    perform private.fail(422, 'invalid_amount', 'Adjust by a whole number from -100000 to 100000, not 0.');
  elsif p_key is null or char_length(p_key) not between 8 and 100 then
    perform private.fail(422, 'invalid_idempotency_key', 'The idempotency key must be 8 to 100 characters.');
  elsif coalesce(p_clawback, false) and (p_currency <> 'star' or p_delta > 0) then
    perform private.fail(422, 'invalid_clawback', 'Only a star deduction can be a clawback.');
  elsif p_user_id = admin then
    perform private.fail(403, 'own_wallet', 'An admin cannot adjust their own wallet; ask another admin.');
  end if;
  perform 1 from public.wallets where user_id = p_user_id;
  if not found then
    perform private.fail(404, 'user_not_found', 'No such user.');
  end if;
  r.op_key := 'adjust:' || p_user_id || ':' || p_key;
  r.user_id := p_user_id;
  r.currency := p_currency;
  r.delta := p_delta;
  r.clawback := coalesce(p_clawback, false);
  r.reason := reason;
  if private.adjustment_worth(p_currency, p_delta) > private.setting('admin_adjustment_approval_stars')
     and not exists (select 1 from private.credit_ops o where o.key = r.op_key) then
    return private.request_adjustment(admin, r);
  end if;
  return private.apply_adjustment(admin, r, 'adjust_credits', reason);
end
$$;
comment on function public.admin_adjust_credits is
  'Admin: adds to or deducts from one balance of ANOTHER user as an `adjustment` ledger row, once per key, '
  'audited; never below zero except a star clawback. Above the approval threshold it waits for a second admin.';

create function public.admin_decide_adjustment(p_request_id uuid, p_approve boolean, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  why text := private.admin_reason(p_reason);
  r private.adjustment_requests;
  decision text := case when p_approve then 'approved' when not p_approve then 'rejected' end;
  applied jsonb;
begin
  if decision is null then
    perform private.fail(422, 'invalid_decision', 'Approve or reject.');
  end if;
  select * into r from private.adjustment_requests where id = p_request_id for update;
  if not found then
    perform private.fail(404, 'adjustment_request_not_found', 'No such adjustment request.');
  elsif r.status <> 'pending' then
    if r.status = decision then
      return private.adjustment_request_json(r) || '{"replayed": true}'::jsonb;
    end if;
    perform private.fail(409, 'adjustment_request_decided', format('This request was already %s.', r.status));
  elsif r.user_id = admin then
    perform private.fail(403, 'own_wallet', 'An admin cannot decide on their own wallet; ask another admin.');
  elsif p_approve and r.requested_by = admin then
    perform private.fail(403, 'second_admin_required', 'Another admin must approve an adjustment you asked for.');
  end if;
  if p_approve then
    applied := private.apply_adjustment(admin, r, 'approve_adjustment', why);
  else
    perform private.audit(admin, 'reject_adjustment', r.user_id, r.currency, why,
      private.adjustment_request_json(r), null);
  end if;
  update private.adjustment_requests set status = decision, decided_by = admin, decided_at = now(),
    decision_reason = why, result = applied
  where id = r.id
  returning * into r;
  return private.adjustment_request_json(r) || '{"replayed": false}'::jsonb;
end
$$;
comment on function public.admin_decide_adjustment is
  'Admin: approves (a different admin than the requester; applied through private.apply_adjustment) or rejects '
  'a pending adjustment, once, audited.';
grant execute on function public.admin_decide_adjustment(uuid, boolean, text) to authenticated;

create function public.admin_adjustment_requests(p_status text default 'pending', p_limit integer default 50)
returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.require_admin();
  if p_status is null or p_status not in ('pending', 'approved', 'rejected') then
    perform private.fail(422, 'invalid_request_status', 'List pending, approved or rejected requests.');
  end if;
  return coalesce((select jsonb_agg(private.adjustment_request_json(x) order by x.requested_at desc, x.id) from (
    select * from private.adjustment_requests where status = p_status
    order by requested_at desc, id limit least(greatest(coalesce(p_limit, 50), 1), 201)) x), '[]'::jsonb);
end
$$;
comment on function public.admin_adjustment_requests is 'Admin: adjustment requests by status, newest first.';
grant execute on function public.admin_adjustment_requests(text, integer) to authenticated;

revoke execute on function private.adjustment_worth(text, integer),
  private.adjustment_request_json(private.adjustment_requests),
  private.apply_adjustment(uuid, private.adjustment_requests, text, text),
  private.request_adjustment(uuid, private.adjustment_requests) from public;

-- ---- reading questions leaves a trace -----------------------------------------------------------------------------

create or replace function public.admin_user_readings(p_user_id uuid, p_limit integer default 50) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
begin
  if exists (select 1 from public.users where id = p_user_id) then
    perform private.audit(admin, 'view_readings', p_user_id, 'user_readings', 'looked at the user''s readings',
      null, null);
  end if;
  return coalesce((select jsonb_agg(x.j order by x.n) from (
    select private.admin_reading_json(r) as j, row_number() over (order by r.created_at desc, r.id desc) as n
    from public.readings r where r.user_id = p_user_id
    order by r.created_at desc, r.id desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) x), '[]'::jsonb);
end
$$;
comment on function public.admin_user_readings is
  'Admin: a user''s readings (deleted ones too), newest first; audited as view_readings (who looked at whom).';

create or replace function public.admin_readings(p_state text, p_older_than_s integer default 600,
  p_limit integer default 50)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  admin uuid := private.require_admin();
  shown jsonb;
begin
  if p_state is null or p_state not in ('stuck', 'failed', 'dlq') then
    perform private.fail(422, 'invalid_reading_state', 'List stuck, failed or dlq readings.');
  end if;
  select coalesce(jsonb_agg(x.j order by x.n), '[]'::jsonb) into shown from (
    select private.admin_reading_json(r) as j, row_number() over (order by r.updated_at desc, r.id desc) as n
    from public.readings r
    where case p_state
      when 'stuck' then status in ('queued', 'processing')
        and updated_at < now() - make_interval(secs => greatest(coalesce(p_older_than_s, 600), 0))
      when 'failed' then status = 'failed'
      else status = 'failed' and failure_reason = 'delivery_failed' end
    order by r.updated_at desc, r.id desc limit least(greatest(coalesce(p_limit, 50), 1), 201)) x;
  perform private.audit(admin, 'view_readings', s.user_id, p_state || '_readings',
    'looked at the ' || p_state || ' readings list', null, null)
  from (select distinct (e ->> 'user_id')::uuid as user_id from jsonb_array_elements(shown) e) s;
  return shown;
end
$$;
comment on function public.admin_readings is
  'Admin: stuck, failed or dead-lettered (QStash gave up) readings; audited as view_readings per user shown.';
