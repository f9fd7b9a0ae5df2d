-- 0035 the legacy import (0017) refuses what the API refuses, and never brings a deleted account back.
--
--   deleted   an old user whose LINE id's keyed hash is in private.deleted_line_accounts (the person deleted their
--             account here) is skipped whole: no account, balances, readings or payments (`skipped_deleted`).
--   users     refused whole (422 invalid_legacy_user, reported with the reason, the others go on): a name over
--             100 characters or with control or bidi characters (what update_profile refuses), a created_at in
--             the future.
--   readings  refused one by one, reported by old id, the user's other rows go on: a question private.valid_question
--             refuses (no longer cut to 500 characters), an answer over 20,000 characters of JSON, a created_at
--             (its own or its review's) in the future, which would hold a place in the user's daily limit.
--   payments  and referral links dated in the future are refused the same way.

/** Control characters (C0, C1) and bidi controls, which a name or a question must not hide. */
create function private.has_hidden_controls(p_text text) returns boolean
language sql immutable
set search_path = ''
as $$ select coalesce(p_text ~ '[\u0001-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', false) $$;

create function private.in_future(p_at text) returns boolean
language sql stable
set search_path = ''
as $$ select coalesce(p_at::timestamptz > now(), false) $$;

create or replace function private.legacy_check(u jsonb) returns void
language plpgsql
set search_path = ''
as $$
begin
  if coalesce(char_length(u ->> 'id'), 0) not between 1 and 200 then
    perform private.fail(422, 'invalid_legacy_user', 'The old user has no id.');
  elsif coalesce(u ->> 'line_id', '') !~ '^U[0-9a-f]{32}$' then
    perform private.fail(422, 'invalid_legacy_user', 'The old user has no usable LINE id.');
  elsif exists (select 1 from unnest(array['stars', 'coins', 'exp', 'free_points']) k
                where coalesce(u ->> k, '') !~ '^[0-9]{1,9}$') then
    perform private.fail(422, 'invalid_legacy_user', 'Balances must be whole numbers from 0.');
  elsif char_length(trim(u ->> 'name')) > 100 or private.has_hidden_controls(u ->> 'name') then
    perform private.fail(422, 'invalid_legacy_user',
      'The name must be at most 100 characters, without control or bidi characters.');
  elsif private.in_future(u ->> 'created_at') then
    perform private.fail(422, 'invalid_legacy_user', 'The old user was created in the future.');
  end if;
end
$$;

/** The question as the API would store it, or null when the API would refuse it (private.valid_question). */
create function private.legacy_question(p_question text) returns text
language plpgsql stable
set search_path = ''
as $$
begin
  return private.valid_question(p_question);
exception when sqlstate 'PT422' then
  return null;
end
$$;

-- Why an old reading is refused (null when it is fine).
create function private.legacy_reading_problem(r jsonb, p_question text) returns text
language sql stable
set search_path = ''
as $$
  select case
    when p_question is null then 'refused_question'
    when private.in_future(r ->> 'created_at') or private.in_future(r -> 'review' ->> 'created_at')
      then 'refused_future_date'
    when char_length((r -> 'answer')::text) > 20000 then 'refused_answer_too_large'
  end
$$;

create or replace function private.legacy_reading(p_user uuid, r jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  rid uuid := md5('legacy-reading:' || (r ->> 'id'))::uuid;
  question text := private.legacy_question(r ->> 'question');
  problem text := private.legacy_reading_problem(r, question);
  cards jsonb := private.legacy_cards(r -> 'cards');
  done boolean := coalesce(upper(r ->> 'status') = 'COMPLETED' and jsonb_typeof(r -> 'answer') = 'object', false);
  at timestamptz := coalesce((r ->> 'created_at')::timestamptz, now());
begin
  if problem is not null then
    return problem;
  end if;
  insert into public.readings (id, user_id, question, language, depth, status, cards, result, failure_reason,
    created_at, updated_at, completed_at, deleted_at)
  values (rid, p_user, question, case when question ~ '[\u0E00-\u0E7F]' then 'th' else 'en' end,
    case when jsonb_array_length(cards) > 3 then 'deep' else 'standard' end,
    case when done then 'completed' else 'failed' end, cards,
    case when done then (r -> 'answer') || jsonb_build_object('cards', cards) end,
    case when not done then 'legacy_' || lower(coalesce(r ->> 'status', 'unknown')) end,
    at, at, case when done then at end, case when (r ->> 'deleted')::boolean then now() end)
  on conflict (id) do nothing;
  if not found then
    return 'already';
  end if;
  if (r -> 'review' ->> 'accuracy') is not null then
    insert into public.reading_reviews (reading_id, user_id, accuracy, created_at)
    values (rid, p_user, least(100, greatest(0, round((r -> 'review' ->> 'accuracy')::numeric)))::integer,
      coalesce((r -> 'review' ->> 'created_at')::timestamptz, at));
  end if;
  return 'imported';
end
$$;

create or replace function private.legacy_payment(p_user uuid, p jsonb) returns text
language plpgsql
set search_path = ''
as $$
declare
  state text := lower(p ->> 'status');
  paid boolean := coalesce(state in ('succeeded', 'success', 'completed', 'complete', 'paid', 'refunded'), false);
  refunded boolean := coalesce(state = 'refunded', false);
  amount integer := (p ->> 'amount')::integer;
  stars integer := coalesce(nullif((p ->> 'credits_added')::integer, 0), (p -> 'pack' ->> 'credit_amount')::integer);
  at timestamptz := coalesce((p ->> 'created_at')::timestamptz, now());
  row public.payments;
begin
  if coalesce(p ->> 'payment_intent_id', '') !~ '^pi_[A-Za-z0-9_]{1,200}$' then
    return 'skipped_not_a_payment_intent';
  elsif lower(p ->> 'currency') is distinct from 'thb' or coalesce(amount, 0) <= 0 or coalesce(stars, 0) <= 0 then
    return 'skipped_amount';
  elsif at > now() then
    return 'refused_future_date';
  end if;
  insert into public.payments (user_id, package_id, payment_intent_id, amount_satang, currency, stars, origin,
    succeeded_at, failed_at, stars_credited, amount_refunded, stars_clawed_back, created_at, updated_at)
  values (p_user, private.legacy_package(p -> 'pack'), p ->> 'payment_intent_id', amount, 'thb', stars, 'legacy',
    case when paid then at end, case when state in ('failed', 'canceled', 'cancelled') then at end,
    case when paid then stars else 0 end, case when refunded then amount else 0 end,
    case when refunded then stars else 0 end, at, at)
  on conflict (payment_intent_id) do nothing
  returning * into row;
  if found then
    update public.payments set status = private.payment_status(row) where id = row.id;
    return 'imported';
  end if;
  return case when exists (select 1 from public.payments where payment_intent_id = p ->> 'payment_intent_id'
                           and user_id = p_user) then 'already' else 'conflict' end;
end
$$;

-- Each old row's outcome, keyed by its old id: [{id, outcome}], in the old order.
create function private.legacy_rows(p_user uuid, p_rows jsonb, p_kind text) returns jsonb
language sql
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object('kind', p_kind,
      'id', case p_kind when 'reading' then x.row ->> 'id' else x.row ->> 'payment_intent_id' end,
      'outcome', case p_kind when 'reading' then private.legacy_reading(p_user, x.row)
                             else private.legacy_payment(p_user, x.row) end) order by x.n), '[]'::jsonb)
  from jsonb_array_elements(coalesce(p_rows, '[]'::jsonb)) with ordinality as x (row, n)
