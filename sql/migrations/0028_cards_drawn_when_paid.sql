-- 0028 the cards are drawn when the reading is paid for, in SQL, and returned at once (issue 21, item 1).
--   draw        private.draw_cards() is the one draw: distinct cards of public.cards in a uniformly random order,
--               each reversed with probability 1/2 when the user's `reversals` is on, in the spread's positions,
--               with the deck's short meaning for the drawn orientation in the reading's language. The randomness
--               is the server's cryptographic generator (gen_random_uuid: 122 random bits; pgcrypto is not
--               needed): every card gets a fresh random sort key, so there is no modulo and no bias beyond a tie
--               of 122-bit keys; an orientation is one random bit of another fresh uuid.
--   spend       submit_reading, ask_follow_up (excluding the earlier reading's cards) and daily_card draw in the
--               same transaction that spends (or, for the daily card, creates the reading), and store the cards
--               in readings.cards before anyone can see the reading. No function takes cards as a parameter, so a
--               caller of /rest/v1/rpc can neither choose nor re-roll them.
--   replays     submit_reading and ask_follow_up take the client's Idempotency-Key (p_idempotency_key, optional):
--               the same key again answers the same reading with the same cards (nothing spent or drawn again);
--               the key with another question, spread, language or reading answers 422 idempotency_key_reused.
--               The key's op row holds the reading id, spread and language: the question is compared with the
--               reading's own (erased with it), so nothing of it outlives an account deletion.
--   processor   claim_reading hands over the stored cards; it draws only for a reading that has none of its
--               spread's (queued before this migration, or an old-app reading an admin retries). complete_reading
--               and reject_reading no longer take cards: the stored ones are the reading's. A processor deployed
--               before this migration fails its completion call until the new one is deployed; QStash retries it
--               (or the reading fails and is refunded once).

-- The one draw: a jsonb array of the spread's cards in position order, none of p_exclude.
create function private.draw_cards(p_user uuid, p_spread text, p_language text, p_exclude text[] default '{}')
returns jsonb
language sql volatile
set search_path = ''
as $$
  with shuffled as (  -- the deck less the excluded cards, each under a fresh random sort key
    select array_agg(c.id order by gen_random_uuid()) as ids
    from public.cards c
    where c.id <> all (coalesce(p_exclude, '{}'))
  ), drawn as (  -- the first card_count of them in the spread's positions, each reversed on a fair random bit
    select x.id, x.i, s.position_keys[x.i] as position, s.positions_th[x.i] as position_th,
      s.positions_en[x.i] as position_en,
      u.reversals and get_byte(uuid_send(gen_random_uuid()), 0) >= 128 as reversed
    from shuffled, public.spreads s, public.users u,
      unnest(shuffled.ids[1:s.card_count]) with ordinality as x (id, i)
    where s.id = p_spread and u.id = p_user
  )
  select jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name_en, 'name_th', c.name_th, 'image', c.image,
      'orientation', case when d.reversed then 'reversed' else 'upright' end, 'position', d.position,
      'position_th', d.position_th, 'position_en', d.position_en,
      'short_meaning', case
        when d.reversed and p_language = 'th' then c.meaning_reversed_th
        when d.reversed then c.meaning_reversed_en
        when p_language = 'th' then c.meaning_th
        else c.meaning_en end)
    order by d.i)
  from drawn d join public.cards c on c.id = d.id
$$;
comment on function private.draw_cards is
  'The one draw (cryptographic randomness, no repeats, none of p_exclude, the user''s reversals choice): the '
  'spread''s cards in position order with names, image, orientation and the short meaning in p_language.';

-- The card ids of a stored card list (what a follow-up must not draw again).
create function private.card_ids(p_cards jsonb) returns text[]
language sql immutable
set search_path = ''
as $$ select coalesce(array_agg(c ->> 'id'), '{}') from jsonb_array_elements(coalesce(p_cards, '[]')) c $$;

