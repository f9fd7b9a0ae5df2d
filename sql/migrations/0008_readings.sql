-- 0008 readings: a user's tarot readings and their reviews. Submitting spends the reading's credit and queues the
-- reading in one transaction; the processor (service_role) claims it, then completes it (reward once) or rejects
-- or fails it (refund once). Every step is keyed by the reading id, so QStash's repeated deliveries change nothing.
-- Ledger keys: reading:<id>:spend, reading:<id>:refund (reject, fail and cancel share it), reading:<id>:reward,
-- reading:<id>:review.

create table public.readings (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  question text not null check (char_length(question) between 10 and 500),
  language text not null check (language in ('th', 'en')),
  depth text not null check (depth in ('standard', 'deep')),
  status text not null default 'queued'
    check (status in ('queued', 'processing', 'completed', 'rejected', 'failed')),
  cards jsonb check (cards is null or jsonb_typeof(cards) = 'array'),
  result jsonb check (result is null or jsonb_typeof(result) = 'object'),
  analysis jsonb check (analysis is null or jsonb_typeof(analysis) = 'object'),
  rejection jsonb check (rejection is null or jsonb_typeof(rejection) = 'object'),
  failure_reason text check (failure_reason is null or char_length(failure_reason) <= 200),
  provider text,
  model text,
  prompt_version text,
  prompt_tokens integer check (prompt_tokens is null or prompt_tokens >= 0),
  completion_tokens integer check (completion_tokens is null or completion_tokens >= 0),
  attempts integer not null default 0 check (attempts >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  deleted_at timestamptz,
  check ((status = 'completed') = (result is not null))
);
comment on table public.readings is 'Tarot readings: the question, the drawn cards, the result and its status.';
create index readings_history_idx on public.readings (user_id, created_at desc, id desc) where deleted_at is null;

alter table public.readings enable row level security;
revoke all on table public.readings from anon, authenticated;
-- the LLM bookkeeping (provider, model, prompt version, tokens, attempts) stays server-side
grant select (id, user_id, question, language, depth, status, cards, result, analysis, rejection, failure_reason,
  created_at, updated_at, completed_at, deleted_at) on table public.readings to authenticated;
create policy "Users can read their own readings" on public.readings for select to authenticated
  using ((select auth.uid()) = user_id and deleted_at is null);

create table public.reading_reviews (
  reading_id uuid primary key references public.readings (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  accuracy integer not null check (accuracy between 0 and 100),
  comment text check (comment is null or char_length(comment) <= 500),
  created_at timestamptz not null default now()
);
comment on table public.reading_reviews is 'One review per completed reading: accuracy 0-100 and an optional comment.';
create index reading_reviews_user_idx on public.reading_reviews (user_id);

alter table public.reading_reviews enable row level security;
revoke all on table public.reading_reviews from anon, authenticated;
grant select on table public.reading_reviews to authenticated;
create policy "Users can read their own reviews" on public.reading_reviews for select to authenticated
  using ((select auth.uid()) = user_id);

-- What the app shows of a reading (never the LLM bookkeeping).
create function private.reading_json(r public.readings) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', r.id, 'status', r.status, 'question', r.question, 'language', r.language,
    'depth', r.depth, 'cards', r.cards, 'result', r.result, 'analysis', r.analysis, 'rejection', r.rejection,
    'failure_reason', r.failure_reason, 'created_at', r.created_at, 'updated_at', r.updated_at,
    'completed_at', r.completed_at)
$$;

-- Locks one reading for a processor step; 404 when it does not exist.
create function private.lock_reading(p_id uuid) returns public.readings
language plpgsql
set search_path = ''
as $$
declare
  r public.readings;
begin
  select * into r from public.readings where id = p_id for update;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  end if;
  return r;
end
$$;

-- Marks a reading rejected or failed and gives its credit back; the shared refund key makes it once per reading.
create function private.end_with_refund(r public.readings, p_status text, p_changes jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  refund jsonb;
  changes jsonb := jsonb_strip_nulls(p_changes);  -- a JSON null keeps the stored value
begin
  update public.readings set status = p_status, updated_at = now(),
    cards = coalesce(changes -> 'cards', cards), analysis = coalesce(changes -> 'analysis', analysis),
    rejection = coalesce(changes -> 'rejection', rejection), failure_reason = changes ->> 'failure_reason'
  where id = r.id
  returning * into r;
  refund := private.refund(r.user_id, 'reading:' || r.id || ':spend', 'reading:' || r.id || ':refund',
    'reading_refund', r.id::text);
  return private.reading_json(r) || jsonb_build_object('refund', refund);
end
$$;

create function public.submit_reading(p_question text, p_language text default null,
  p_depth text default 'standard') returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  rid uuid := gen_random_uuid();
  question text := trim(p_question);
  lang text;
  spent jsonb;
  r public.readings;
begin
  select coalesce(p_language, u.language) into lang from public.users u where u.id = uid;
  if question is null or char_length(question) not between 10 and 500 or question ~ '[[:cntrl:]]' then
    perform private.fail(422, 'invalid_question', 'The question must be 10 to 500 characters, no control characters.');
  elsif lang is null or lang not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  elsif p_depth is null or p_depth not in ('standard', 'deep') then
    perform private.fail(422, 'invalid_depth', 'The depth must be standard or deep.');
  end if;
  spent := private.spend(uid, 'reading:' || rid || ':spend', 'reading', rid::text);
  insert into public.readings (id, user_id, question, language, depth)
  values (rid, uid, question, lang, p_depth)
  returning * into r;
  return jsonb_build_object('id', r.id, 'status', r.status, 'language', r.language, 'depth', r.depth,
    'created_at', r.created_at, 'spent', spent ->> 'spent', 'wallet', spent -> 'wallet');
end
$$;
comment on function public.submit_reading is 'Spends the calling user''s reading credit and queues a reading, atomically.';

create function public.cancel_reading(p_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  r public.readings;
begin
  select * into r from public.readings where id = p_id and user_id = uid for update;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  elsif r.status <> 'queued' then
    perform private.fail(409, 'reading_not_queued', 'Only a reading still waiting in the queue can be cancelled.');
  end if;
  return private.end_with_refund(r, 'failed', jsonb_build_object('failure_reason', 'cancelled'));
end
$$;
comment on function public.cancel_reading is
  'Cancels the calling user''s still-queued reading (e.g. the queue was unreachable) and refunds it once.';

create function public.claim_reading(p_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  r public.readings := private.lock_reading(p_id);
begin
  if r.status in ('completed', 'rejected', 'failed') then
    return private.reading_json(r) || jsonb_build_object('final', true, 'attempts', r.attempts);
  end if;
  update public.readings set status = 'processing', attempts = attempts + 1, updated_at = now()
  where id = p_id
  returning * into r;
  return private.reading_json(r) || jsonb_build_object('final', false, 'attempts', r.attempts,
    'user_id', r.user_id);
end
$$;
comment on function public.claim_reading is
  'Processor: takes a reading for processing (again after a crash); a finished one is returned as it is.';

create function public.complete_reading(p_id uuid, p_cards jsonb, p_result jsonb, p_analysis jsonb,
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
  elsif r.status <> 'processing' then
    perform private.fail(409, 'reading_not_claimed', 'Claim the reading before completing it.');
  end if;
  update public.readings set status = 'completed', cards = p_cards, result = p_result, analysis = p_analysis,
    provider = left(p_meta ->> 'provider', 100), model = left(p_meta ->> 'model', 100),
    prompt_version = left(p_meta ->> 'prompt_version', 100),
    prompt_tokens = (p_meta ->> 'prompt_tokens')::integer,
    completion_tokens = (p_meta ->> 'completion_tokens')::integer,
    completed_at = now(), updated_at = now()
  where id = p_id
  returning * into r;
  reward := private.grant(r.user_id, 'reading:' || r.id || ':reward', 'reading_reward',
    jsonb_build_object('coin', private.setting('reading_reward_coins'),
                       'exp', private.setting('reading_reward_exp')), r.id::text);
  if not exists (select 1 from public.readings o
                 where o.user_id = r.user_id and o.status = 'completed' and o.id <> r.id) then
    perform private.reward_referrer(r.user_id);
  end if;
  return private.reading_json(r) || jsonb_build_object('replayed', false, 'reward', reward);
end
$$;
comment on function public.complete_reading is
  'Processor: stores the result once and awards the completion (and first-reading referral) reward once.';

create function public.reject_reading(p_id uuid, p_rejection jsonb, p_cards jsonb default null,
  p_analysis jsonb default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  r public.readings := private.lock_reading(p_id);
begin
  if r.status in ('completed', 'rejected', 'failed') then
    return private.reading_json(r) || jsonb_build_object('replayed', true);
  end if;
  return private.end_with_refund(r, 'rejected',
    jsonb_build_object('rejection', p_rejection, 'cards', p_cards, 'analysis', p_analysis))
    || jsonb_build_object('replayed', false);
end
$$;
comment on function public.reject_reading is 'Processor: the question was refused; marks it rejected and refunds once.';

create function public.fail_reading(p_id uuid, p_reason text) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  r public.readings := private.lock_reading(p_id);
begin
  if r.status in ('completed', 'rejected', 'failed') then
    return private.reading_json(r) || jsonb_build_object('replayed', true);
  end if;
  return private.end_with_refund(r, 'failed', jsonb_build_object('failure_reason', left(p_reason, 200)))
    || jsonb_build_object('replayed', false);
end
$$;
comment on function public.fail_reading is 'Processor: delivery gave up; marks the reading failed and refunds once.';

create function public.delete_reading(p_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  update public.readings set deleted_at = now(), updated_at = now()
  where id = p_id and user_id = private.require_uid() and deleted_at is null;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  end if;
end
$$;
comment on function public.delete_reading is 'Hides one of the calling user''s readings from history (soft delete).';

create function public.review_reading(p_id uuid, p_accuracy integer, p_comment text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  r public.readings;
  review public.reading_reviews;
  reward jsonb;
begin
  if p_accuracy is null or p_accuracy not between 0 and 100 then
    perform private.fail(422, 'invalid_accuracy', 'Accuracy must be a whole number from 0 to 100.');
  elsif char_length(p_comment) > 500 then
    perform private.fail(422, 'invalid_comment', 'The comment must be at most 500 characters.');
  end if;
  select * into r from public.readings where id = p_id and user_id = uid and deleted_at is null for update;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  elsif r.status <> 'completed' then
    perform private.fail(409, 'reading_not_completed', 'Only a completed reading can be reviewed.');
  end if;
  insert into public.reading_reviews (reading_id, user_id, accuracy, comment)
  values (p_id, uid, p_accuracy, nullif(trim(p_comment), ''))
  on conflict (reading_id) do nothing
  returning * into review;
  if not found then
    perform private.fail(409, 'already_reviewed', 'This reading was already reviewed.');
  end if;
  reward := private.grant(uid, 'reading:' || p_id || ':review', 'review_reward',
    jsonb_build_object('coin', private.setting('review_reward_coins'),
                       'exp', private.setting('review_reward_exp')), p_id::text);
  return jsonb_build_object('reading_id', review.reading_id, 'accuracy', review.accuracy,
    'comment', review.comment, 'created_at', review.created_at, 'reward', reward -> 'granted',
    'wallet', reward -> 'wallet');
end
$$;
comment on function public.review_reading is 'Reviews one of the calling user''s completed readings, once, with a reward.';

create function public.reading_history(p_limit integer default 20, p_before uuid default null) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  with anchor as (
    select a.created_at, a.id from public.readings a where a.id = p_before and a.user_id = private.require_uid()
  ), page as (
    select r.id, r.status, r.question, r.language, r.depth, r.cards, r.created_at, r.completed_at,
      r.result ->> 'header' as header,
      exists (select 1 from public.reading_reviews v where v.reading_id = r.id) as reviewed
    from public.readings r
    where r.user_id = private.require_uid() and r.deleted_at is null
      and (p_before is null or (r.created_at, r.id) < (select x.created_at, x.id from anchor x))
    order by r.created_at desc, r.id desc
    limit least(greatest(coalesce(p_limit, 20), 1), 101)
  )
  select coalesce(jsonb_agg(to_jsonb(page) order by page.created_at desc, page.id desc), '[]'::jsonb) from page
$$;
comment on function public.reading_history is
  'The calling user''s readings, newest first, after the reading p_before (cursor), soft-deleted ones hidden.';

revoke execute on function private.reading_json(public.readings) from public;
revoke execute on function private.lock_reading(uuid) from public;
revoke execute on function private.end_with_refund(public.readings, text, jsonb) from public;
revoke execute on function public.submit_reading(text, text, text) from public, anon;
revoke execute on function public.cancel_reading(uuid) from public, anon;
revoke execute on function public.delete_reading(uuid) from public, anon;
revoke execute on function public.review_reading(uuid, integer, text) from public, anon;
revoke execute on function public.reading_history(integer, uuid) from public, anon;
revoke execute on function public.claim_reading(uuid) from public, anon, authenticated;
revoke execute on function public.complete_reading(uuid, jsonb, jsonb, jsonb, jsonb) from public, anon, authenticated;
revoke execute on function public.reject_reading(uuid, jsonb, jsonb, jsonb) from public, anon, authenticated;
revoke execute on function public.fail_reading(uuid, text) from public, anon, authenticated;
grant execute on function public.submit_reading(text, text, text) to authenticated;
grant execute on function public.cancel_reading(uuid) to authenticated;
grant execute on function public.delete_reading(uuid) to authenticated;
grant execute on function public.review_reading(uuid, integer, text) to authenticated;
grant execute on function public.reading_history(integer, uuid) to authenticated;
grant execute on function public.claim_reading(uuid) to service_role;
grant execute on function public.complete_reading(uuid, jsonb, jsonb, jsonb, jsonb) to service_role;
grant execute on function public.reject_reading(uuid, jsonb, jsonb, jsonb) to service_role;
grant execute on function public.fail_reading(uuid, text) to service_role;
