-- 0042 an admin never acts on their own account: the own-wallet rule of 0034, in one place, for every admin action
-- on a user's money or readings.
--
--   rule      private.refuse_own_wallet(admin, user) answers 403 own_wallet when the user an action is about is the
--             admin themselves. 0034 wrote it inline in the adjustment and its decision; it is now this one
--             function, called by both and by the actions that could pay the admin in the same way: crediting (or
--             dismissing) their own flagged payment, freezing or unfreezing their own wallet, retrying their own
--             reading (a free model call once it was refunded) and refunding it. Another admin must.
--   order     each action checks its input (422) first, as before, then the rule, then the state of what it acts
--             on (404, 409): the rule runs as soon as the action knows whose account it touches.
-- Signatures, grants and answers are otherwise unchanged.

/** 403 own_wallet when p_user is the admin p_admin: an admin never acts on their own wallet, payments or readings. */
create function private.refuse_own_wallet(p_admin uuid, p_user uuid) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if p_user = p_admin then
    perform private.fail(403, 'own_wallet',
      'An admin cannot act on their own wallet, payments or readings; ask another admin.');
  end if;
end
$$;
revoke execute on function private.refuse_own_wallet(uuid, uuid) from public;

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
  end if;
  perform private.refuse_own_wallet(admin, p_user_id);
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

create or replace function public.admin_decide_adjustment(p_request_id uuid, p_approve boolean, p_reason text)
returns jsonb
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
  end if;
  perform private.refuse_own_wallet(admin, r.user_id);
  if p_approve and r.requested_by = admin then
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

create or replace function public.admin_set_frozen(p_user_id uuid, p_frozen boolean, p_reason text) returns jsonb
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
  perform private.refuse_own_wallet(admin, p_user_id);
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

create or replace function public.admin_resolve_payment(p_payment_id uuid, p_resolution text, p_reason text)
returns jsonb
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
  end if;
  perform private.refuse_own_wallet(admin, p.user_id);
  if not p.flagged then
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

create or replace function public.admin_retry_reading(p_reading_id uuid, p_reason text) returns jsonb
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
  perform private.refuse_own_wallet(admin, r.user_id);
  if r.deleted_at is not null or exists (select 1 from public.users u where u.id = r.user_id and u.deleted_at is not null)
  then
    perform private.fail(409, 'reading_deleted', 'This reading was deleted.');
  elsif r.status not in ('failed', 'queued') then
    perform private.fail(409, 'reading_not_retryable', 'Only a failed or still queued reading can be retried.');
  end if;
  update public.readings set status = 'queued', failure_reason = null, updated_at = now()
  where id = r.id returning * into changed;
  audit_id := private.audit(admin, 'retry_reading', r.user_id, r.id::text, reason,
    private.audit_reading_json(r), private.audit_reading_json(changed));
  return private.admin_reading_json(changed) || jsonb_build_object('retry_id', audit_id);
end
$$;

create or replace function public.admin_refund_reading(p_reading_id uuid, p_reason text) returns jsonb
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
  perform private.refuse_own_wallet(admin, r.user_id);
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
  perform private.audit(admin, 'refund_reading', r.user_id, r.id::text, reason, private.audit_reading_json(r),
    private.audit_reading_json(changed) || jsonb_build_object('refund', refund));
  return private.admin_reading_json(changed) || jsonb_build_object('refund', refund);
end
$$;

comment on function public.admin_set_frozen is
  'Admin: freezes or unfreezes ANOTHER user''s wallet, audited; unfreezing waits for open disputes to close.';
comment on function public.admin_resolve_payment is
  'Admin: settles ANOTHER user''s flagged payment, crediting its stars once (the webhook''s path) or dismissing the '
  'flag, audited.';
comment on function public.admin_retry_reading is
  'Admin: puts ANOTHER user''s failed (or queued) reading back in the queue, audited; the caller publishes it. A '
  'reading already refunded is not charged again, and its refund key means a later failure refunds nothing more.';
comment on function public.admin_refund_reading is
  'Admin: fails ANOTHER user''s stuck reading and refunds it, or refunds a failed one, through the reading''s one '
  'refund key (at most once), audited.';
