-- 0015 returning accounts and data export (Thailand's PDPA, right of access).
--
-- Returning accounts: a LINE account whose user was deleted (its keyed hash is in private.deleted_line_accounts)
-- logs in as a NEW user (new UUID, empty history) but gets no welcome bonus and cannot be attributed to a
-- referrer, however many times it deletes and returns: deleting must not be a way to farm free readings or
-- referral rewards. Everything else (check-ins, rewards, buying stars, inviting others) works as for anyone.
--
-- Export: `public.export_my_data()` returns, as the calling user, everything stored about them in one JSON
-- document: profile (with the LINE user id), wallet, ledger, readings (also soft-deleted ones, with cards,
-- results and the model used), reviews, payments and the Stripe events about them, referrals (without other
-- users' ids) and sessions (without token hashes). Left out: support's review notes on payments (flagged,
-- flag_reason) and internal idempotency records (they repeat the ledger).

create or replace function public.login_line_user(p_line_user_id text, p_display_name text, p_picture_url text,
  p_refresh_hash text, p_refresh_ttl_s integer, p_ref_code text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid;
  created boolean;
  returning_account boolean := false;
  referral text := 'none';
begin
  insert into public.users (line_user_id, display_name, picture_url, referral_code)
  values (p_line_user_id, left(coalesce(nullif(trim(p_display_name), ''), 'LINE user'), 100), p_picture_url,
          private.new_referral_code())
  on conflict (line_user_id) do update set
    display_name = excluded.display_name, picture_url = excluded.picture_url,
    last_login_at = now(), updated_at = now()
  returning id, (xmax = 0) into uid, created;
  if created then
    insert into public.wallets (user_id) values (uid);
    returning_account := exists (select 1 from private.deleted_line_accounts d
                                 where d.line_hash = private.line_account_hash(p_line_user_id));
  end if;
  if created and returning_account then
    referral := case when nullif(trim(p_ref_code), '') is null then 'none' else 'not_eligible' end;
  elsif created then
    perform private.grant(uid, 'welcome:' || uid, 'welcome_bonus',
      jsonb_build_object('free_point', private.setting('welcome_free_points')));
    if nullif(trim(p_ref_code), '') is not null then
      begin
        perform private.attribute_referral(uid, p_ref_code);
        referral := 'attributed';
      exception when sqlstate 'PT404' or sqlstate 'PT409' then
        referral := 'ignored';  -- a bad code never blocks a login
      end;
    end if;
  end if;
  insert into private.refresh_tokens (token_hash, user_id, family_id, expires_at)
  values (p_refresh_hash, uid, gen_random_uuid(), now() + make_interval(secs => p_refresh_ttl_s));
  return jsonb_build_object('created', created, 'referral', referral,
    'welcome_bonus', created and not returning_account, 'user', private.profile_json(uid));
end
$$;
comment on function public.login_line_user is
  'LINE login (server only): creates the user once, refreshes profile later. A LINE account that deleted its '
  'user before (keyed hash in private.deleted_line_accounts) starts as a new user with no welcome bonus and no '
  'referral attribution.';

create function private.account_export(p_user uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object(
    'format', 'mimivibes-account-export/1',
    'exported_at', now(),
    'user', (select to_jsonb(u) from public.users u where u.id = p_user),
    'wallet', (select to_jsonb(w) - 'user_id' from public.wallets w where w.user_id = p_user),
    'ledger', coalesce((select jsonb_agg(to_jsonb(l) - 'user_id' order by l.id)
                        from public.ledger l where l.user_id = p_user), '[]'::jsonb),
    'readings', coalesce((select jsonb_agg(to_jsonb(r) - 'user_id' order by r.created_at, r.id)
                          from public.readings r where r.user_id = p_user), '[]'::jsonb),
    'reviews', coalesce((select jsonb_agg(to_jsonb(v) - 'user_id' order by v.created_at, v.reading_id)
                         from public.reading_reviews v where v.user_id = p_user), '[]'::jsonb),
    'payments', coalesce((select jsonb_agg(to_jsonb(p) - 'user_id' - 'flagged' - 'flag_reason' order by p.seq)
                          from public.payments p where p.user_id = p_user), '[]'::jsonb),
    'stripe_events', coalesce((select jsonb_agg(jsonb_build_object('id', e.id, 'type', e.type,
                                 'received_at', e.received_at, 'processed_at', e.processed_at,
                                 'outcome', e.outcome, 'payload', e.payload) order by e.received_at, e.id)
                               from private.stripe_events e
                               join public.payments p on p.payment_intent_id = e.payment_intent_id
                               where p.user_id = p_user), '[]'::jsonb),
    'referrals', jsonb_build_object(
      'referred_by_someone', (select jsonb_build_object('attributed_at', r.created_at,
                                'inviter_rewarded_at', r.rewarded_at)
                              from public.referrals r where r.invitee_id = p_user),
      'invited', coalesce((select jsonb_agg(jsonb_build_object('attributed_at', r.created_at,
                             'rewarded_at', r.rewarded_at) order by r.created_at)
                           from public.referrals r where r.inviter_id = p_user), '[]'::jsonb)),
    'sessions', coalesce((select jsonb_agg(jsonb_build_object('family_id', t.family_id, 'created_at', t.created_at,
                            'expires_at', t.expires_at, 'used_at', t.used_at, 'revoked_at', t.revoked_at)
                            order by t.created_at, t.family_id)
                          from private.refresh_tokens t where t.user_id = p_user), '[]'::jsonb))
$$;
comment on function private.account_export is
  'Everything stored about one user (no token hashes, no other users'' ids, no support notes).';

create function public.export_my_data() returns jsonb
language sql stable security definer
set search_path = ''
as $$ select private.account_export(private.require_uid()) $$;
comment on function public.export_my_data is 'PDPA data export: everything stored about the calling user, as JSON.';

revoke execute on function private.account_export(uuid) from public, anon, authenticated;
revoke execute on function public.export_my_data() from public, anon;
grant execute on function public.export_my_data() to authenticated;
