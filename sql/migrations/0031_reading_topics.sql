-- 0031 who may hear a reading being written (issue 21, item 3): Supabase Realtime authorises a private channel
-- by the RLS policies on realtime.messages, run as the joining user (its token's role and claims) with
-- realtime.topic() set to the topic. A broadcast from the database (0030: realtime.send on 'reading:<id>') reaches
-- only the joins whose read was allowed.
--   read     only the reading's owner may join 'reading:<id>' and receive its broadcasts, while the reading is
--            theirs to see (the readings policy: not deleted). Any other topic is left to other policies: a topic
--            that is not 'reading:' and a lowercase uuid is false here, never an error (an error in one policy
--            would refuse every private join of the project).
--   write    nobody may send on a reading's topic (a client broadcast inserts a row as the user): a restrictive
--            policy, so that a permissive INSERT policy written later for other topics cannot open these.
-- realtime.messages is Supabase's (sql/local/0028_realtime.sql makes the same table on a plain Postgres).

create policy "Users can receive their own readings as they are written" on realtime.messages
  for select to authenticated
  using (
    extension = 'broadcast'
    and case when (select realtime.topic()) ~ '^reading:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then exists (
        select 1 from public.readings r
        where r.id = substr((select realtime.topic()), 9)::uuid and r.user_id = (select auth.uid()))
      else false end
  );

create policy "Nobody can send on a reading's topic" on realtime.messages
  as restrictive for insert to anon, authenticated
  with check (topic not like 'reading:%');
