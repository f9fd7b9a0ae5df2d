-- 0003 credits: the business numbers, wallets, the append-only ledger and every credit operation.
-- Each operation is one function, one transaction, idempotent by key: the first call records its result in
-- private.credit_ops and later calls with the same key return that result without changing anything.

create table public.app_settings (
  key text primary key,
  value integer not null,
  description text not null
);
comment on table public.app_settings is 'Business numbers (rewards, prices, limits) the business may change without a deploy.';
alter table public.app_settings enable row level security;
revoke all on table public.app_settings from anon, authenticated;
grant select on table public.app_settings to anon, authenticated;
create policy "Anyone can read the business settings" on public.app_settings for select to anon, authenticated
  using (true);

insert into public.app_settings (key, value, description) values
  ('welcome_free_points', 3, 'Free points granted at first login'),
  ('reading_cost', 1, 'Credits (free point first, else star) a reading costs'),
  ('reading_reward_coins', 5, 'Coins for a completed reading'),
  ('reading_reward_exp', 25, 'Exp for a completed reading'),
  ('review_reward_coins', 2, 'Coins for reviewing a reading (once per reading)'),
  ('review_reward_exp', 10, 'Exp for reviewing a reading'),
  ('daily_reward_coins', 5, 'Coins for the daily check-in'),
  ('daily_reward_exp', 10, 'Exp for the daily check-in'),
  ('coins_per_star', 100, 'Coins exchanged for one star'),
  ('referral_invitee_stars', 1, 'Stars the invitee gets when attributed'),
  ('referral_inviter_coins', 50, 'Coins the inviter gets on the invitee''s first completed reading'),
  ('level_step_exp', 100, 'Level n is reached at step*n*(n-1)/2 cumulative exp');

create function private.setting(p_key text) returns integer
language sql stable
set search_path = ''
as $$
  select value from public.app_settings where key = p_key
$$;

create table public.wallets (
  user_id uuid primary key references public.users (id) on delete cascade,
  stars integer not null default 0,
  free_points integer not null default 0 check (free_points >= 0),
  coins integer not null default 0 check (coins >= 0),
  exp integer not null default 0 check (exp >= 0),
  level integer not null default 1 check (level >= 1),
  streak integer not null default 0 check (streak >= 0),
  last_check_in date,
  frozen boolean not null default false,
  updated_at timestamptz not null default now(),
  -- stars go below zero only through a payment clawback, which also records the debt here
  clawback_debt integer not null default 0 check (clawback_debt >= 0),
  constraint stars_negative_only_by_clawback check (stars >= 0 or -stars <= clawback_debt)
);
comment on table public.wallets is 'Balances, one row per user; every change is mirrored by ledger rows.';
alter table public.wallets enable row level security;
revoke all on table public.wallets from anon, authenticated;
grant select on table public.wallets to authenticated;
create policy "Users can read their own wallet" on public.wallets for select to authenticated
  using ((select auth.uid()) = user_id);

create table public.ledger (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  currency text not null check (currency in ('star', 'free_point', 'coin', 'exp')),
  delta integer not null check (delta <> 0),
  reason text not null,
  ref text,
  idempotency_key text not null unique,
  created_at timestamptz not null default now()
);
comment on table public.ledger is 'Append-only: one row per balance change; sum per currency equals the wallet.';
create index ledger_user_created_idx on public.ledger (user_id, id desc);
alter table public.ledger enable row level security;
revoke all on table public.ledger from anon, authenticated, service_role;
grant select on table public.ledger to authenticated, service_role;
create policy "Users can read their own ledger rows" on public.ledger for select to authenticated
  using ((select auth.uid()) = user_id);

create function private.forbid_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'PT403', message = 'ledger_append_only',
    detail = 'Ledger rows are never updated or deleted.';
end
$$;
create trigger ledger_append_only before update or delete or truncate on public.ledger
  for each statement execute function private.forbid_change();

create table private.credit_ops (
  key text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  kind text not null,
  result jsonb,
  created_at timestamptz not null default now()
);
comment on table private.credit_ops is 'One row per applied credit operation: its idempotency key and its result.';
create index credit_ops_user_idx on private.credit_ops (user_id);
alter table private.credit_ops enable row level security;

create table public.referrals (
  invitee_id uuid primary key references public.users (id) on delete cascade,
  inviter_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  rewarded_at timestamptz,
  constraint referral_not_self check (invitee_id <> inviter_id)
);
comment on table public.referrals is 'Who invited whom (once per invitee) and whether the inviter was rewarded.';
create index referrals_inviter_idx on public.referrals (inviter_id);
alter table public.referrals enable row level security;
revoke all on table public.referrals from anon, authenticated;