$$;

create or replace function public.import_legacy_user(p_user jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  account jsonb;
  uid uuid;
  opening jsonb;
  readings jsonb;
  payments jsonb;
begin
  if exists (select 1 from private.deleted_line_accounts d
             where d.line_hash = private.line_account_hash(p_user ->> 'line_id')) then
    return jsonb_build_object('account', 'skipped_deleted');
  end if;
  perform private.legacy_check(p_user);
  account := private.legacy_account(p_user);
  uid := (account ->> 'user_id')::uuid;
  opening := private.legacy_opening(uid, p_user);
  readings := private.legacy_rows(uid, p_user -> 'readings', 'reading');
  payments := private.legacy_rows(uid, p_user -> 'payments', 'payment');
  return account || jsonb_build_object(
    'opening', opening,
    'readings', private.legacy_tally(array(select e ->> 'outcome' from jsonb_array_elements(readings) e)),
    'deleted_readings', (select count(*) from jsonb_array_elements(coalesce(p_user -> 'readings', '[]')) r
                         where (r ->> 'deleted')::boolean),
    'unmapped_cards', (select coalesce(jsonb_agg(c -> 'name'), '[]')
                       from jsonb_array_elements(coalesce(p_user -> 'readings', '[]')) r,
                            jsonb_array_elements(coalesce(r -> 'cards', '[]')) c
                       where not exists (select 1 from public.cards k
                                         where lower(k.name_en) = lower(trim(c ->> 'name')))),
    'payments', private.legacy_tally(array(select e ->> 'outcome' from jsonb_array_elements(payments) e)),
    'refused', (select coalesce(jsonb_agg(e), '[]'::jsonb) from jsonb_array_elements(readings || payments) e
                where e ->> 'outcome' like 'refused_%'));
end
$$;
comment on function public.import_legacy_user is
  'Ops only: imports one old-app user (account, opening balances, readings, reviews, payments), idempotently; '
  'skips a LINE account deleted here and refuses rows the API would refuse, reporting each.';

create or replace function public.import_legacy_referral(p_invitee text, p_inviter text, p_at timestamptz default null)
returns text
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  invitee uuid := (select user_id from private.legacy_users where legacy_id = p_invitee);
  inviter uuid := (select user_id from private.legacy_users where legacy_id = p_inviter);
begin
  if invitee is null or inviter is null then
    return 'not_imported';
  elsif invitee = inviter then
    return 'self';
  elsif p_at > now() then
    return 'refused_future_date';
  end if;
  -- rewarded_at set: the old app settled this link, so reward_referrer never pays it here
  insert into public.referrals (invitee_id, inviter_id, created_at, rewarded_at)
  values (invitee, inviter, coalesce(p_at, now()), coalesce(p_at, now()))
  on conflict (invitee_id) do nothing;
  return case when found then 'linked' else 'already_referred' end;
end
$$;

revoke execute on function private.has_hidden_controls(text), private.in_future(text),
  private.legacy_question(text), private.legacy_reading_problem(jsonb, text),
  private.legacy_rows(uuid, jsonb, text) from public;
