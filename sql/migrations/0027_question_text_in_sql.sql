-- 0027 questions measured in SQL as the API measures them (lib/mimi/readings/schemas.py question_text): a user
-- calling submit_reading or ask_follow_up through PostgREST directly could pay for a question of invisible
-- characters, because SQL counted them. Now both take their question from private.valid_question, which counts
-- and returns private.question_text(p_question):
-- NFC, every format character (Unicode category Cf: zero-width spaces and joiners, BOM, bidi controls, soft
-- hyphen, tags) removed, runs of spaces (Unicode white space other than controls) collapsed to one, trimmed.
-- Control characters (Cc, C1 included) are still refused. The Cf class below is Unicode 14.0's (Python 3.11's
-- unicodedata); tests/sql/test_question_text.py checks it against the running Python, code point by code point.
-- Whether a question has letters stays the API's rule: PostgreSQL's [[:alpha:]] follows the database's locale.

create function private.question_text(p_question text) returns text
language sql immutable parallel safe
set search_path = ''
as $$
  select btrim(regexp_replace(
    regexp_replace(normalize(p_question, nfc), '[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]', '', 'g'),
    '[\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+', ' ', 'g'))
$$;
comment on function private.question_text is
  'A question as stored and counted: NFC, format characters (Cf) removed, white space collapsed, trimmed.';
revoke execute on function private.question_text(text) from public;

-- The one SQL rule for a question (submit_reading and ask_follow_up): 422 invalid_question, or the text to store.
create function private.valid_question(p_question text) returns text
language plpgsql stable
set search_path = ''
as $$
declare
  question text := private.question_text(p_question);
begin
  if question is null or char_length(question) not between 10 and 500 or question ~ '[[:cntrl:]]'
      or question ~ '[\u0080-\u009f]' then
    perform private.fail(422, 'invalid_question', 'The question must be 10 to 500 characters, no control characters.');
  end if;
  return question;
end
$$;
comment on function private.valid_question is
  'The question to store (private.question_text), or 422 invalid_question: 10 to 500 characters, no controls.';
revoke execute on function private.valid_question(text) from public;

create or replace function public.submit_reading(p_question text, p_language text default null,
  p_depth text default null, p_spread text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  rid uuid := gen_random_uuid();
  question text := private.valid_question(p_question);
  lang text;
  s public.spreads;
  spent jsonb;
  r public.readings;
begin
  select coalesce(p_language, u.language) into lang from public.users u where u.id = uid;
  if lang is null or lang not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  elsif p_depth is not null and p_depth not in ('standard', 'deep') then
    perform private.fail(422, 'invalid_depth', 'The depth must be standard or deep.');
  end if;
  s := private.active_spread(coalesce(p_spread, case p_depth when 'deep' then 'five' else 'three' end));
  perform private.check_reading_limits(uid);
  if s.price > 0 then
    spent := private.spend_amount(uid, 'reading:' || rid || ':spend', 'reading', rid::text, s.price);
  else  -- a free spread spends nothing (and so refunds nothing)
    select jsonb_build_object('wallet', private.wallet_json(w)) into spent from public.wallets w where w.user_id = uid;
  end if;
  insert into public.readings (id, user_id, question, language, depth, spread)
  values (rid, uid, question, lang, case when s.card_count >= 5 then 'deep' else 'standard' end, s.id)
  returning * into r;
  return jsonb_build_object('id', r.id, 'status', r.status, 'language', r.language, 'depth', r.depth,
    'spread', r.spread, 'created_at', r.created_at, 'spent', spent ->> 'spent', 'price', s.price,
    'wallet', spent -> 'wallet');
end
$$;

create or replace function public.ask_follow_up(p_reading uuid, p_question text, p_language text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  fid uuid := gen_random_uuid();
  question text := private.valid_question(p_question);
  parent public.readings;
  asked integer;
  spent jsonb;
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
