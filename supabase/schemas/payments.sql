-- Payments: who is who at Stripe, the ledger of Stripe's webhook events, the payments of bookings, and the outbox of
-- money that leaves (refunds, host payouts, payout reversals). docs/payments.md has the sequence and the error table.
--
-- Rules enforced here:
--   * the schema `payments` is not exposed through the Data API: the edge functions reach it as service_role, which
--     reads the tables and writes only through the functions below; clients read the payments of their own bookings
--     through public.booking_payments (security invoker, RLS on payments.payments) and nothing else;
--   * one Stripe Customer per member and one Connect account per host, each Stripe id belonging to one member;
--   * every Stripe event id is recorded exactly once: a replay is recognised and has no new effect; an event whose
--     handling failed is handled again when Stripe retries it; account.updated is applied only when it is newer
--     than what is recorded (Stripe does not keep order);
--   * one row per PaymentIntent in payments.payments (no card data and no event payloads, ever): the webhook's
--     handlers are idempotent and order-independent (a status only moves forward: a failure after a success changes
--     nothing; refunded amounts only grow), so replays and Stripe's disorder are harmless;
--   * a succeeded PaymentIntent confirms its booking through public.confirm_booking_payment, which checks amount and
--     currency; a payment that cannot confirm (hold expired, booking cancelled, wrong amount, booking already paid)
--     is refunded in full automatically, and a wrong amount is also flagged for a human;
--   * money leaves only through payments.outbox rows written in the SAME transaction as the decision: a refund when
--     a paid booking is cancelled with refund_cents > 0 (trigger on bookings) or when a payment cannot confirm; a
--     transfer to the host's connected account 24 h after check-in once payouts are enabled
--     (private.enqueue_due_payouts); a transfer reversal when a booking is cancelled after its payout was attempted
--     (before that, the payout is cancelled and only the refund goes); an erased member's Stripe Customer is deleted at
--     Stripe (customer_deletion, written when the member's customer link goes). One row per effect (dedupe_key), and the row
--     id is the Stripe idempotency key, so a worker killed at any point and started again makes one Stripe effect.
-- Row-level security is on for every table; the policies are the service role's reads and the parties' reads of
-- payments, so a future grant to a client role would still show nothing until a policy says what it may see.

create schema if not exists payments;
comment on schema payments is 'Stripe customers, connected accounts and the webhook event ledger; not exposed through the Data API.';
revoke all on schema payments from public;
grant usage on schema payments to service_role;

-- Types ----------------------------------------------------------------------------------------------------------

create type payments.payment_status as enum ('requires_payment', 'failed', 'succeeded');
comment on type payments.payment_status is 'A PaymentIntent as Staybase knows it: created and unpaid, last attempt failed (the guest may retry while the hold lasts), or paid. Only moves forward to succeeded.';

create type payments.outbox_kind as enum ('refund', 'payout', 'payout_reversal', 'customer_deletion');
create type payments.outbox_status as enum ('pending', 'done', 'cancelled', 'dead');
comment on type payments.outbox_status is 'pending: to do (or being retried); done: Stripe did it (stripe_object_id); cancelled: no longer wanted and never sent; dead: gave up, for a human.';

-- What payments-checkout needs to create or reuse a PaymentIntent for a booking.
create type payments.checkout as (
  booking_id uuid,
  amount_cents bigint,
  currency text,
  hold_expires_at timestamptz,
  stripe_customer_id text,
  payment_intent_id text
);

-- One Stripe call the worker claimed.
create type payments.outbox_task as (
  id uuid,
  kind payments.outbox_kind,
  booking_id uuid,
  amount_cents bigint,
  currency text,
  payment_intent_id text,
  destination text,
  source_transaction text,
  transfer_id text,
  attempts integer,
  customer_id text
);

-- Tables ---------------------------------------------------------------------------------------------------------

create table payments.stripe_customers (
  user_id uuid primary key references auth.users (id) on delete cascade,
  stripe_customer_id text not null
    constraint stripe_customer_id_format check (stripe_customer_id ~ '^cus_[A-Za-z0-9]+$')
    constraint stripe_customer_id_belongs_to_one_member unique,
  created_at timestamptz not null default now()
);
comment on table payments.stripe_customers is 'The Stripe Customer of a member (a guest who paid), created once and reused.';

create table payments.connected_accounts (
  user_id uuid primary key references auth.users (id) on delete cascade,
  stripe_account_id text not null
    constraint stripe_account_id_format check (stripe_account_id ~ '^acct_[A-Za-z0-9]+$')
    constraint stripe_account_id_belongs_to_one_host unique,
  charges_enabled boolean not null default false,
  payouts_enabled boolean not null default false,
  details_submitted boolean not null default false,
  stripe_updated_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table payments.connected_accounts is 'A host''s Stripe Connect Express account and its capabilities, as the last applied account.updated event reported them.';
comment on column payments.connected_accounts.stripe_updated_at is 'Creation time of the account.updated event last applied: an older event arriving later is ignored.';

create table payments.stripe_events (
  id text primary key
    constraint stripe_event_id_format check (id ~ '^evt_[A-Za-z0-9_]+$'),
  type text not null
    constraint stripe_event_type_format check (type ~ '^[a-z0-9_]+(\.[a-z0-9_]+)+$' and char_length(type) <= 100),
  object_id text
    constraint stripe_event_object_id_length check (char_length(object_id) <= 255),
  account text
    constraint stripe_event_account_format check (account ~ '^acct_[A-Za-z0-9]+$'),
  livemode boolean not null,
  stripe_created_at timestamptz not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  outcome text not null default 'received'
    constraint stripe_event_outcome_known check (outcome in ('received', 'processed', 'ignored', 'acknowledged', 'failed')),
  error text
    constraint stripe_event_error_length check (char_length(error) <= 2000),
  attempts integer not null default 1
    constraint stripe_event_attempts_positive check (attempts >= 1),
  constraint stripe_event_failure_explained check ((outcome = 'failed') = (error is not null))
);
comment on table payments.stripe_events is 'Ledger of Stripe webhook events: one row per event id, so a replayed event has no new effect.';
comment on column payments.stripe_events.outcome is 'processed: handled with an effect; ignored: nothing to do (unknown object, older than what is recorded); acknowledged: recorded, handler not written yet; failed: handling raised, Stripe will retry.';
comment on column payments.stripe_events.object_id is 'Id of data.object (pi_..., ch_..., acct_...), to find the events about one object.';

create table payments.payments (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null references public.bookings (id) on delete restrict,
  guest_id uuid references public.profiles (id) on delete set null,
  host_id uuid references public.profiles (id) on delete set null,
  payment_intent_id text not null
    constraint payment_intent_id_format check (payment_intent_id ~ '^pi_[A-Za-z0-9_]+$' and char_length(payment_intent_id) <= 255)
    constraint payment_intent_recorded_once unique,
  charge_id text
    constraint charge_id_format check (charge_id ~ '^(ch|py)_[A-Za-z0-9_]+$' and char_length(charge_id) <= 255),
  amount_cents bigint not null
    constraint payment_amount_positive check (amount_cents > 0),
  currency text not null
    constraint payment_currency_format check (currency ~ '^[A-Z]{3}$'),
  status payments.payment_status not null default 'requires_payment',
  outcome public.payment_outcome,
  failure_code text
    constraint failure_code_length check (char_length(failure_code) <= 100),
  refunded_cents bigint not null default 0
    constraint refunded_within_amount check (refunded_cents between 0 and amount_cents),
  disputed boolean not null default false,
  dispute_id text
    constraint dispute_id_format check (dispute_id ~ '^(dp|du)_[A-Za-z0-9_]+$' and char_length(dispute_id) <= 255),
  flags text[] not null default '{}'
    constraint payment_flags_known check (flags <@ array['amount_mismatch', 'disputed', 'refund_failed']::text[]),
  succeeded_at timestamptz,
  failed_at timestamptz,
  refunded_at timestamptz,
  disputed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint succeeded_has_outcome check ((status = 'succeeded') = (outcome is not null and succeeded_at is not null)),
  constraint dispute_recorded check (disputed = (dispute_id is not null))
);
comment on table payments.payments is 'One row per PaymentIntent of a booking (Stripe ids, amounts, state; never card data). Written by the checkout and the webhook through the functions below.';
comment on column payments.payments.outcome is 'What public.confirm_booking_payment answered when the payment succeeded: confirmed, or why the payment was refunded instead.';
comment on column payments.payments.refunded_cents is 'Stripe''s amount_refunded on the charge, from charge.refunded (only grows).';
comment on column payments.payments.flags is 'For operators: amount_mismatch (paid a different amount: not confirmed, refunded), disputed (a chargeback was opened), refund_failed (the outbox gave up on a refund).';

create table payments.outbox (
  id uuid primary key default gen_random_uuid(),
  kind payments.outbox_kind not null,
  reason text not null
    constraint outbox_reason_known check (reason in ('cancellation', 'late_payment', 'amount_mismatch', 'duplicate_payment', 'payout', 'erasure')),
  dedupe_key text not null
    constraint outbox_effect_once unique,
  booking_id uuid references public.bookings (id) on delete restrict,
  payment_id uuid references payments.payments (id) on delete restrict,
  depends_on uuid references payments.outbox (id) on delete restrict,
  amount_cents bigint
    constraint outbox_amount_positive check (amount_cents > 0),
  currency text
    constraint outbox_currency_format check (currency ~ '^[A-Z]{3}$'),
  payment_intent_id text,
  destination text
    constraint outbox_destination_format check (destination ~ '^acct_[A-Za-z0-9]+$'),
  source_transaction text,
  customer_id text
    constraint outbox_customer_id_format check (customer_id ~ '^cus_[A-Za-z0-9]+$'),
  status payments.outbox_status not null default 'pending',
  attempts integer not null default 0
    constraint outbox_attempts_not_negative check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text
    constraint outbox_last_error_length check (char_length(last_error) <= 2000),
  stripe_object_id text
    constraint outbox_stripe_object_id_length check (char_length(stripe_object_id) <= 255),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  constraint refund_names_its_payment check (kind <> 'refund' or (payment_id is not null and payment_intent_id is not null)),
  constraint payout_names_its_destination check (kind <> 'payout' or destination is not null),
  constraint reversal_names_its_payout check (kind <> 'payout_reversal' or depends_on is not null),
  -- Money moves for a booking; a customer deletion names only the Stripe Customer of an erased member.
  constraint money_names_its_booking check (customer_id is not null or (booking_id is not null and amount_cents is not null and currency is not null)),
  constraint customer_deletion_names_only_its_customer check (customer_id is null or (booking_id is null and payment_id is null and amount_cents is null)),
  constraint done_has_stripe_object check ((status = 'done') = (stripe_object_id is not null))
);
comment on table payments.outbox is 'What leaves for Stripe (money, and the deletion of an erased member''s Customer), one row per Stripe effect, written in the transaction that decided it and drained by the payments-worker function; the row id is the Stripe idempotency key.';
comment on column payments.outbox.dedupe_key is 'What makes the effect unique: refund:cancellation:<booking>, refund:<reason>:<payment intent>, payout:<booking>, payout_reversal:<booking>, customer_deletion:<customer>.';
comment on column payments.outbox.customer_id is 'customer_deletion: the Stripe Customer of an erased member, deleted at Stripe (customers.del).';
comment on column payments.outbox.locked_until is 'Lease of the worker that claimed the row; after it a killed worker''s row is claimed again (same idempotency key, so no second effect).';
comment on column payments.outbox.depends_on is 'A reversal waits for its payout to be done (it reverses that transfer).';

-- Indexes --------------------------------------------------------------------------------------------------------

create index payments_booking_id_idx on payments.payments (booking_id);
create index payments_guest_id_idx on payments.payments (guest_id);
create index payments_host_id_idx on payments.payments (host_id);
create index payments_charge_id_idx on payments.payments (charge_id) where charge_id is not null;
create index outbox_due_idx on payments.outbox (next_attempt_at) where status = 'pending';
create index outbox_booking_id_idx on payments.outbox (booking_id);
create index outbox_payment_id_idx on payments.outbox (payment_id) where payment_id is not null;
create index outbox_depends_on_idx on payments.outbox (depends_on) where depends_on is not null;
create index bookings_payout_due_idx on public.bookings (check_in_at) where status in ('confirmed', 'completed');

-- Functions: Stripe customers, accounts and events --------------------------------------------------------------
-- Security definer: the service role reads the tables and writes only through these functions.

create function payments.record_stripe_event(
  event_id text,
  event_type text,
  object_id text,
  account text,
  livemode boolean,
  stripe_created_at timestamptz
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  must_handle boolean;
begin
  -- A concurrent delivery of the same event waits here on the first one's row lock and then sees it recorded.
  insert into payments.stripe_events as e (id, type, object_id, account, livemode, stripe_created_at)
  values (event_id, event_type, object_id, account, livemode, stripe_created_at)
  on conflict (id) do update
    set attempts = e.attempts + 1, outcome = 'received', error = null, processed_at = null, received_at = now()
    where e.outcome = 'failed'
  returning true into must_handle;
  return coalesce(must_handle, false);
end
$$;
comment on function payments.record_stripe_event(text, text, text, text, boolean, timestamptz) is
  'Records a Stripe event once; true when it must be handled now (first delivery, or the previous attempt failed), false for a replay.';

create function payments.finish_stripe_event(event_id text, outcome text, error text default null) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update payments.stripe_events e
     set outcome = finish_stripe_event.outcome, error = left(finish_stripe_event.error, 2000), processed_at = now()
   where e.id = event_id;
  if not found then
    raise exception 'no Stripe event %', event_id using errcode = '22023', hint = 'unknown_event';
  end if;
end
$$;
comment on function payments.finish_stripe_event(text, text, text) is
  'Sets the outcome of a recorded event (processed, ignored, acknowledged, failed with an error).';

-- A failed handling rolls back its transaction, the event row included; this records the failure afterwards so
-- the ledger shows it and the next delivery is handled again.
create function payments.record_stripe_event_failure(
  event_id text,
  event_type text,
  object_id text,
  account text,
  livemode boolean,
  stripe_created_at timestamptz,
  error text
) returns void
language sql
security definer
set search_path = ''
as $$
  insert into payments.stripe_events as e (id, type, object_id, account, livemode, stripe_created_at, outcome, error, processed_at)
  values (event_id, event_type, object_id, account, livemode, stripe_created_at, 'failed', left(error, 2000), now())
  on conflict (id) do update
    set outcome = 'failed', error = excluded.error, processed_at = now()
    where e.outcome in ('received', 'failed')
$$;
comment on function payments.record_stripe_event_failure(text, text, text, text, boolean, timestamptz, text) is
  'Records that handling an event failed (after its transaction rolled back), so Stripe''s retry is handled again.';

create function payments.record_account_update(
  stripe_account_id text,
  charges_enabled boolean,
  payouts_enabled boolean,
  details_submitted boolean,
  stripe_updated_at timestamptz
) returns boolean
language sql
security definer
set search_path = ''
as $$
  with updated as (
    update payments.connected_accounts a
       set charges_enabled = record_account_update.charges_enabled,
           payouts_enabled = record_account_update.payouts_enabled,
           details_submitted = record_account_update.details_submitted,
           stripe_updated_at = record_account_update.stripe_updated_at,
           updated_at = now()
     where a.stripe_account_id = record_account_update.stripe_account_id
       and (a.stripe_updated_at is null or a.stripe_updated_at <= record_account_update.stripe_updated_at)
    returning 1
  )
  select exists (select from updated)
$$;
comment on function payments.record_account_update(text, boolean, boolean, boolean, timestamptz) is
  'Applies an account.updated event to a known connected account unless a newer one was applied; true when applied.';

create function payments.connected_account(user_id uuid) returns payments.connected_accounts
language sql stable
security definer
set search_path = ''
as $$
  select a.* from payments.connected_accounts a where a.user_id = connected_account.user_id
$$;
comment on function payments.connected_account(uuid) is 'The connected account of a host, or null.';

create function payments.record_connected_account(user_id uuid, stripe_account_id text) returns payments.connected_accounts
language plpgsql
security definer
set search_path = ''
as $$
declare
  account payments.connected_accounts;
begin
  insert into payments.connected_accounts (user_id, stripe_account_id)
  values (record_connected_account.user_id, record_connected_account.stripe_account_id)
  on conflict on constraint connected_accounts_pkey do nothing;
  -- Two racing onboardings used the same idempotency key, so they carry the same account: either row is right.
  select a.* into account from payments.connected_accounts a where a.user_id = record_connected_account.user_id;
  return account;
end
$$;
comment on function payments.record_connected_account(uuid, text) is
  'Records a host''s new connected account (a no-op when the host already has one); returns the host''s account.';

create function payments.stripe_customer_id(user_id uuid) returns text
language sql stable
security definer
set search_path = ''
as $$
  select c.stripe_customer_id from payments.stripe_customers c where c.user_id = stripe_customer_id.user_id
$$;
comment on function payments.stripe_customer_id(uuid) is 'The Stripe Customer id of a member, or null.';

create function payments.record_stripe_customer(user_id uuid, stripe_customer_id text) returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  stored text;
begin
  insert into payments.stripe_customers (user_id, stripe_customer_id)
  values (record_stripe_customer.user_id, record_stripe_customer.stripe_customer_id)
  on conflict on constraint stripe_customers_pkey do nothing;
  select c.stripe_customer_id into stored from payments.stripe_customers c where c.user_id = record_stripe_customer.user_id;
  return stored;
end
$$;
comment on function payments.record_stripe_customer(uuid, text) is
  'Records a member''s Stripe Customer (a no-op when one is recorded); returns the member''s customer id.';

-- Functions: payments --------------------------------------------------------------------------------------------
-- Security definer, service role only (granted below): the service role reads the tables and writes through these.

-- The payment row of a PaymentIntent, locked; created from the booking named in the PaymentIntent's metadata when
-- the webhook is the first to hear of it (say, the checkout crashed between Stripe's answer and its insert).
-- Null when the PaymentIntent is not a Staybase booking's.
create function payments.payment_for_update(payment_intent_id text, booking_id uuid, amount_cents bigint, currency text)
returns payments.payments
language plpgsql
security definer
set search_path = ''
as $$
declare
  payment payments.payments;
begin
  select p.* into payment from payments.payments p where p.payment_intent_id = payment_for_update.payment_intent_id for update;
  if payment.id is not null or booking_id is null then
    return payment;
  end if;
  insert into payments.payments (booking_id, guest_id, host_id, payment_intent_id, amount_cents, currency)
  select b.id, b.guest_id, b.host_id, payment_for_update.payment_intent_id, payment_for_update.amount_cents,
         upper(payment_for_update.currency)
    from public.bookings b where b.id = payment_for_update.booking_id
  on conflict on constraint payment_intent_recorded_once do nothing;
  select p.* into payment from payments.payments p where p.payment_intent_id = payment_for_update.payment_intent_id for update;
  return payment;
end
$$;
comment on function payments.payment_for_update(text, uuid, bigint, text) is
  'Locks the payment of a PaymentIntent, recording it first if the booking exists; null for a PaymentIntent that is not a booking''s.';

-- A refund of what is left of a payment, for a reason; one per (reason, PaymentIntent).
create function payments.enqueue_full_refund(payment payments.payments, reason text) returns void
language sql
security definer
set search_path = ''
as $$
  insert into payments.outbox (kind, reason, dedupe_key, booking_id, payment_id, amount_cents, currency, payment_intent_id)
  select 'refund', reason, 'refund:' || reason || ':' || payment.payment_intent_id, payment.booking_id, payment.id,
         payment.amount_cents - payment.refunded_cents, payment.currency, payment.payment_intent_id
   where payment.amount_cents > payment.refunded_cents
  on conflict on constraint outbox_effect_once do nothing
$$;
comment on function payments.enqueue_full_refund(payments.payments, text) is 'Writes the outbox refund of whatever of a payment is not refunded yet (once per reason and PaymentIntent).';

-- payments-checkout, before Stripe: may this member pay this booking now, and how much?
create function payments.checkout_booking(guest_id uuid, booking_id uuid) returns payments.checkout
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  booking public.bookings;
  open_payment payments.payments;
  result payments.checkout;
begin
  select b.* into booking from public.bookings b where b.id = checkout_booking.booking_id;
  -- An erased guest or host is null, which is nobody: it never matches the member asking.
  if booking.id is null or checkout_booking.guest_id is null
     or not coalesce(checkout_booking.guest_id in (booking.guest_id, booking.host_id), false) then
    raise exception 'no booking % that you can see', checkout_booking.booking_id
      using errcode = 'PT404', hint = 'booking_not_found';
  end if;
  if booking.guest_id is null or checkout_booking.guest_id <> booking.guest_id then
    raise exception 'only the guest pays for a booking' using errcode = '42501', hint = 'not_booking_guest';
  end if;
  if booking.status in ('confirmed', 'completed') then
    raise exception 'this booking is already paid' using errcode = 'PT409', hint = 'already_paid';
  elsif booking.status = 'expired' or (booking.status = 'pending_payment' and booking.expires_at <= now()) then
    raise exception 'the hold on these dates has expired: book again' using errcode = 'PT409', hint = 'hold_expired';
  elsif booking.status <> 'pending_payment' then
    raise exception 'a % booking cannot be paid', booking.status using errcode = 'PT409', hint = 'not_payable';
  end if;
  if exists (select from payments.payments p where p.booking_id = booking.id and p.status = 'succeeded') then
    -- Paid, but the payment could not confirm (a wrong amount): it is being refunded and a human looks at it.
    raise exception 'a payment for this booking is under review' using errcode = 'PT409', hint = 'payment_under_review';
  end if;
  select p.* into open_payment from payments.payments p
   where p.booking_id = booking.id and p.status in ('requires_payment', 'failed')
     and p.amount_cents = booking.total_cents and p.currency = booking.currency
   order by p.created_at desc limit 1;
  result := (booking.id, booking.total_cents, booking.currency, booking.expires_at,
             payments.stripe_customer_id(booking.guest_id), open_payment.payment_intent_id);
  return result;
end
$$;
comment on function payments.checkout_booking(uuid, uuid) is
  'Checks that a member may pay a booking now (PT404 booking_not_found, 42501 not_booking_guest, PT409 already_paid / hold_expired / not_payable / payment_under_review) and returns the amount, the hold''s deadline, the member''s Stripe customer and an open PaymentIntent to reuse.';

create function payments.record_payment_intent(booking_id uuid, payment_intent_id text, amount_cents bigint, currency text)
returns payments.payments
language plpgsql
security definer
set search_path = ''
as $$
declare
  payment payments.payments := payments.payment_for_update(payment_intent_id, booking_id, amount_cents, currency);
begin
  if payment.id is null then
    raise exception 'no booking %', booking_id using errcode = 'PT404', hint = 'booking_not_found';
  end if;
  return payment;
end
$$;
comment on function payments.record_payment_intent(uuid, text, bigint, text) is 'Records the PaymentIntent the checkout created for a booking (a no-op when recorded).';

-- payment_intent.succeeded. Returns what confirm_booking_payment answered, or null when there is nothing to do
-- (not a booking's PaymentIntent, or this success was already applied).
create function payments.record_payment_succeeded(
  payment_intent_id text, booking_id uuid, amount_cents bigint, currency text, charge_id text
) returns public.payment_outcome
language plpgsql
security definer
set search_path = ''
as $$
declare
  payment payments.payments := payments.payment_for_update(payment_intent_id, booking_id, amount_cents, currency);
  verdict public.payment_outcome;
begin
  if payment.id is null or payment.status = 'succeeded' then
    return null;
  end if;
  verdict := public.confirm_booking_payment(payment.booking_id, record_payment_succeeded.amount_cents, record_payment_succeeded.currency);
  if verdict = 'already_confirmed'
     and not exists (select from payments.payments p where p.booking_id = payment.booking_id and p.outcome = 'confirmed') then
    verdict := 'confirmed';  -- confirmed by hand before its payment was recorded: this is that payment
  end if;
  update payments.payments p
     set status = 'succeeded', outcome = verdict,
         amount_cents = record_payment_succeeded.amount_cents, currency = upper(record_payment_succeeded.currency),
         charge_id = coalesce(record_payment_succeeded.charge_id, p.charge_id), failure_code = null,
         succeeded_at = now(), updated_at = now(),
         flags = case when verdict = 'amount_mismatch' and not 'amount_mismatch' = any (p.flags)
                      then p.flags || 'amount_mismatch'::text else p.flags end
   where p.id = payment.id
  returning * into payment;

  -- A payment that did not confirm its booking is returned to the guest, in this same transaction.
  case verdict
    when 'hold_expired', 'cancelled' then perform payments.enqueue_full_refund(payment, 'late_payment');
    when 'amount_mismatch' then perform payments.enqueue_full_refund(payment, 'amount_mismatch');
    when 'already_confirmed' then perform payments.enqueue_full_refund(payment, 'duplicate_payment');
    else null;
  end case;
  return verdict;
end
$$;
comment on function payments.record_payment_succeeded(text, uuid, bigint, text, text) is
  'payment_intent.succeeded: confirms the booking (public.confirm_booking_payment checks amount and currency) or, when it cannot, refunds the payment in full through the outbox (late, wrong amount, duplicate). Null when nothing was done (a replay, or not a booking''s PaymentIntent).';

create function payments.record_payment_failed(
  payment_intent_id text, booking_id uuid, amount_cents bigint, currency text, failure_code text
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  payment payments.payments := payments.payment_for_update(payment_intent_id, booking_id, amount_cents, currency);
begin
  if payment.id is null or payment.status = 'succeeded' then
    return false;  -- not ours, or a failed attempt reported after the success: the success stands
  end if;
  update payments.payments p
     set status = 'failed', failure_code = left(record_payment_failed.failure_code, 100), failed_at = now(), updated_at = now()
   where p.id = payment.id;
  return true;
end
$$;
comment on function payments.record_payment_failed(text, uuid, bigint, text, text) is
  'payment_intent.payment_failed: notes the failure (the booking stays pending_payment until its hold expires; the guest may retry). A failure after a success changes nothing.';

create function payments.record_charge_refunded(
  payment_intent_id text, booking_id uuid, charge_id text, amount_cents bigint, currency text, amount_refunded bigint
) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  payment payments.payments := payments.payment_for_update(payment_intent_id, booking_id, amount_cents, currency);
begin
  if payment.id is null or record_charge_refunded.amount_refunded <= payment.refunded_cents then
    return false;  -- not ours, or an older refund event than what is recorded
  end if;
  update payments.payments p
     set refunded_cents = least(record_charge_refunded.amount_refunded, p.amount_cents),
         charge_id = coalesce(p.charge_id, record_charge_refunded.charge_id), refunded_at = now(), updated_at = now()
   where p.id = payment.id;
  return true;
end
$$;
comment on function payments.record_charge_refunded(text, uuid, text, bigint, text, bigint) is
  'charge.refunded: records the charge''s refunded total (it only grows, so older events arriving later change nothing).';

create function payments.record_dispute(payment_intent_id text, charge_id text, dispute_id text) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  payment payments.payments;
begin
  select p.* into payment from payments.payments p
   where p.payment_intent_id = record_dispute.payment_intent_id
      or (record_dispute.charge_id is not null and p.charge_id = record_dispute.charge_id)
   limit 1 for update;
  if payment.id is null or payment.dispute_id is not distinct from record_dispute.dispute_id then
    return false;
  end if;
  update payments.payments p
     set disputed = true, dispute_id = record_dispute.dispute_id, disputed_at = now(), updated_at = now(),
         flags = case when 'disputed' = any (p.flags) then p.flags else p.flags || 'disputed'::text end
   where p.id = payment.id;
  return true;
end
$$;
comment on function payments.record_dispute(text, text, text) is 'charge.dispute.created: flags the payment as disputed for operators (once).';

-- Functions: the outbox worker -----------------------------------------------------------------------------------

-- Claims the next due row: leased for lease_seconds, its attempt counted. Rows other workers hold are skipped
-- (for update skip locked), a reversal waits for its payout, and a killed worker's row comes back after its lease.
create function payments.claim_outbox(lease_seconds integer default 120) returns payments.outbox_task
language plpgsql
security definer
set search_path = ''
as $$
declare
  task payments.outbox_task;
begin
  with next as (
    select o.id from payments.outbox o
     where o.status = 'pending' and o.next_attempt_at <= now()
       and (o.locked_until is null or o.locked_until <= now())
       and (o.depends_on is null
            or exists (select from payments.outbox d where d.id = o.depends_on and d.status = 'done'))
     order by o.next_attempt_at, o.created_at
     limit 1
     for update skip locked
  ), claimed as (
    update payments.outbox o
       set attempts = o.attempts + 1, locked_until = now() + make_interval(secs => greatest(lease_seconds, 1)),
           updated_at = now()
      from next where o.id = next.id
    returning o.*
  )
  select c.id, c.kind, c.booking_id, c.amount_cents, c.currency, c.payment_intent_id, c.destination,
         c.source_transaction, d.stripe_object_id, c.attempts, c.customer_id
    into task
    from claimed c left join payments.outbox d on d.id = c.depends_on;
  return task;
end
$$;
comment on function payments.claim_outbox(integer) is 'Worker: claims the next due outbox row (lease + attempt counter, for update skip locked); null when nothing is due.';

create function payments.complete_outbox(outbox_id uuid, stripe_object_id text) returns boolean
language sql
security definer
set search_path = ''
as $$
  with done as (
    update payments.outbox o
       set status = 'done', stripe_object_id = complete_outbox.stripe_object_id, locked_until = null, last_error = null,
           finished_at = now(), updated_at = now()
     where o.id = outbox_id and o.status = 'pending'
    returning 1
  )
  select exists (select from done)
$$;
comment on function payments.complete_outbox(uuid, text) is 'Worker: marks a row done with the Stripe object it made (false when it was already done).';

-- Backoff: 15 s, 30 s, 1 min, ... capped at 1 h; after 12 attempts, or a refusal retrying cannot fix, the row is
-- dead and a refund's payment is flagged for a human.
create function payments.fail_outbox(outbox_id uuid, error text, permanent boolean default false)
returns payments.outbox_status
language plpgsql
security definer
set search_path = ''
as $$
declare
  failed payments.outbox;
begin
  update payments.outbox o
     set status = case when permanent or o.attempts >= 12 then 'dead' else 'pending' end::payments.outbox_status,
         last_error = left(error, 2000), locked_until = null, updated_at = now(),
         finished_at = case when permanent or o.attempts >= 12 then now() end,
         next_attempt_at = now() + least(interval '1 hour', interval '15 seconds' * power(2, greatest(o.attempts - 1, 0)))
   where o.id = outbox_id and o.status = 'pending'
  returning o.* into failed;
  if failed.status = 'dead' and failed.kind = 'refund' then
    update payments.payments p set flags = p.flags || 'refund_failed'::text, updated_at = now()
     where p.id = failed.payment_id and not 'refund_failed' = any (p.flags);
  end if;
  return failed.status;
end
$$;
comment on function payments.fail_outbox(uuid, text, boolean) is 'Worker: records a failed Stripe call; the row is retried with backoff, or dead (permanent refusal or 12 attempts).';

-- Functions: triggers and jobs -----------------------------------------------------------------------------------

-- A paid booking is cancelled: the refund the policy promised, and the payout undone, in the cancelling transaction.
create function private.enqueue_cancellation_money() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  paid payments.payments;
  payout payments.outbox;
begin
  select p.* into paid from payments.payments p
   where p.booking_id = new.id and p.status = 'succeeded' and p.outcome = 'confirmed'
   order by p.succeeded_at limit 1;
  if paid.id is null then
    return null;  -- nothing was paid (or the payment is being refunded already): nothing to give back
  end if;
  if new.refund_cents > 0 then
    insert into payments.outbox (kind, reason, dedupe_key, booking_id, payment_id, amount_cents, currency, payment_intent_id)
    values ('refund', 'cancellation', 'refund:cancellation:' || new.id, new.id, paid.id,
            least(new.refund_cents, paid.amount_cents), paid.currency, paid.payment_intent_id)
    on conflict on constraint outbox_effect_once do nothing;
  end if;

  -- Waits for a worker that is claiming the payout right now, then sees whether any Stripe call was ever made.
  select o.* into payout from payments.outbox o where o.dedupe_key = 'payout:' || new.id for update;
  if payout.id is null then
    return null;  -- before the payout: the refund is all
  elsif payout.status = 'pending' and payout.attempts = 0 then
    update payments.outbox o set status = 'cancelled', finished_at = now(), updated_at = now() where o.id = payout.id;
  elsif payout.status in ('pending', 'done') and new.refund_cents > 0 then
    insert into payments.outbox (kind, reason, dedupe_key, booking_id, payment_id, depends_on, amount_cents, currency)
    values ('payout_reversal', 'cancellation', 'payout_reversal:' || new.id, new.id, paid.id, payout.id,
            least(new.refund_cents, payout.amount_cents), payout.currency)
    on conflict on constraint outbox_effect_once do nothing;
  end if;
  return null;
end
$$;
comment on function private.enqueue_cancellation_money() is
  'Trigger: a cancelled paid booking gets its refund (refund_cents) in the outbox; an unsent payout is cancelled, a sent one reversed (up to the refund).';

create function private.enqueue_due_payouts() returns integer
language sql
security definer
set search_path = ''
as $$
  with due as (
    insert into payments.outbox (kind, reason, dedupe_key, booking_id, payment_id, amount_cents, currency, destination, source_transaction)
    select 'payout', 'payout', 'payout:' || b.id, b.id, p.id, b.host_payout_cents, b.currency, a.stripe_account_id, p.charge_id
      from public.bookings b
      join payments.connected_accounts a on a.user_id = b.host_id and a.payouts_enabled
      join lateral (
        select p.id, p.charge_id from payments.payments p
         where p.booking_id = b.id and p.status = 'succeeded' and p.outcome = 'confirmed'
         order by p.succeeded_at limit 1
      ) p on true
     where b.status in ('confirmed', 'completed')
       and b.check_in_at + interval '24 hours' <= pg_catalog.now()
       and b.host_payout_cents > 0
       and not exists (select from payments.outbox o where o.dedupe_key = 'payout:' || b.id)
    on conflict on constraint outbox_effect_once do nothing
    returning 1
  )
  select count(*)::integer from due
$$;
comment on function private.enqueue_due_payouts() is
  'Job: writes the payout (host_payout_cents to the host''s connected account) of every paid stay whose check-in was 24 h ago, once payouts are enabled; one per booking. Returns the count.';

-- A member's Stripe Customer link goes only with the member (erasure: the cascade from auth.users); the Customer
-- itself is then deleted at Stripe through the outbox, once per Customer (dedupe_key), in the same transaction.
create function private.enqueue_customer_deletion() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into payments.outbox (kind, reason, dedupe_key, customer_id)
  values ('customer_deletion', 'erasure', 'customer_deletion:' || old.stripe_customer_id, old.stripe_customer_id)
  on conflict on constraint outbox_effect_once do nothing;
  return old;
end
$$;
comment on function private.enqueue_customer_deletion() is
  'Trigger: a member''s Stripe Customer link is deleted (erasure): the Customer''s deletion at Stripe goes to the outbox, once.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger stripe_customers_enqueue_deletion after delete on payments.stripe_customers
  for each row execute function private.enqueue_customer_deletion();

create trigger bookings_enqueue_cancellation_money after update of status on public.bookings
  for each row when (new.status = 'cancelled' and old.status is distinct from 'cancelled')
  execute function private.enqueue_cancellation_money();

-- Views ----------------------------------------------------------------------------------------------------------

-- What a client reads of a payment: security invoker, so payments.payments' policies decide the rows.
create view public.booking_payments with (security_invoker = on) as
  select p.booking_id, p.status::text as status, p.amount_cents, p.currency, p.refunded_cents, p.disputed,
         p.succeeded_at, p.created_at, p.updated_at
    from payments.payments p;
comment on view public.booking_payments is 'The payments of your bookings (as guest or host): status, amount, refunded amount, dispute. Read-only.';

-- Grants ---------------------------------------------------------------------------------------------------------

-- The service role (edge functions, operators) reads; it writes only through the functions above. Client roles get
-- nothing but the columns public.booking_payments shows, under the policies below.
grant usage on schema payments to authenticated;
revoke all on payments.stripe_customers, payments.connected_accounts, payments.stripe_events, payments.payments,
  payments.outbox from public, anon, authenticated, service_role;
grant select on payments.stripe_customers, payments.connected_accounts, payments.stripe_events, payments.payments,
  payments.outbox to service_role;
grant select (booking_id, status, amount_cents, currency, refunded_cents, disputed, succeeded_at, created_at, updated_at)
  on payments.payments to authenticated;

revoke all on public.booking_payments from public, anon, authenticated, service_role;
grant select on public.booking_payments to authenticated, service_role;

revoke all on all functions in schema payments from public, anon, authenticated;
grant execute on all functions in schema payments to service_role;
revoke all on function private.enqueue_cancellation_money(), private.enqueue_due_payouts(),
  private.enqueue_customer_deletion() from public, anon, authenticated;
grant execute on function private.enqueue_due_payouts() to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table payments.stripe_customers enable row level security;
alter table payments.connected_accounts enable row level security;
alter table payments.stripe_events enable row level security;

create policy "the service role reads Stripe customers" on payments.stripe_customers
  for select to service_role
  using (true);

create policy "the service role reads connected accounts" on payments.connected_accounts
  for select to service_role
  using (true);

create policy "the service role reads the Stripe event ledger" on payments.stripe_events
  for select to service_role
  using (true);

alter table payments.payments enable row level security;
alter table payments.outbox enable row level security;

create policy "guests and hosts read the payments of their bookings" on payments.payments
  for select to authenticated
  using (guest_id = (select auth.uid()) or host_id = (select auth.uid()));

create policy "the service role reads payments" on payments.payments
  for select to service_role
  using (true);

create policy "the service role reads the outbox" on payments.outbox
  for select to service_role
  using (true);
