-- 0023 the daily card and follow-up questions, and what the processor and the app read of readings now.
--   daily       daily_card() gives one free single-card reading per Bangkok day: the unique key (user, Bangkok
--               date) makes a second call, concurrent or not, return the same reading. It spends nothing, so a
--               failed daily card refunds nothing; it goes through the same queue and processor.
--   follow-ups  ask_follow_up() asks about one of the caller's completed readings: one clarifying card, priced by
--               app_settings.follow_up_cost (spent and refunded like any reading, key reading:<id>:spend), at most
--               app_settings.follow_ups_per_reading per reading (refused and failed ones do not count). The
--               reading row lock serialises concurrent asks. Follow-ups are readings with parent_id set: the
--               history lists top-level readings with their follow-up count; GET /{id} lists the thread.
--   processor   claim_reading() also returns the spread's positions, the owner's reversals choice and, for a
--               follow-up, the original question, its cards and the earlier answer's short summary (its `final`).

insert into public.app_settings (key, value, description) values
  ('follow_up_cost', 1, 'Credits (free point first, else star) a follow-up question costs'),
  ('follow_ups_per_reading', 3, 'Follow-up questions a completed reading may have (refused/failed ones excepted)')
on conflict (key) do nothing;

alter table public.readings
  add column parent_id uuid references public.readings (id) on delete cascade,
  add column daily_on date,
  add constraint readings_daily_has_a_day check ((spread = 'daily') = (daily_on is not null)),
  add constraint readings_follow_up_has_a_parent check ((spread = 'follow_up') = (parent_id is not null));
comment on column public.readings.parent_id is 'For a follow-up question: the reading it asks about.';
comment on column public.readings.daily_on is 'For a daily card: its Bangkok calendar day (one per user and day).';
create index readings_parent_idx on public.readings (parent_id, created_at);
create unique index readings_one_daily_card_idx on public.readings (user_id, daily_on) where daily_on is not null;
grant select (parent_id, daily_on) on table public.readings to authenticated;

create or replace function private.reading_json(r public.readings) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', r.id, 'status', r.status, 'question', r.question, 'language', r.language,
    'depth', r.depth, 'spread', r.spread, 'parent_id', r.parent_id, 'daily_on', r.daily_on, 'cards', r.cards,
    'result', r.result, 'analysis', r.analysis, 'rejection', r.rejection, 'failure_reason', r.failure_reason,
    'created_at', r.created_at, 'updated_at', r.updated_at, 'completed_at', r.completed_at)
$$;

-- The user's card of the Bangkok day that p_now falls in (a parameter so tests can cross midnight).
create function private.daily_card(p_user uuid, p_language text, p_now timestamptz) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  today date := (p_now at time zone 'Asia/Bangkok')::date;
  lang text;
  r public.readings;
begin
  select coalesce(p_language, u.language) into lang from public.users u where u.id = p_user;
  if lang is null or lang not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  end if;
  insert into public.readings (user_id, question, language, depth, spread, daily_on)
  values (p_user, case lang when 'th' then 'ไพ่ประจำวันนี้บอกอะไรกับฉันบ้าง' else 'What does my card of the day say to me?' end,
    lang, 'standard', 'daily', today)
  on conflict (user_id, daily_on) where daily_on is not null do nothing
  returning * into r;
  if found then
    return private.reading_json(r) || jsonb_build_object('created', true);
  end if;
  -- a concurrent first call committed meanwhile: its row is visible to this new statement
  select * into r from public.readings where user_id = p_user and daily_on = today;
  return private.reading_json(r) || jsonb_build_object('created', false);
end
$$;

create function public.daily_card(p_language text default null) returns jsonb
language sql volatile security definer
set search_path = ''
as $$ select private.daily_card(private.require_uid(), p_language, now()) $$;
comment on function public.daily_card is
  'The calling user''s free card of the day (Bangkok time): created once, the same reading on every later call.';
grant execute on function public.daily_card(text) to authenticated;