-- What submit_reading and ask_follow_up answer: the queued reading with its cards, what it spent, the wallet now.
create function private.queued_json(r public.readings) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', r.id, 'status', r.status, 'language', r.language,
    'depth', case when r.parent_id is null then r.depth end, 'spread', r.spread, 'parent_id', r.parent_id,
    'created_at', r.created_at, 'cards', r.cards, 'spent', o.result ->> 'spent',
    'price', coalesce((o.result ->> 'amount')::integer, 0), 'wallet', private.wallet_json(w))
  from public.wallets w
  left join private.credit_ops o on o.key = 'reading:' || r.id || ':spend' and o.user_id = r.user_id
  where w.user_id = r.user_id
$$;

-- A request with the client's Idempotency-Key: null the first time (the key is taken), else the reading the
-- key already made; 422 when the key is malformed or was used for another question or p_params. No key, no replay.
create function private.earlier_reading(p_user uuid, p_key text, p_question text, p_params jsonb)
returns public.readings
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb;
  r public.readings;
begin
  if p_key is null then
    return null;
  elsif char_length(p_key) not between 8 and 100 then
    perform private.fail(422, 'invalid_idempotency_key', 'The idempotency key must be 8 to 100 characters.');
  end if;
  prev := private.begin_op('reading_request:' || p_user || ':' || p_key, p_user, 'reading_request', p_params);
  if prev is null then
    return null;
  end if;
  select * into r from public.readings where id = (prev ->> 'reading_id')::uuid and user_id = p_user;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  elsif r.question is distinct from p_question then
    perform private.fail(422, 'idempotency_key_reused',
      'This idempotency key was already used with other parameters; use a new key for a new request.');
  end if;
  return r;
end
$$;

-- Records which reading a request's key made (nothing without a key).
create function private.remember_reading(p_user uuid, p_key text, p_reading uuid) returns void
language sql
set search_path = ''
as $$
  select private.finish_op('reading_request:' || p_user || ':' || p_key, jsonb_build_object('reading_id', p_reading))
  where p_key is not null
$$;

