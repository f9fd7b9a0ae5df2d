-- 0040 A profile edit racing the account's deletion answers 401 account_deleted, never a half profile.
--   update_profile and set_line_notifications checked the account (private.require_uid) in one statement and
--   wrote it in another; a deletion committing in between let the update run on the pseudonymised row, and the
--   profile it answered had no name (the API answered 500). The update now names live accounts only: it waits
--   for a deletion holding the row and then finds nothing, which is the refusal. Signatures and grants unchanged.

create or replace function public.update_profile(p_display_name text default null, p_language text default null,
  p_reversals boolean default null) returns jsonb
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
    language = coalesce(p_language, language), reversals = coalesce(p_reversals, reversals), updated_at = now()
  where id = uid and deleted_at is null;
  if not found then
    perform private.fail(401, 'account_deleted', 'This account was deleted. Log in again to start a new one.');
  end if;
  return private.profile_json(uid);
end
$$;

create or replace function public.set_line_notifications(p_enabled boolean) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
begin
  if p_enabled is null then
    perform private.fail(422, 'invalid_notify_line', 'notify_line must be true or false.');
  end if;
  update public.users set notify_line = p_enabled, updated_at = now() where id = uid and deleted_at is null;
  if not found then
    perform private.fail(401, 'account_deleted', 'This account was deleted. Log in again to start a new one.');
  end if;
  return private.profile_json(uid);
end
$$;
