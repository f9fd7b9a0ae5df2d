-- 0024 LINE notifications: a user may opt in (users.notify_line, default off) to a LINE push message when a
-- reading of theirs is completed, rejected or failed. The processor asks claim_line_push() after each outcome;
-- the claim is one row per reading in private.line_pushes, so redeliveries and retries push at most once.
-- Deleted accounts have no LINE id and are never pushed to.

alter table public.users add column notify_line boolean not null default false;
comment on column public.users.notify_line is 'Whether the user wants a LINE message when a reading is ready.';

/** The profile gains notify_line by wrapping whatever profile_json is current (renamed, then extended), so a
 * migration that changed profile_json before this one keeps its fields. */
alter function private.profile_json(uuid) rename to profile_base_json;
create function private.profile_json(p_user uuid) returns jsonb
language sql stable
set search_path = ''
as $$
  select private.profile_base_json(p_user) || jsonb_build_object('notify_line', u.notify_line)
  from public.users u where u.id = p_user
$$;
revoke execute on function private.profile_base_json(uuid), private.profile_json(uuid) from public;

create function public.set_line_notifications(p_enabled boolean) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
begin
  if p_enabled is null then
    perform private.fail(422, 'invalid_notify_line', 'notify_line must be true or false.');
  end if;
  update public.users set notify_line = p_enabled, updated_at = now() where id = uid;
  return private.profile_json(uid);
end
$$;
comment on function public.set_line_notifications is 'Turns the calling user''s LINE push messages on or off.';
grant execute on function public.set_line_notifications(boolean) to authenticated;

create table private.line_pushes (
  reading_id uuid primary key references public.readings (id) on delete cascade,
  status text not null check (status in ('completed', 'rejected', 'failed')),
  created_at timestamptz not null default now()
);
comment on table private.line_pushes is
  'One row per reading whose owner was (to be) pushed a LINE message: the claim that makes the push at most once.';
alter table private.line_pushes enable row level security;

/** Processor: whom to push about a finished reading, once. Null when the reading is not finished, the owner did
 * not opt in, the account is deleted, or the push was already claimed. */
create function public.claim_line_push(p_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  target record;
begin
  select r.id, r.status, r.language, u.line_user_id into target
  from public.readings r join public.users u on u.id = r.user_id
  where r.id = p_id and r.status in ('completed', 'rejected', 'failed') and r.deleted_at is null
    and u.notify_line and u.deleted_at is null and u.line_user_id is not null;
  if not found then
    return null;
  end if;
  insert into private.line_pushes (reading_id, status) values (p_id, target.status) on conflict do nothing;
  if not found then
    return null;
  end if;
  return jsonb_build_object('reading_id', target.id, 'status', target.status, 'language', target.language,
    'line_user_id', target.line_user_id);
end
$$;
comment on function public.claim_line_push is
  'Processor: the LINE user to notify about a finished reading, at most once per reading (null: nobody).';
grant execute on function public.claim_line_push(uuid) to service_role;
