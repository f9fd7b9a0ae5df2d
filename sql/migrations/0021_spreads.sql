-- 0021 spreads: the named tarot spreads as data (names, ordered positions in Thai and English, card count and
-- price in credits), readable by everyone. A reading records its spread; submit_reading spends the spread's price
-- (free points first, else stars) with the same spend/refund pair as before, so a refused or failed reading gives
-- back exactly what it took, once. The old `depth` stays accepted for a while: standard = three, deep = five.
-- Two inactive spreads are internal: `daily` (the free card of the day) and `follow_up` (one clarifying card,
-- priced by app_settings.follow_up_cost, see 0023); they cannot be submitted.

create table public.spreads (
  id text primary key check (id ~ '^[a-z]+(_[a-z]+)*$'),
  name_th text not null check (char_length(name_th) between 1 and 100),
  name_en text not null check (char_length(name_en) between 1 and 100),
  position_keys text[] not null,
  positions_th text[] not null,
  positions_en text[] not null,
  card_count integer not null check (card_count between 1 and 10),
  price integer not null check (price >= 0),
  active boolean not null default true,
  sort_order integer not null default 0,
  check (cardinality(position_keys) = card_count and cardinality(positions_th) = card_count
         and cardinality(positions_en) = card_count)
);
comment on table public.spreads is
  'Tarot spreads: names, ordered positions (stable keys, Thai and English labels), card count, price in credits.';

alter table public.spreads enable row level security;
grant select on table public.spreads to anon, authenticated;
create policy "Anyone can read the spreads" on public.spreads for select to anon, authenticated using (true);

insert into public.spreads (id, name_th, name_en, position_keys, positions_th, positions_en, card_count, price,
  active, sort_order) values
  ('single', 'ไพ่ใบเดียว · คำตอบตรง ๆ', 'Single card · a direct answer', array['answer'], array['คำตอบ'],
   array['The answer'], 1, 1, true, 10),
  ('three', 'อดีต · ปัจจุบัน · อนาคต', 'Past · Present · Future', array['past', 'present', 'future'],
   array['อดีต', 'ปัจจุบัน', 'อนาคต'], array['Past', 'Present', 'Future'], 3, 1, true, 20),
  ('five', 'เจาะลึกวันนี้ · 5 ใบ', 'Today''s deep spread · 5 cards',
   array['situation', 'obstacle', 'hidden_influence', 'advice', 'outcome'],
   array['สถานการณ์ปัจจุบัน', 'อุปสรรค', 'อิทธิพลที่ซ่อนอยู่', 'คำแนะนำ', 'ผลลัพธ์'],
   array['Situation', 'Obstacle', 'Hidden influence', 'Advice', 'Outcome'], 5, 1, true, 30),
  ('love', 'ความรัก · 5 ใบ', 'Love · 5 cards', array['you', 'them', 'bond', 'obstacle', 'direction'],
   array['ตัวคุณ', 'อีกฝ่าย', 'ความสัมพันธ์', 'อุปสรรค', 'ทิศทางข้างหน้า'],
   array['You', 'Them', 'The bond', 'The obstacle', 'Where it goes'], 5, 1, true, 40),
  ('celtic_cross', 'เซลติกครอส · 10 ใบ', 'Celtic Cross · 10 cards',
   array['present', 'challenge', 'foundation', 'past', 'goal', 'near_future', 'self', 'environment',
         'hopes_fears', 'outcome'],
   array['สถานการณ์ปัจจุบัน', 'สิ่งที่ท้าทาย', 'รากฐาน', 'อดีตที่ผ่านมา', 'เป้าหมาย', 'อนาคตอันใกล้', 'ตัวคุณ',
         'สิ่งแวดล้อมรอบตัว', 'ความหวังและความกลัว', 'ผลลัพธ์'],
   array['Present', 'Challenge', 'Foundation', 'Recent past', 'Goal', 'Near future', 'Self', 'Environment',
         'Hopes and fears', 'Outcome'], 10, 2, true, 50),
  ('daily', 'ไพ่ประจำวัน', 'Card of the day', array['today'], array['ไพ่ประจำวันนี้'], array['Today'], 1, 0,
   false, 90),
  ('follow_up', 'คำถามต่อเนื่อง', 'Follow-up question', array['clarifier'], array['ไพ่ขยายความ'],
   array['Clarifying card'], 1, 0, false, 91);

