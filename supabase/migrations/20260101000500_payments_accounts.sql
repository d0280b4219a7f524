-- Payments, part one: who is who at Stripe, and the ledger of Stripe's webhook events.
--
-- Rules enforced here:
--   * the schema `payments` is not exposed through the Data API, and no client role (anon, authenticated) may use
--     it: the edge functions reach it as service_role, which reads the tables and writes only through the
--     functions below;
--   * one Stripe Customer per member and one Connect account per host, each Stripe id belonging to one member;
--   * every Stripe event id is recorded exactly once: a replay is recognised and has no new effect; an event whose
--     handling failed is handled again when Stripe retries it;
--   * account.updated is applied only when it is newer than what is recorded (Stripe does not keep order);
--   * no card data and no event payloads are stored: ids, types, times and outcomes only.
-- Row-level security is on for every table, with no policy for any client role.

create schema if not exists payments;
comment on schema payments is 'Stripe customers, connected accounts and the webhook event ledger; not exposed through the Data API.';
revoke all on schema payments from public;
grant usage on schema payments to service_role;

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

-- Functions ------------------------------------------------------------------------------------------------------
-- Security definer: the service role has no privilege on the tables, only on these functions.

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

-- Grants ---------------------------------------------------------------------------------------------------------

-- The service role (edge functions, operators) reads; it writes only through the functions above. Client roles
-- get nothing: not the schema, not a table, not a function.
revoke all on all tables in schema payments from public, anon, authenticated, service_role;
grant select on all tables in schema payments to service_role;
revoke all on all functions in schema payments from public, anon, authenticated;
grant execute on all functions in schema payments to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------
-- On everywhere; the only policies are the service role's reads, so a future grant to a client role would still
-- show nothing until a policy says what that role may see.

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
