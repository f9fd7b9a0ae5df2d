-- 0016 legacy payments: payments imported from the old app (origin 'legacy', written by the legacy import, 0017).
-- The old app already credited their stars and the user's opening balance holds them, so an imported row says
-- credited without a ledger row of its own. Later Stripe events for an old PaymentIntent (a redelivered success,
-- refunds, disputes) go through apply_stripe_event like any other: found by PaymentIntent id, they claw back from
-- the right user and never credit twice. Only the success check differs: the old app put its own user and pack ids
-- in the PaymentIntent metadata, not ours, so for an imported payment only amount and currency must match.

alter table public.payments add column origin text not null default 'app' check (origin in ('app', 'legacy'));
comment on column public.payments.origin is
  'app: bought here; legacy: imported from the old app, whose stars are in the user''s legacy opening balance.';

create or replace function private.payment_mismatch(p public.payments, o jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when o ->> 'amount' is distinct from p.amount_satang::text then 'amount_mismatch'
    when coalesce(o ->> 'amount_received', o ->> 'amount') is distinct from p.amount_satang::text
      then 'amount_mismatch'
    when lower(o ->> 'currency') is distinct from p.currency then 'currency_mismatch'
    when p.origin = 'legacy' then null  -- the old app's metadata names its own user and pack
    when o -> 'metadata' ->> 'user_id' is distinct from p.user_id::text then 'metadata_mismatch'
    when o -> 'metadata' ->> 'package_id' is distinct from p.package_id then 'metadata_mismatch'
  end
$$;
