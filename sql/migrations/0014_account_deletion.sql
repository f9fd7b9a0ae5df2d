-- 0014 account deletion (Thailand's PDPA, right to erasure): `public.delete_my_account()` erases a user in one
-- transaction, acting on auth.uid(). The user row is pseudonymised (its UUID stays, so the ledger, wallet and
-- payments still point at it and the books balance) rather than deleted: the ledger is append-only and its rows
-- are kept. What is erased and what is kept, and why:
--   erased   LINE user id, display name, picture URL, referral code (deactivated), every reading (question, cards,
--            result, analysis) and review, every session (refresh tokens), the personal parts of stored Stripe
--            event payloads (billing details, e-mail, metadata).
--   kept     wallet balances and ledger rows (amounts, reasons, keys), payments rows (package, amounts, Stripe ids,
--            statuses): accounting records we must keep (Accounting Act B.E. 2543 s.14: five years; PDPA s.33 lets
--            us refuse erasure of what the law requires us to keep). They name no one once the user row is
--            pseudonymised. Stripe ids stay so refunds and disputes that arrive later still settle.
--   noted    a keyed hash of the LINE user id in private.deleted_line_accounts, not linked to the user row, so a
--            returning LINE account gets no second welcome bonus (see 0015).
-- Readings still queued or processing are failed and refunded once (reason account_deleted) before they are
-- erased, so a job QStash delivers later finds nothing to do (claim answers reading_not_found: a no-op).
-- After deletion, access tokens still unexpired are refused: private.require_uid() answers 401 account_deleted,
-- and restrictive RLS policies hide every row from a deleted user's token on direct reads. A submit, refresh, review
-- or payment racing the deletion either commits first (and is then erased) or is refused by a trigger; the user's
-- own concurrent calls may deadlock with it, which Postgres resolves by aborting one side whole (503, retry).

alter table public.users
  add column deleted_at timestamptz,
  alter column line_user_id drop not null,
  alter column display_name drop not null,
  alter column referral_code drop not null,
  add constraint users_active_or_erased check (case when deleted_at is null
    then line_user_id is not null and display_name is not null and referral_code is not null
    else line_user_id is null and display_name is null and picture_url is null and referral_code is null end);
comment on column public.users.deleted_at is
  'When the user deleted their account; the row is then a pseudonym kept for the ledger and payments.';

create table private.pseudonym_key (
  id boolean primary key default true check (id),
  key text not null check (key ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now()
);
comment on table private.pseudonym_key is
  'The secret that keys hashes of deleted LINE ids; generated in the database, never leaves it.';
alter table private.pseudonym_key enable row level security;
-- gen_random_uuid() draws from pg_strong_random: two of them give 244 random bits
insert into private.pseudonym_key (key)
values (encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'));

create table private.deleted_line_accounts (
  line_hash text primary key check (line_hash ~ '^[0-9a-f]{64}$'),
  first_deleted_at timestamptz not null default now()
);
comment on table private.deleted_line_accounts is
  'Keyed SHA-256 of the LINE user id of every deleted account, with no link to the user row. Read only by '
  'login_line_user: a LINE account found here gets no welcome bonus and no referral attribution when it returns.';
alter table private.deleted_line_accounts enable row level security;

create function private.line_account_hash(p_line_user_id text) returns text
language sql stable
set search_path = ''
as $$
  select encode(sha256(convert_to(k.key || ':' || p_line_user_id, 'UTF8')), 'hex') from private.pseudonym_key k
$$;
comment on function private.line_account_hash is 'Keyed one-way hash of a LINE user id (secret-prefix SHA-256).';

-- Every user-facing function starts here: a deleted account's still-valid access token is refused.
create or replace function private.require_uid() returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  gone timestamptz;
begin
  if uid is null then
    perform private.fail(401, 'not_authenticated', 'Log in first.');
  end if;
  select u.deleted_at into gone from public.users u where u.id = uid;
  if gone is not null then
    perform private.fail(401, 'account_deleted', 'This account was deleted. Log in again to start a new one.');
  end if;
  return uid;
end
$$;

create policy "Deleted users can read nothing of their profile" on public.users
  as restrictive for select to authenticated using (deleted_at is null);
create policy "Deleted users can read nothing of their wallet" on public.wallets
  as restrictive for select to authenticated using (exists (
    select 1 from public.users u where u.id = (select auth.uid()) and u.deleted_at is null));
create policy "Deleted users can read nothing of their ledger" on public.ledger
  as restrictive for select to authenticated using (exists (
    select 1 from public.users u where u.id = (select auth.uid()) and u.deleted_at is null));
create policy "Deleted users can read nothing of their payments" on public.payments
  as restrictive for select to authenticated using (exists (
    select 1 from public.users u where u.id = (select auth.uid()) and u.deleted_at is null));

-- Refuses a row for a user deleted meanwhile. The key-share lock waits for a deletion in progress and then reads
-- its outcome, so a reading, review, session or payment can never be added behind the eraser's back.
create function private.refuse_deleted_owner() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform 1 from public.users where id = new.user_id and deleted_at is null for key share;
  if not found then
    perform private.fail(401, 'account_deleted', 'This account was deleted. Log in again to start a new one.');
  end if;
  return new;
end
$$;
create trigger readings_owner_not_deleted before insert on public.readings
  for each row execute function private.refuse_deleted_owner();
create trigger reading_reviews_owner_not_deleted before insert on public.reading_reviews
  for each row execute function private.refuse_deleted_owner();
create trigger refresh_tokens_owner_not_deleted before insert on private.refresh_tokens
  for each row execute function private.refuse_deleted_owner();
create trigger payments_owner_not_deleted before insert on public.payments
  for each row execute function private.refuse_deleted_owner();

-- A Stripe event payload reduced to amounts and ids: no billing details, e-mail, metadata or descriptions.
create function private.redacted_stripe_payload(p jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
  select jsonb_build_object('id', p -> 'id', 'type', p -> 'type', 'created', p -> 'created', 'redacted', true,
    'data', jsonb_build_object('object', (
      select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
      from jsonb_each(coalesce(p -> 'data' -> 'object', '{}'::jsonb)) e
      where e.key in ('id', 'object', 'amount', 'amount_received', 'amount_refunded', 'currency', 'status',
                      'payment_intent', 'charge', 'latest_charge', 'created'))))
$$;

-- Readings still in flight end as failed with their credit refunded once, like any failed reading.
create function private.end_readings_in_flight(p_user uuid) returns void
language plpgsql
set search_path = ''
as $$
declare
  r public.readings;
begin
  for r in select * from public.readings where user_id = p_user and status in ('queued', 'processing')
           order by created_at, id loop
    perform private.end_with_refund(r, 'failed', jsonb_build_object('failure_reason', 'account_deleted'));
  end loop;
end
$$;

-- Erases what names the person; the caller holds the wallet and user row locks.
create function private.erase_user(p_user uuid, p_line_user_id text) returns void
language plpgsql
set search_path = ''
as $$
begin
  delete from public.reading_reviews where user_id = p_user;
  delete from public.readings where user_id = p_user;
  delete from private.refresh_tokens where user_id = p_user;
  update private.stripe_events e set payload = private.redacted_stripe_payload(e.payload)
  where e.payment_intent_id in (select p.payment_intent_id from public.payments p where p.user_id = p_user)
    and not (e.payload ? 'redacted');
  insert into private.deleted_line_accounts (line_hash) values (private.line_account_hash(p_line_user_id))
  on conflict (line_hash) do nothing;
  update public.users set line_user_id = null, display_name = null, picture_url = null, referral_code = null,
    language = 'th', deleted_at = now(), updated_at = now()
  where id = p_user;
end
$$;

-- Lock order: the user row (no key update: deletions queue here), the user's readings, the wallet, then the user
-- row for update, as every other writer takes them (review and processor steps: reading -> wallet; spends:
-- wallet -> user key share through the FKs). Sessions are deleted once before the row is locked for update (so a
-- refresh holding its token finishes first) and once after (catching the token it made). Rows inserted after
-- that are refused by private.refuse_deleted_owner.
create function public.delete_my_account() returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  uid uuid := auth.uid();
  u public.users;
begin
  -- no key update: one deletion at a time, while inserts (key share through FKs) carry on
  select * into u from public.users where id = uid for no key update;
  if uid is null or not found then
    perform private.fail(401, 'not_authenticated', 'Log in first.');
  elsif u.deleted_at is not null then
    return jsonb_build_object('deleted', true, 'deleted_at', u.deleted_at, 'replayed', true);
  end if;
  perform 1 from public.readings where user_id = uid for update;
  perform 1 from public.wallets where user_id = uid for update;
  delete from private.refresh_tokens where user_id = uid;
  perform 1 from public.users where id = uid for update;  -- waits for inserts in flight; later ones are refused
  perform private.end_readings_in_flight(uid);
  perform private.erase_user(uid, u.line_user_id);
  return jsonb_build_object('deleted', true, 'deleted_at', now(), 'replayed', false);
end
$$;
comment on function public.delete_my_account is
  'PDPA erasure of the calling user: sessions revoked, readings and profile erased, the user row pseudonymised, '
  'ledger and payment amounts kept. Idempotent: a second call answers replayed.';

revoke execute on function private.line_account_hash(text), private.redacted_stripe_payload(jsonb),
  private.refuse_deleted_owner(),
  private.end_readings_in_flight(uuid), private.erase_user(uuid, text) from public, anon, authenticated;
revoke execute on function public.delete_my_account() from public, anon;
grant execute on function public.delete_my_account() to authenticated;