create function public.ask_follow_up(p_reading uuid, p_question text, p_language text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  fid uuid := gen_random_uuid();
  question text := trim(p_question);
  parent public.readings;
  asked integer;
  spent jsonb;
  r public.readings;
begin
  if question is null or char_length(question) not between 10 and 500 or question ~ '[[:cntrl:]]' then
    perform private.fail(422, 'invalid_question', 'The question must be 10 to 500 characters, no control characters.');
  elsif p_language is not null and p_language not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  end if;
  select * into parent from public.readings
  where id = p_reading and user_id = uid and deleted_at is null and parent_id is null
  for update;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  elsif parent.status <> 'completed' then
    perform private.fail(409, 'reading_not_completed', 'Only a completed reading can have follow-up questions.');
  end if;
  select count(*) into asked from public.readings
  where parent_id = parent.id and status not in ('rejected', 'failed');
  if asked >= private.setting('follow_ups_per_reading') then
    perform private.fail(409, 'follow_up_limit',
      format('A reading can have at most %s follow-up questions.', private.setting('follow_ups_per_reading')));
  end if;
  perform private.check_reading_limits(uid);
  spent := private.spend_amount(uid, 'reading:' || fid || ':spend', 'follow_up', fid::text,
    private.setting('follow_up_cost'));
  insert into public.readings (id, user_id, question, language, depth, spread, parent_id)
  values (fid, uid, question, coalesce(p_language, parent.language), 'standard', 'follow_up', parent.id)
  returning * into r;
  return jsonb_build_object('id', r.id, 'status', r.status, 'language', r.language, 'spread', r.spread,
    'parent_id', r.parent_id, 'created_at', r.created_at, 'spent', spent ->> 'spent',
    'price', (spent ->> 'amount')::integer, 'wallet', spent -> 'wallet');
end
$$;
comment on function public.ask_follow_up is
  'Asks a follow-up question about one of the calling user''s completed readings: spends follow_up_cost and '
  'queues it, at most follow_ups_per_reading per reading.';
grant execute on function public.ask_follow_up(uuid, text, text) to authenticated;

-- For a follow-up: what the agent reads of the earlier reading (never its whole text).
create function private.follow_up_context(p_parent uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('question', p.question, 'cards', p.cards, 'summary', p.result ->> 'final')
  from public.readings p where p.id = p_parent
$$;

create or replace function public.claim_reading(p_id uuid) returns jsonb
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
    'user_id', r.user_id,
    'reversals', (select u.reversals from public.users u where u.id = r.user_id),
    'positions', (
      select jsonb_agg(jsonb_build_object('key', s.position_keys[i], 'th', s.positions_th[i],
        'en', s.positions_en[i]) order by i)
      from public.spreads s, generate_subscripts(s.position_keys, 1) i where s.id = r.spread),
    'context', case when r.parent_id is not null then private.follow_up_context(r.parent_id) end);
end
$$;
comment on function public.claim_reading is
  'Processor: takes a reading for processing (again after a crash) with what drawing and the agent need: the '
  'spread''s positions, the owner''s reversals choice, a follow-up''s context; a finished one is returned as it is.';

-- Deleting a reading deletes its follow-ups with it.
create or replace function public.delete_reading(p_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
begin
  update public.readings set deleted_at = now(), updated_at = now()
  where id = p_id and user_id = private.require_uid() and deleted_at is null;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  end if;
  update public.readings set deleted_at = now(), updated_at = now()
  where parent_id = p_id and deleted_at is null;
end
$$;

-- History lists top-level readings (daily cards included) with their spread and follow-up count.
create or replace function public.reading_history(p_limit integer default 20, p_before uuid default null)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  with anchor as (
    select a.created_at, a.id from public.readings a where a.id = p_before and a.user_id = private.require_uid()
  ), page as (
    select r.id, r.status, r.question, r.language, r.depth, r.spread, r.daily_on, r.cards, r.created_at,
      r.completed_at, r.result ->> 'header' as header,
      exists (select 1 from public.reading_reviews v where v.reading_id = r.id) as reviewed,
      (select count(*) from public.readings f where f.parent_id = r.id and f.deleted_at is null) as follow_ups
    from public.readings r
    where r.user_id = private.require_uid() and r.deleted_at is null and r.parent_id is null
      and (p_before is null or (r.created_at, r.id) < (select x.created_at, x.id from anchor x))
    order by r.created_at desc, r.id desc
    limit least(greatest(coalesce(p_limit, 20), 1), 101)
  )
  select coalesce(jsonb_agg(to_jsonb(page) order by page.created_at desc, page.id desc), '[]'::jsonb) from page
$$;

revoke execute on function private.follow_up_context(uuid), private.daily_card(uuid, text, timestamptz) from public;
