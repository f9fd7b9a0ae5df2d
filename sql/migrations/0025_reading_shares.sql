-- 0025 shared readings: an owner makes an unguessable link to a completed reading (the function makes a 256-bit
-- token and sends only its SHA-256 here: the token itself is never stored), revokes every link of a reading at
-- once, and anyone holding a live link reads a minimal public view. A link dies with its reading: soft-deleting
-- the reading or deleting the account hides it at once (the lookup requires both alive), and the account's erasure
-- (0014, which deletes the readings) deletes the share rows through the foreign key.

create table private.reading_shares (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  reading_id uuid not null references public.readings (id) on delete cascade,
  include_question boolean not null default false,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
comment on table private.reading_shares is
  'Share links of readings: only the SHA-256 of each token, whether the question is shown, and revocation.';
create index reading_shares_reading_idx on private.reading_shares (reading_id);
alter table private.reading_shares enable row level security;

/** Owner: a new link to one of their completed readings (at most 20 live links per reading). */
create function public.share_reading(p_id uuid, p_token_hash text, p_include_question boolean default false)
returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  r public.readings;
  share private.reading_shares;
begin
  if p_token_hash is null or p_token_hash !~ '^[0-9a-f]{64}$' then
    perform private.fail(422, 'invalid_share_token', 'The share token hash must be 64 hex characters.');
  end if;
  select * into r from public.readings where id = p_id and user_id = uid and deleted_at is null for update;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  elsif r.status <> 'completed' then
    perform private.fail(409, 'reading_not_completed', 'Only a completed reading can be shared.');
  elsif (select count(*) from private.reading_shares s where s.reading_id = p_id and s.revoked_at is null) >= 20 then
    perform private.fail(409, 'too_many_shares', 'This reading has 20 live links; revoke them first.');
  end if;
  insert into private.reading_shares (token_hash, reading_id, include_question)
  values (p_token_hash, p_id, coalesce(p_include_question, false))
  returning * into share;
  return jsonb_build_object('reading_id', r.id, 'include_question', share.include_question,
    'language', r.language, 'created_at', share.created_at, 'header', r.result ->> 'header', 'final', r.result ->> 'final',
    'cards', private.shared_cards(r.cards));
end
$$;
comment on function public.share_reading is 'Owner: a new share link (its token hash) to a completed reading.';

/** Owner: every live link of a reading stops working. */
create function public.revoke_reading_shares(p_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := private.require_uid();
  revoked integer;
begin
  perform 1 from public.readings where id = p_id and user_id = uid and deleted_at is null;
  if not found then
    perform private.fail(404, 'reading_not_found', 'No such reading.');
  end if;
  update private.reading_shares set revoked_at = now() where reading_id = p_id and revoked_at is null;
  get diagnostics revoked = row_count;
  return jsonb_build_object('reading_id', p_id, 'revoked', revoked);
end
$$;
comment on function public.revoke_reading_shares is 'Owner: revokes every share link of one of their readings.';

/** The drawn cards as the public sees them: names, image, position and orientation; nothing the LLM wrote. */
create function private.shared_cards(p_cards jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(jsonb_agg((select coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb) from jsonb_each(c) f
                             where f.key in ('id', 'name', 'name_th', 'image', 'position', 'position_th',
                                             'position_en', 'orientation', 'reversed'))
                            order by n), '[]'::jsonb)
  from jsonb_array_elements(coalesce(p_cards, '[]'::jsonb)) with ordinality as a (c, n)
$$;

/** Anyone with a live link: the minimal view (cards, header, final; the question only if the owner chose). */
create function public.shared_reading(p_token_hash text) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  found_view jsonb;
begin
  select jsonb_build_object('language', r.language, 'header', r.result ->> 'header',
      'final', r.result ->> 'final', 'cards', private.shared_cards(r.cards),
      'question', case when s.include_question then r.question end)
    into found_view
  from private.reading_shares s
  join public.readings r on r.id = s.reading_id
  join public.users u on u.id = r.user_id
  where s.token_hash = p_token_hash and s.revoked_at is null
    and r.deleted_at is null and r.status = 'completed' and u.deleted_at is null;
  if found_view is null then
    perform private.fail(404, 'share_not_found', 'This link does not exist or was revoked.');
  end if;
  return found_view;
end
$$;
comment on function public.shared_reading is
  'Public: the minimal view of a shared reading by its token hash; 404 when revoked, deleted or unknown.';

grant execute on function public.share_reading(uuid, text, boolean) to authenticated;
grant execute on function public.revoke_reading_shares(uuid) to authenticated;
grant execute on function public.shared_reading(text) to anon, authenticated;
