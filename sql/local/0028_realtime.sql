-- What a Supabase project's Realtime service installs in its database, for a plain Postgres (dev, tests): the
-- `realtime` schema with `realtime.messages` (RLS on; its policies decide who may join a private channel and
-- receive its broadcasts), `realtime.topic()` (the topic being authorised, for policies) and
-- `realtime.send(payload, event, topic, private)` ("Broadcast from the database"). Definitions follow
-- supabase/realtime's tenant migrations (send as of 2026-06: an `id` added to the payload when it has none,
-- errors turned into a warning so a failed broadcast never aborts the caller's transaction).
--
-- Differences, on purpose: messages is not partitioned by day (Supabase's Realtime server creates and drops the
-- daily partitions; nothing here would), and the local Realtime stand-in learns of new rows from the NOTIFY
-- below instead of logical replication. Both deliver after the inserting transaction commits, never before.
-- Applied only on local clusters; never on a Supabase project.

create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;

create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp without time zone not null default now(),
  inserted_at timestamp without time zone not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);
create index if not exists messages_inserted_at_topic_index on realtime.messages (inserted_at desc, topic)
  where extension = 'broadcast' and private is true;
alter table realtime.messages enable row level security;
-- Supabase grants these; RLS policies (written by the project) decide what each role may do.
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

create or replace function realtime.topic() returns text
language sql stable
as $$ select nullif(current_setting('realtime.topic', true), '')::text $$;
grant execute on function realtime.topic() to anon, authenticated, service_role;

create or replace function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void
language plpgsql
as $$
declare
  generated_id uuid;
  final_payload jsonb;
begin
  begin
    generated_id := gen_random_uuid();
    if payload ? 'id' then
      final_payload := payload;
    else
      final_payload := jsonb_set(payload, '{id}', to_jsonb(generated_id));
    end if;
    execute format('set local realtime.topic to %L', topic);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (generated_id, final_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end
$$;

-- The local stand-in's replication: one NOTIFY per broadcast row, sent when the transaction commits.
create or replace function realtime.notify_local_stand_in() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('realtime_messages', new.id::text);
  return null;
end
$$;
drop trigger if exists notify_local_stand_in on realtime.messages;
create trigger notify_local_stand_in after insert on realtime.messages
  for each row when (new.extension = 'broadcast') execute function realtime.notify_local_stand_in();
