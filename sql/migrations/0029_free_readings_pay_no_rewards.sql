-- 0029 a free reading pays nothing that buys stars (issue 22, item 5). Coins exchange for stars, so a reward for
-- a reading nobody paid for is stars for nothing: the free daily card completed and was reviewed for 5 + 2 coins a
-- day. Now a reading pays its completion and review rewards (coins and exp) only while it is paid for: its spend
-- (reading:<id>:spend) took credits and was never refunded. That closes every free path at once:
--   - the daily card, and any spread an admin prices at 0: nothing was spent;
--   - a refunded reading an admin retries (it is not charged again): its spend was given back;
--   - a reading imported from the old app: no spend in this ledger (reviewing one paid 2 coins each).
-- Such a reading still completes and can be reviewed; the review answers a reward of 0 coins and 0 exp. Free
-- points are credits (the welcome bonus buys readings), so a reading paid with them is paid for. The inviter's
-- referral reward (first completed reading of the invitee) is unchanged: the invitee's welcome points would
-- pay for that reading anyway.

-- Whether a reading's spend stands: credits were taken for it and not given back.
create function private.reading_paid(p_reading uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select exists (
    select 1 from private.credit_ops o join public.readings r on r.user_id = o.user_id
    where r.id = p_reading and o.key = 'reading:' || p_reading || ':spend' and o.kind = 'spend'
      and o.result ->> 'spent' is not null and o.refunded_by is null)
$$;
comment on function private.reading_paid is
  'Whether a reading was paid for and not refunded: only such a reading pays completion and review rewards.';
revoke execute on function private.reading_paid(uuid) from public;

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
  if private.reading_paid(r.id) then  -- a free reading earns nothing that buys stars
    reward := private.grant(r.user_id, 'reading:' || r.id || ':reward', 'reading_reward',
      jsonb_build_object('coin', private.setting('reading_reward_coins'),
                         'exp', private.setting('reading_reward_exp')), r.id::text);
  end if;
  if not exists (select 1 from public.readings o
                 where o.user_id = r.user_id and o.status = 'completed' and o.id <> r.id) then
    perform private.reward_referrer(r.user_id);
  end if;
  return private.reading_json(r) || jsonb_build_object('replayed', false, 'reward', reward);
end
$$;
comment on function public.complete_reading is
  'Processor: stores the result once (the cards stay those drawn when it was paid for) and awards, once, the '
  'completion reward of a paid reading and the first-reading referral reward.';

create or replace function public.review_reading(p_id uuid, p_accuracy integer, p_comment text default null)
returns jsonb
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
  if private.reading_paid(p_id) then  -- a free reading earns nothing that buys stars
    reward := private.grant(uid, 'reading:' || p_id || ':review', 'review_reward',
      jsonb_build_object('coin', private.setting('review_reward_coins'),
                         'exp', private.setting('review_reward_exp')), p_id::text);
  else
    select jsonb_build_object('granted', jsonb_build_object('coin', 0, 'exp', 0), 'wallet', private.wallet_json(w))
      into reward from public.wallets w where w.user_id = uid;
  end if;
  return jsonb_build_object('reading_id', review.reading_id, 'accuracy', review.accuracy,
    'comment', review.comment, 'created_at', review.created_at, 'reward', reward -> 'granted',
    'wallet', reward -> 'wallet');
end
$$;
comment on function public.review_reading is
  'Reviews one of the calling user''s completed readings, once; a paid reading''s review is rewarded.';
