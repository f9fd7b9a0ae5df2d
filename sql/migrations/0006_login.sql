-- 0006 login and profile: first login creates user + wallet + welcome bonus + referral code (+ attribution)
-- and the refresh-token family in one transaction; later logins refresh the LINE name and picture. Profile reads and edits act on auth.uid().

create function private.profile_json(p_user uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_build_object('id', u.id, 'display_name', u.display_name, 'picture_url', u.picture_url,
    'language', u.language, 'referral_code', u.referral_code, 'created_at', u.created_at,
    'wallet', private.wallet_json(w))
  from public.users u join public.wallets w on w.user_id = u.id
  where u.id = p_user
$$;

create function public.login_line_user(p_line_user_id text, p_display_name text, p_picture_url text,
  p_refresh_hash text, p_refresh_ttl_s integer, p_ref_code text default null) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid;
  created boolean;
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
  return jsonb_build_object('created', created, 'referral', referral, 'user', private.profile_json(uid));
end
$$;
comment on function public.login_line_user is 'LINE login (server only): creates the user once, refreshes profile later.';

create function public.my_profile() returns jsonb
language sql stable security definer
set search_path = ''
as $$ select private.profile_json(private.require_uid()) $$;
comment on function public.my_profile is 'The calling user''s profile with balances and level.';

create function public.update_profile(p_display_name text default null, p_language text default null)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  name text := trim(p_display_name);
begin
  if p_display_name is not null and (char_length(name) not between 1 and 100 or name ~ '[[:cntrl:]]') then
    perform private.fail(422, 'invalid_display_name', 'The display name must be 1 to 100 characters.');
  elsif p_language is not null and p_language not in ('th', 'en') then
    perform private.fail(422, 'invalid_language', 'The language must be th or en.');
  end if;
  update public.users set display_name = coalesce(name, display_name),
    language = coalesce(p_language, language), updated_at = now()
  where id = uid;
  return private.profile_json(uid);
end
$$;
comment on function public.update_profile is 'Edits the calling user''s display name and language.';

revoke execute on function private.profile_json(uuid) from public;
revoke execute on function public.login_line_user(text, text, text, text, integer, text) from public, anon, authenticated;
revoke execute on function public.my_profile() from public, anon;
revoke execute on function public.update_profile(text, text) from public, anon;
grant execute on function public.login_line_user(text, text, text, text, integer, text) to service_role;
grant execute on function public.my_profile() to authenticated;
grant execute on function public.update_profile(text, text) to authenticated;