drop function public.submit_reading(text, text, text, text);
create function public.submit_reading(p_question text, p_language text default null,
  p_depth text default null, p_spread text default null, p_idempotency_key text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  rid uuid := gen_random_uuid();
  question text := private.valid_question(p_question);
  lang text;
  s public.spreads;
  r public.readings;
begin
  select coalesce(p_language, u.language) into lang from public.users u where u.id = uid;
  if lang is null or lang not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  elsif p_depth is not null and p_depth not in ('standard', 'deep') then
    perform private.fail(422, 'invalid_depth', 'The depth must be standard or deep.');
  end if;
  s := private.active_spread(coalesce(p_spread, case p_depth when 'deep' then 'five' else 'three' end));
  r := private.earlier_reading(uid, p_idempotency_key, question,
    jsonb_build_object('language', lang, 'spread', s.id));
  if r.id is not null then
    return private.queued_json(r) || '{"replayed": true}'::jsonb;
  end if;
  perform private.check_reading_limits(uid);
  if s.price > 0 then  -- a free spread spends nothing (and so refunds nothing)
    perform private.spend_amount(uid, 'reading:' || rid || ':spend', 'reading', rid::text, s.price);
  end if;
  insert into public.readings (id, user_id, question, language, depth, spread, cards)
  values (rid, uid, question, lang, case when s.card_count >= 5 then 'deep' else 'standard' end, s.id,
    private.draw_cards(uid, s.id, lang))
  returning * into r;
  perform private.remember_reading(uid, p_idempotency_key, r.id);
  return private.queued_json(r) || '{"replayed": false}'::jsonb;
end
$$;
comment on function public.submit_reading is
  'Spends the spread''s price from the calling user''s credits, draws the cards and queues a reading, atomically, '
  'within the user''s reading limits (p_spread, or the older p_depth: standard = three, deep = five); the same '
  'p_idempotency_key answers the same reading.';

drop function public.ask_follow_up(uuid, text, text);
create function public.ask_follow_up(p_reading uuid, p_question text, p_language text default null,
  p_idempotency_key text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  fid uuid := gen_random_uuid();
  question text := private.valid_question(p_question);
  parent public.readings;
  asked integer;
  r public.readings;
begin
  if p_language is not null and p_language not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  end if;
  select * into parent from public.readings
  where id = p_reading and user_id = uid and deleted_at is null and parent_id is null
  for update;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  end if;
  r := private.earlier_reading(uid, p_idempotency_key, question,
    jsonb_build_object('language', p_language, 'reading', parent.id));
  if r.id is not null then
    return private.queued_json(r) || '{"replayed": true}'::jsonb;
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
  perform private.spend_amount(uid, 'reading:' || fid || ':spend', 'follow_up', fid::text,
    private.setting('follow_up_cost'));
  insert into public.readings (id, user_id, question, language, depth, spread, parent_id, cards)
  values (fid, uid, question, coalesce(p_language, parent.language), 'standard', 'follow_up', parent.id,
    private.draw_cards(uid, 'follow_up', coalesce(p_language, parent.language), private.card_ids(parent.cards)))
  returning * into r;
  perform private.remember_reading(uid, p_idempotency_key, r.id);
  return private.queued_json(r) || '{"replayed": false}'::jsonb;
end
$$;
comment on function public.ask_follow_up is
  'Asks a follow-up question about one of the calling user''s completed readings: spends follow_up_cost, draws '
  'one clarifying card (none of the earlier reading''s) and queues it, at most follow_ups_per_reading per '
  'reading; the same p_idempotency_key answers the same follow-up.';

-- The user's card of the Bangkok day that p_now falls in, drawn when it is created.
create or replace function private.daily_card(p_user uuid, p_language text, p_now timestamptz) returns jsonb
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
  insert into public.readings (user_id, question, language, depth, spread, daily_on, cards)
  values (p_user, case lang when 'th' then 'ไพ่ประจำวันนี้บอกอะไรกับฉันบ้าง' else 'What does my card of the day say to me?' end,
    lang, 'standard', 'daily', today, private.draw_cards(p_user, 'daily', lang))
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
  update public.readings set status = 'processing', attempts = attempts + 1, cards = r.cards, updated_at = now()
  where id = p_id
  returning * into r;
  return private.reading_json(r) || jsonb_build_object('final', false, 'attempts', r.attempts,
    'user_id', r.user_id,
    'positions', (
      select jsonb_agg(jsonb_build_object('key', s.position_keys[i], 'th', s.positions_th[i],
        'en', s.positions_en[i]) order by i)
      from generate_subscripts(s.position_keys, 1) i),
    'context', case when r.parent_id is not null then private.follow_up_context(r.parent_id) end);
end
$$;
comment on function public.claim_reading is
  'Processor: takes a reading for processing (again after a crash) with its stored cards and what the agent '
  'needs: the spread''s positions and a follow-up''s context; a finished one is returned as it is.';

drop function public.complete_reading(uuid, jsonb, jsonb, jsonb, jsonb);
create function public.complete_reading(p_id uuid, p_result jsonb, p_analysis jsonb,
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
  update public.readings set status = 'completed', result = p_result, analysis = p_analysis,
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
  'Processor: stores the result once (the cards stay those drawn when it was paid for) and awards the completion '
  '(and first-reading referral) reward once.';

drop function public.reject_reading(uuid, jsonb, jsonb, jsonb);
create function public.reject_reading(p_id uuid, p_rejection jsonb, p_analysis jsonb default null) returns jsonb
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
    jsonb_build_object('rejection', p_rejection, 'analysis', p_analysis))
    || jsonb_build_object('replayed', false);
end
$$;
comment on function public.reject_reading is 'Processor: the question was refused; marks it rejected and refunds once.';

revoke execute on function private.draw_cards(uuid, text, text, text[]), private.card_ids(jsonb),
  private.queued_json(public.readings), private.earlier_reading(uuid, text, text, jsonb),
  private.remember_reading(uuid, text, uuid) from public;
revoke execute on function public.submit_reading(text, text, text, text, text),
  public.ask_follow_up(uuid, text, text, text) from public, anon, service_role;
revoke execute on function public.complete_reading(uuid, jsonb, jsonb, jsonb),
  public.reject_reading(uuid, jsonb, jsonb) from public, anon, authenticated;
grant execute on function public.submit_reading(text, text, text, text, text),
  public.ask_follow_up(uuid, text, text, text) to authenticated;
grant execute on function public.complete_reading(uuid, jsonb, jsonb, jsonb),
  public.reject_reading(uuid, jsonb, jsonb) to service_role;