-- Every reading names its spread; rows from before this migration (and the legacy import, which still sends only
-- depth) get the spread their depth meant.
alter table public.readings add column spread text references public.spreads (id);
update public.readings set spread = case depth when 'deep' then 'five' else 'three' end;
create index readings_spread_idx on public.readings (spread);

create function private.reading_spread_default() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.spread := coalesce(new.spread, case new.depth when 'deep' then 'five' else 'three' end);
  return new;
end
$$;
create trigger readings_spread_default before insert on public.readings
  for each row execute function private.reading_spread_default();
alter table public.readings alter column spread set not null;
grant select (spread) on table public.readings to authenticated;

-- The one spend: p_cost credits, free points first, else stars (the refund gives back what the op recorded).
create function private.spend_amount(p_user uuid, p_key text, p_reason text, p_ref text, p_cost integer)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  prev jsonb := private.begin_op(p_key, p_user, 'spend');
  w public.wallets;
  currency text;
begin
  if prev is not null then
    return prev;
  elsif p_cost is null or p_cost < 1 then
    perform private.fail(500, 'invalid_price', 'A spend must be of at least one credit.');
  end if;
  select * into w from public.wallets where user_id = p_user for update;
  if not found then
    perform private.fail(404, 'wallet_not_found', 'No wallet for this user.');
  elsif w.frozen then
    perform private.fail(403, 'account_frozen', 'Spending is paused while a payment dispute is open.');
  elsif w.stars < 0 then
    perform private.fail(409, 'insufficient_credits', 'Your star balance is negative after a refund; top up first.');
  end if;
  currency := case when w.free_points >= p_cost then 'free_point' when w.stars >= p_cost then 'star' end;
  if currency is null then
    perform private.fail(409, 'insufficient_credits',
      format('Not enough stars or free points: this costs %s.', p_cost));
  end if;
  w := private.post(p_user, p_key, jsonb_build_object(currency, -p_cost), p_reason, p_ref);
  return private.finish_op(p_key, jsonb_build_object('spent', currency, 'amount', p_cost,
    'wallet', private.wallet_json(w)));
end
$$;

-- The older entry point keeps its meaning (the reading_cost setting) through the one implementation.
create or replace function private.spend(p_user uuid, p_key text, p_reason text, p_ref text default null)
returns jsonb
language sql
set search_path = ''
as $$ select private.spend_amount(p_user, p_key, p_reason, p_ref, private.setting('reading_cost')) $$;

-- A spread a user may submit, or 422 spread_unknown.
create function private.active_spread(p_id text) returns public.spreads
language plpgsql stable
set search_path = ''
as $$
declare
  s public.spreads;
begin
  select * into s from public.spreads where id = p_id and active;
  if not found then
    perform private.fail(422, 'spread_unknown', 'No such spread; see GET /spreads.');
  end if;
  return s;
end
$$;

drop function public.submit_reading(text, text, text);
create function public.submit_reading(p_question text, p_language text default null,
  p_depth text default null, p_spread text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  rid uuid := gen_random_uuid();
  question text := trim(p_question);
  lang text;
  s public.spreads;
  spent jsonb;
  r public.readings;
begin
  select coalesce(p_language, u.language) into lang from public.users u where u.id = uid;
  if question is null or char_length(question) not between 10 and 500 or question ~ '[[:cntrl:]]' then
    perform private.fail(422, 'invalid_question', 'The question must be 10 to 500 characters, no control characters.');
  elsif lang is null or lang not in ('th', 'en') then
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
comment on function public.submit_reading is
  'Spends the spread''s price from the calling user''s credits and queues a reading, atomically, within the '
  'user''s reading limits (p_spread, or the older p_depth: standard = three, deep = five).';
grant execute on function public.submit_reading(text, text, text, text) to authenticated;

revoke execute on function private.reading_spread_default(), private.active_spread(text),
  private.spend_amount(uuid, text, text, text, integer) from public;
