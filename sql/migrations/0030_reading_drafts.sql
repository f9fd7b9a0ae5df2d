-- 0030 a reading is stored as it is written (issue 21, items 2 and 3: the SQL side).
--   writing     a status between processing and completed: the model is writing and readings.draft holds what it
--               has written so far. The functions here that look at statuses count it as in flight (the account
--               deletion's refunds, the nightly stuck-reading repair). The admin's stuck list and refund
--               (admin_readings, admin_refund_reading) are redefined after this by 0034 and 0032, which do not know
--               `writing` yet: a later migration must add it there (issue 21's report has the statements).
--   drafts      public.save_reading_draft (service_role only: the processor's path) stores one draft and
--               broadcasts it. It decides what a draft may replace: a draft of an older attempt is dropped, a draft
--               never replaces a longer one (characters received) of the same attempt, and a finished reading takes
--               none. Only the fields the user may see are kept: no reading text unless the question is accepted,
--               a refusal shows only its rejection.
--   attempts    each provider tried is an attempt; a client drops an older attempt's text when a newer one begins.
--               A processor killed mid-stream is delivered again by QStash, so attempt numbers must keep growing
--               across deliveries: claim_reading hands each delivery a block of 100 numbers, `attempt_base` =
--               100 x the claims before it (its attempts are base + 1, base + 2, ...; a delivery tries at most
--               mimi.config.MAX_LLM_PROVIDERS), and sets it as the floor below which no draft is taken, so a
--               delivery still running after QStash gave its reading to another cannot write over the newer one.
--   broadcasts  each step sends one Realtime message on the private topic 'reading:<id>' (realtime.send, after
--               commit): `draft` {reading_id, status: writing, draft}, `completed` {reading_id, status, attempt,
--               result}, `rejected` {reading_id, status, rejection}, `failed` {reading_id, status,
--               failure_reason}; docs/architecture.md has the shapes. 0031 decides who may hear them.
--   ends        complete_reading stores the validated result in place of the draft in the same transaction as
--               the reward; every end with a refund (reject, fail, cancel, deletion, admin, reconcile) clears the
--               draft and broadcasts the end. Rewards, refunds and idempotency are unchanged.
--   deploys     complete_reading and reject_reading keep 0028's signatures (the attempt travels in p_meta), so a
--               processor deployed before this migration keeps working while it runs. The signatures 0028 dropped
--               come back as thin overloads for a processor from before 0028: it drew its own cards, so they
--               pass on only a call whose cards are the stored ones, and refuse any other with 409
--               reading_cards_differ (QStash retries it on the new processor) instead of storing a reading
--               written about other cards. Migrations stay additive.

alter table public.readings
  add column draft jsonb,
  add column draft_attempt integer not null default 0,
  add column draft_received integer not null default 0;
alter table public.readings drop constraint readings_status_check;
alter table public.readings
  add constraint readings_status_known
    check (status in ('queued', 'processing', 'writing', 'completed', 'rejected', 'failed')),
  add constraint readings_draft_while_writing check ((status = 'writing') = (draft is not null)),
  add constraint readings_draft_is_an_object check (draft is null or jsonb_typeof(draft) = 'object'),
  add constraint readings_draft_counts check (draft_attempt >= 0 and draft_received >= 0);
comment on column public.readings.draft is
  'While writing: what the user may see so far of the newest attempt ({attempt, writing, accepted, ...}).';
comment on column public.readings.draft_attempt is
  'The attempt of the stored draft, or the floor claim_reading set for the delivery (no draft below it).';
comment on column public.readings.draft_received is
  'Characters of the reply received when the stored draft was made (a shorter draft never replaces it).';
grant select (draft) on table public.readings to authenticated;

drop index public.readings_status_updated_idx;
create index readings_status_updated_idx on public.readings (status, updated_at)
  where status in ('queued', 'processing', 'writing', 'failed');
drop index public.readings_stuck_idx;
create index readings_stuck_idx on public.readings (updated_at)
  where status in ('processing', 'writing') or (status = 'queued' and attempts > 0);

-- What a draft may show: its attempt, what is being written, the decision; the reading text only once the question
-- is accepted, the rejection only once it is refused. Anything else the caller sent is dropped.
create function private.draft_json(p_draft jsonb, p_attempt integer) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(d.key, d.value), '{}'::jsonb) || jsonb_build_object('attempt', p_attempt)
  from jsonb_each(p_draft) d
  where d.key in ('writing', 'accepted')
    or (d.key = 'rejection' and p_draft -> 'accepted' = 'false'::jsonb)
    or (d.key in ('header', 'cards', 'reading', 'suggestions', 'next_questions', 'final', 'end', 'notice')
        and p_draft -> 'accepted' = 'true'::jsonb)
$$;

-- The Realtime message of a reading's step: its event name and payload (docs/architecture.md, "Live readings").
create function private.reading_event(r public.readings, p_attempt integer default null) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object('reading_id', r.id, 'status', r.status) || case r.status
    when 'writing' then jsonb_build_object('draft', r.draft)
    when 'completed' then jsonb_build_object('attempt', p_attempt, 'result', r.result)
    when 'rejected' then jsonb_build_object('rejection', r.rejection)
    when 'failed' then jsonb_build_object('failure_reason', r.failure_reason)
    else '{}'::jsonb end
$$;

-- Sends the step to the reading's private topic; delivered after commit, to its owner only (0031).
create function private.broadcast_reading(r public.readings, p_attempt integer default null) returns void
language sql
set search_path = ''
as $$
  select realtime.send(private.reading_event(r, p_attempt),
    case r.status when 'writing' then 'draft' else r.status end, 'reading:' || r.id, true)
$$;

create function public.save_reading_draft(p_id uuid, p_attempt integer, p_received integer, p_draft jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  r public.readings := private.lock_reading(p_id);
  stored boolean := false;
begin
  if p_attempt is null or p_attempt < 1 or p_received is null or p_received < 0
     or jsonb_typeof(p_draft) is distinct from 'object' then
    perform private.fail(422, 'invalid_draft',
      'A draft is an object with its attempt (1 or more) and the characters received (0 or more).');
  elsif octet_length(p_draft::text) > 102400 then
    perform private.fail(422, 'draft_too_large', 'A draft is at most 100 KB.');
  end if;
  if r.status in ('processing', 'writing')
     and (p_attempt > r.draft_attempt or (p_attempt = r.draft_attempt and p_received > r.draft_received)) then
    update public.readings set status = 'writing', draft = private.draft_json(p_draft, p_attempt),
      draft_attempt = p_attempt, draft_received = p_received, updated_at = now()
    where id = p_id
    returning * into r;
    perform private.broadcast_reading(r);
    stored := true;
  end if;
  return jsonb_build_object('id', r.id, 'status', r.status, 'stored', stored, 'attempt', r.draft_attempt,
    'received', r.draft_received);
end
$$;
comment on function public.save_reading_draft is
  'Processor: stores what the user may see of a reading being written and broadcasts it, unless the reading is '
  'finished (or not claimed), the draft is of an older attempt, or it is not longer than the stored one.';

create or replace function public.claim_reading(p_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  r public.readings := private.lock_reading(p_id);
  s public.spreads;
begin
  if r.status in ('completed', 'rejected', 'failed') then
    return private.reading_json(r) || jsonb_build_object('final', true, 'attempts', r.attempts);
  end if;
  select * into s from public.spreads where id = r.spread;
  if r.cards is null or jsonb_array_length(r.cards) <> s.card_count then
    -- only a reading queued before 0028, or an old-app reading retried: every other one was drawn when paid
    r.cards := private.draw_cards(r.user_id, r.spread, r.language,
      private.card_ids((select p.cards from public.readings p where p.id = r.parent_id)));
  end if;
  -- a new delivery (QStash's retry of one that died) starts over: the old draft goes, its attempts are below the
  -- new block (attempts before this claim x 100)
  update public.readings set status = 'processing', attempts = attempts + 1, cards = r.cards, draft = null,
    draft_attempt = greatest(draft_attempt, attempts * 100), draft_received = 0, updated_at = now()
  where id = p_id
  returning * into r;
  return private.reading_json(r) || jsonb_build_object('final', false, 'attempts', r.attempts,
    'attempt_base', r.draft_attempt, 'user_id', r.user_id,
    'positions', (
      select jsonb_agg(jsonb_build_object('key', s.position_keys[i], 'th', s.positions_th[i],
        'en', s.positions_en[i]) order by i)
      from generate_subscripts(s.position_keys, 1) i),
    'context', case when r.parent_id is not null then private.follow_up_context(r.parent_id) end);
end
$$;
comment on function public.claim_reading is
  'Processor: takes a reading for processing (again after a crash) with its stored cards, what the agent needs '
  '(the spread''s positions, a follow-up''s context) and the delivery''s attempt_base; a finished one is returned '
  'as it is.';

create or replace function public.complete_reading(p_id uuid, p_result jsonb, p_analysis jsonb,
  p_meta jsonb default '{}'::jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  r public.readings := private.lock_reading(p_id);
  reward jsonb;
begin
  if r.status in ('completed', 'rejected', 'failed') then
    return private.reading_json(r) || jsonb_build_object('replayed', true);
  elsif r.status not in ('processing', 'writing') then
    perform private.fail(409, 'reading_not_claimed', 'Claim the reading before completing it.');
  end if;
  update public.readings set status = 'completed', result = p_result, analysis = p_analysis, draft = null,
    provider = left(p_meta ->> 'provider', 100), model = left(p_meta ->> 'model', 100),
    prompt_version = left(p_meta ->> 'prompt_version', 100),
    prompt_tokens = (p_meta ->> 'prompt_tokens')::integer,
    completion_tokens = (p_meta ->> 'completion_tokens')::integer,
    completed_at = now(), updated_at = now()
  where id = p_id
  returning * into r;
  if private.reading_paid(r.id) then  -- a free reading earns nothing that buys stars
    reward := private.grant(r.user_id, 'reading:' || r.id || ':reward', 'reading_reward',
      jsonb_build_object('coin', private.setting('reading_reward_coins'),
                         'exp', private.setting('reading_reward_exp')), r.id::text);
  end if;
  if not exists (select 1 from public.readings o
                 where o.user_id = r.user_id and o.status = 'completed' and o.id <> r.id) then
    perform private.reward_referrer(r.user_id);
  end if;
  perform private.broadcast_reading(r,
    case when p_meta ->> 'attempt' ~ '^[0-9]{1,9}$' then (p_meta ->> 'attempt')::integer end);
  return private.reading_json(r) || jsonb_build_object('replayed', false, 'reward', reward);
end
$$;
comment on function public.complete_reading is
  'Processor: stores the result once in place of the draft (the cards stay those drawn when it was paid for), '
  'awards, once, the completion reward of a paid reading and the first-reading referral reward, and broadcasts '
  'the result (p_meta.attempt: the attempt that wrote it).';

-- Marks a reading rejected or failed and gives its credit back; the shared refund key makes it once per reading.
create or replace function private.end_with_refund(r public.readings, p_status text, p_changes jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  refund jsonb;
  changes jsonb := jsonb_strip_nulls(p_changes);  -- a JSON null keeps the stored value
begin
  update public.readings set status = p_status, updated_at = now(), draft = null,
    cards = coalesce(changes -> 'cards', cards), analysis = coalesce(changes -> 'analysis', analysis),
    rejection = coalesce(changes -> 'rejection', rejection), failure_reason = changes ->> 'failure_reason'
  where id = r.id
  returning * into r;
  refund := private.refund(r.user_id, 'reading:' || r.id || ':spend', 'reading:' || r.id || ':refund',
    'reading_refund', r.id::text);
  perform private.broadcast_reading(r);  -- a refusal shows its rejection only: the draft is gone
  return private.reading_json(r) || jsonb_build_object('refund', refund);
end
$$;

-- Readings still in flight end as failed with their credit refunded once, like any failed reading.
create or replace function private.end_readings_in_flight(p_user uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  r public.readings;
begin
  for r in select * from public.readings where user_id = p_user and status in ('queued', 'processing', 'writing')
           order by created_at, id loop
    perform private.end_with_refund(r, 'failed', jsonb_build_object('failure_reason', 'account_deleted'));
  end loop;
end
$$;

-- Readings claimed but never finished (QStash's retries and failure callback both lost): failed, refunded once.
create or replace function private.fail_stuck_readings(p_older_than_s integer) returns uuid[]
language plpgsql
set search_path = ''
as $$
declare
  r public.readings;
  failed uuid[] := '{}';
begin
  for r in
    select * from public.readings
    where (status in ('processing', 'writing') or (status = 'queued' and attempts > 0))
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

-- ---- a processor from before 0028 (it drew its own cards) during the deploy -------------------------------------

-- The faces of a card list, in order: [id, orientation] each (upright when not said); null when not a list.
create function private.card_faces(p_cards jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
  select case when jsonb_typeof(p_cards) = 'array' then (
    select coalesce(jsonb_agg(jsonb_build_array(c.value ->> 'id', coalesce(c.value ->> 'orientation', 'upright'))
      order by c.i), '[]'::jsonb)
    from jsonb_array_elements(p_cards) with ordinality c (value, i)) end
$$;

-- 409 when an unfinished reading's stored cards are not the ones a pre-0028 processor read (QStash retries it).
create function private.require_stored_cards(p_id uuid, p_cards jsonb) returns void
language plpgsql
set search_path = ''
as $$
begin
  if exists (select 1 from public.readings r
             where r.id = p_id and r.status not in ('completed', 'rejected', 'failed')
               and private.card_faces(r.cards) is distinct from private.card_faces(p_cards)) then
    perform private.fail(409, 'reading_cards_differ',
      'The cards were drawn when the reading was paid for; these are others (a processor from before 0028). Retry.');
  end if;
end
$$;

create function public.complete_reading(p_id uuid, p_cards jsonb, p_result jsonb, p_analysis jsonb, p_meta jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform private.require_stored_cards(p_id, p_cards);
  return public.complete_reading(p_id, p_result, p_analysis, p_meta);
end
$$;
comment on function public.complete_reading(uuid, jsonb, jsonb, jsonb, jsonb) is
  'Processor before 0028 (deploy window): complete_reading when p_cards are the stored cards, else 409.';

create function public.reject_reading(p_id uuid, p_rejection jsonb, p_cards jsonb, p_analysis jsonb)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  perform private.require_stored_cards(p_id, p_cards);
  return public.reject_reading(p_id, p_rejection, p_analysis);
end
$$;
comment on function public.reject_reading(uuid, jsonb, jsonb, jsonb) is
  'Processor before 0028 (deploy window): reject_reading when p_cards are the stored cards, else 409.';

revoke execute on function private.draft_json(jsonb, integer), private.reading_event(public.readings, integer),
  private.broadcast_reading(public.readings, integer), private.card_faces(jsonb),
  private.require_stored_cards(uuid, jsonb) from public;
revoke execute on function public.save_reading_draft(uuid, integer, integer, jsonb),
  public.complete_reading(uuid, jsonb, jsonb, jsonb, jsonb), public.reject_reading(uuid, jsonb, jsonb, jsonb)
  from public, anon, authenticated;
grant execute on function public.save_reading_draft(uuid, integer, integer, jsonb),
  public.complete_reading(uuid, jsonb, jsonb, jsonb, jsonb), public.reject_reading(uuid, jsonb, jsonb, jsonb)
  to service_role;
