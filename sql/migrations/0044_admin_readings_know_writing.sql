-- 0044 The admin's stuck list and refund know the `writing` status (0030): a reading whose model went silent part way
--   is stuck like a queued or processing one, and an admin refund of it ends it (failed, draft cleared, the end
--   broadcast) instead of returning the credit while the processor may still complete it. 0030 could not say so:
--   0032/0034/0042 redefine both functions after it. Bodies as 0042 and 0034 left them, with `writing` added;
--   signatures and grants unchanged.

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
  if r.status in ('queued', 'processing', 'writing') then
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
      when 'stuck' then status in ('queued', 'processing', 'writing')
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
