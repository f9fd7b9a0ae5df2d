-- 0010 reading sweeper: nothing lost. A reading whose credit was spent but whose job never reached the
-- processor (the function died between the spend and the QStash publish) is failed and refunded once.
-- Readings the processor has claimed are left to QStash's retries and failure callback.

create index readings_stale_queued_idx on public.readings (created_at) where status = 'queued' and attempts = 0;

create function public.sweep_stale_readings(p_older_than_s integer default 900, p_limit integer default 200)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  r public.readings;
  swept uuid[] := '{}';
begin
  if p_older_than_s < 300 then
    perform private.fail(422, 'sweep_too_early', 'Only readings queued for 5 minutes or more may be swept.');
  end if;
  for r in
    select * from public.readings
    where status = 'queued' and attempts = 0 and created_at < now() - make_interval(secs => p_older_than_s)
    order by created_at
    limit least(p_limit, 1000)
    for update skip locked
  loop
    perform private.end_with_refund(r, 'failed', jsonb_build_object('failure_reason', 'never_processed'));
    swept := swept || r.id;
  end loop;
  return jsonb_build_object('swept', cardinality(swept), 'reading_ids', to_jsonb(swept));
end
$$;
comment on function public.sweep_stale_readings is
  'Scheduled: fails and refunds readings that were paid for but never reached the processor.';

revoke execute on function public.sweep_stale_readings(integer, integer) from public, anon, authenticated;
grant execute on function public.sweep_stale_readings(integer, integer) to service_role;
