-- Bookings: quotes, requests, holds, confirmations, cancellations with policy refunds, and the jobs that move time on.
--
-- Rules enforced here:
--   * clients never write bookings: they call request_booking, respond_to_booking and cancel_booking; the payment
--     webhook (service_role) calls confirm_booking_payment; every status change is checked against the state machine
--     (docs/bookings.md) by a trigger, whoever makes it;
--   * private.stay_refusal is the one answer to "can this stay be booked?": quote_stay reports it, request_booking
--     refuses with it; an unavailable stay is refused with PT409 / hint dates_unavailable, whether the check or the
--     exclusion constraint (calendar.sql) saw it;
--   * an active booking (awaiting_host, pending_payment, confirmed, completed) claims its nights in
--     private.calendar_claims (calendar.sql). A hold past its expires_at no longer counts (the availability checks
--     ignore it, and request_booking expires the stale holds in the way of its claim), so correctness never waits for
--     the scheduler;
--   * the price and the cancellation policy are frozen from the quote at booking time; refunds follow the policy,
--     measured to the check-in time on the check-in day in the property's time zone;
--   * a guest has at most private.booking_settings.max_open_requests (3 by default) open requests at once
--     (awaiting the host, or unpaid, and not past their deadline); the next is refused with PT409 /
--     too_many_open_requests, counted under a lock on the guest's profile so that concurrent requests cannot pass it
--     together;
--   * check-in is at most the listing's booking_window_days after today where the listing is (22023 /
--     beyond_booking_window); dates are calendar days up to 9999-12-31, never infinity (22023 / invalid_dates);
--   * a confirmed stay whose check-out time has passed is completed for every purpose, whether or not the
--     completion job ran: it cannot be cancelled;
--   * "is this the caller's?" is never true of a null: a booking whose guest or host was erased belongs to nobody
--     but the party that remains;
--   * the guest and the host of a booking read it; nobody else does (admins aside). The read policy is shaped so
--     that the planner can answer "my bookings" from the guest and host indexes (a BitmapOr) whether or not the
--     client writes the filter;
--   * a listing that ever had a booking cannot be deleted: archive it.

-- Types ----------------------------------------------------------------------------------------------------------

create type public.booking_status as enum (
  'awaiting_host', 'pending_payment', 'confirmed', 'declined', 'expired', 'cancelled', 'completed'
);
create type public.payment_outcome as enum ('confirmed', 'already_confirmed', 'amount_mismatch', 'hold_expired', 'cancelled', 'not_found');

-- Tables ---------------------------------------------------------------------------------------------------------

-- The booking settings an operator may change (one row, written by the data migration; change it with an update).
create table private.booking_settings (
  only_row boolean primary key default true constraint one_row check (only_row),
  max_open_requests integer not null default 3
    constraint max_open_requests_range check (max_open_requests between 1 and 1000)
);
comment on table private.booking_settings is
  'Booking settings, one row: max_open_requests is how many requests a guest may have awaiting the host or payment at once (default 3).';

create table public.bookings (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete restrict,
  guest_id uuid references public.profiles (id) on delete set null,
  host_id uuid references public.profiles (id) on delete set null,
  check_in date not null,
  check_out date not null,
  guests integer not null constraint booking_guests_range check (guests between 1 and 50),
  status public.booking_status not null,
  message text constraint message_length check (private.text_within('message', message, 0, 2000)),
  currency text not null references public.currencies (code),
  nightly jsonb not null,
  accommodation_cents bigint not null,
  discount_cents bigint not null,
  cleaning_fee_cents bigint not null,
  service_fee_cents bigint not null,
  total_cents bigint not null,
  host_fee_cents bigint not null,
  host_payout_cents bigint not null,
  cancellation_policy public.cancellation_policy not null,
  time_zone text not null,
  check_in_at timestamptz not null,
  check_out_at timestamptz not null,
  expires_at timestamptz,
  confirmed_at timestamptz,
  cancelled_at timestamptz,
  cancelled_by uuid references public.profiles (id) on delete set null,
  cancel_reason text constraint cancel_reason_length check (private.text_within('cancel_reason', cancel_reason, 0, 1000)),
  refund_cents bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint stay_dates_in_order check (check_in < check_out),
  constraint guest_is_not_host check (guest_id <> host_id),
  constraint price_adds_up check (
    total_cents = accommodation_cents - discount_cents + cleaning_fee_cents + service_fee_cents
    and host_payout_cents = accommodation_cents - discount_cents + cleaning_fee_cents - host_fee_cents),
  constraint hold_has_deadline check ((status in ('awaiting_host', 'pending_payment')) = (expires_at is not null)),
  constraint refund_within_total check (refund_cents between 0 and total_cents),
  constraint cancellation_recorded check ((status = 'cancelled') = (cancelled_at is not null and refund_cents is not null))
);
-- The directive lets pg_graphql answer totalCount ("my bookings": the guest's or host's rows, through an index).
comment on table public.bookings is
  'A stay: a request, a hold, a confirmed or past stay. Price and policy frozen at booking time. Written only by the booking functions. @graphql({"totalCount": {"enabled": true}})';
comment on column public.bookings.guest_id is 'The guest; null once they were erased (the booking is kept, detached).';
comment on column public.bookings.check_out is 'Half-open: the check-out day is free for the next check-in.';
comment on column public.bookings.expires_at is 'Deadline of the current hold: the host''s answer (awaiting_host) or the payment (pending_payment).';
comment on column public.bookings.nightly is 'Frozen price of each night: [{night, price_cents}].';
comment on column public.bookings.check_in_at is 'Check-in instant: check_in at the listing''s check-in time in its time zone. Refund deadlines are measured to it.';

-- Indexes --------------------------------------------------------------------------------------------------------

create index bookings_property_id_idx on public.bookings (property_id);
create index bookings_guest_id_idx on public.bookings (guest_id, check_in desc);
create index bookings_host_id_idx on public.bookings (host_id, check_in desc);
create index bookings_cancelled_by_idx on public.bookings (cancelled_by) where cancelled_by is not null;
create index bookings_live_holds_idx on public.bookings (expires_at) where status in ('awaiting_host', 'pending_payment');
-- A guest's open requests, counted by request_booking.
create index bookings_open_requests_idx on public.bookings (guest_id, expires_at)
  where status in ('awaiting_host', 'pending_payment');
create index bookings_confirmed_check_out_idx on public.bookings (check_out_at) where status = 'confirmed';

-- Counts refused double bookings for the metrics: a sequence, because nextval survives the rollback of the
-- refused request (a counter row would roll back with it).
create sequence private.refused_double_bookings;
comment on sequence private.refused_double_bookings is 'Requests refused as dates_unavailable (monotonic; read by the metrics).';

-- Functions ------------------------------------------------------------------------------------------------------

-- The state machine. Terminal: declined, expired, cancelled, completed.
create function private.booking_transition_allowed(from_status public.booking_status, to_status public.booking_status)
returns boolean
language sql immutable
set search_path = ''
as $$
  select (from_status, to_status) in (
    ('awaiting_host'::public.booking_status, 'pending_payment'::public.booking_status),
    ('awaiting_host', 'declined'), ('awaiting_host', 'expired'), ('awaiting_host', 'cancelled'),
    ('pending_payment', 'confirmed'), ('pending_payment', 'expired'), ('pending_payment', 'cancelled'),
    ('confirmed', 'cancelled'), ('confirmed', 'completed')
  )
$$;
comment on function private.booking_transition_allowed(public.booking_status, public.booking_status) is 'The booking state machine (docs/bookings.md).';

create function private.guard_booking_transition() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status and not private.booking_transition_allowed(old.status, new.status) then
    raise exception 'a % booking cannot become %', old.status, new.status
      using errcode = 'PT409', hint = 'invalid_transition';
  end if;
  -- Past its check-out time a confirmed stay is completed, whether or not private.complete_finished_stays ran.
  if old.status = 'confirmed' and new.status = 'cancelled' and old.check_out_at <= now() then
    raise exception 'a completed booking cannot become cancelled' using errcode = 'PT409', hint = 'invalid_transition';
  end if;
  new.updated_at := now();
  return new;
end
$$;
comment on function private.guard_booking_transition() is 'Trigger: refuses every status change the state machine does not allow.';

-- Expires every request and payment hold whose deadline has passed. Run by the scheduler; returns how many.
create function private.expire_stale_holds() returns integer
language sql
security definer
set search_path = ''
as $$
  with expired as (
    update public.bookings b
       set status = 'expired', expires_at = null
     where b.status in ('awaiting_host', 'pending_payment')
       and b.expires_at <= pg_catalog.now()
    returning 1
  )
  select count(*)::integer from expired
$$;
comment on function private.expire_stale_holds() is 'Job: expires requests and payment holds past their deadline. Returns the count.';

-- Expires the stale holds claiming any night of [check_in, check_out) at a property: what request_booking sweeps
-- when the exclusion constraint refuses its claim, found through the claims' GiST index, whatever the scheduler did. PL/pgSQL so that
-- the statement is planned once per session rather than on every request (see nights_are_free).
create function private.expire_stale_holds_on(property_id uuid, check_in date, check_out date) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  expired integer;
begin
  update public.bookings b
     set status = 'expired', expires_at = null
   where b.id in (select c.booking_id from private.calendar_claims c
                   where c.property_id = expire_stale_holds_on.property_id
                     and c.nights && daterange(expire_stale_holds_on.check_in, expire_stale_holds_on.check_out)
                     and c.expires_at <= pg_catalog.now())
     and b.status in ('awaiting_host', 'pending_payment')
     and b.expires_at <= pg_catalog.now();
  get diagnostics expired = row_count;
  return expired;
end
$$;
comment on function private.expire_stale_holds_on(uuid, date, date) is 'Expires the stale holds claiming nights of [check_in, check_out) at one property. Returns the count.';

create function private.complete_finished_stays() returns integer
language sql
security definer
set search_path = ''
as $$
  with completed as (
    update public.bookings b set status = 'completed'
     where b.status = 'confirmed' and b.check_out_at <= pg_catalog.now()
    returning 1
  )
  select count(*)::integer from completed
$$;
comment on function private.complete_finished_stays() is 'Job: marks confirmed stays completed once their check-out time (property time zone) has passed. Returns the count.';

-- The refund a cancellation earns at a given instant (docs/bookings.md has the table). Pure: tests call it at
-- every edge with explicit instants.
create function private.refund_due(booking public.bookings, cancelled_at timestamptz, by_host boolean)
returns bigint
language plpgsql stable
set search_path = ''
as $$
declare
  nights_not_begun integer;
  refundable_nights integer;
  share_pct integer;
  nights_price bigint;
  accommodation_after_discount bigint := booking.accommodation_cents - booking.discount_cents;
  before_check_in boolean := cancelled_at < booking.check_in_at;
  full_refund boolean;
begin
  if booking.status in ('awaiting_host', 'pending_payment') then
    return 0;  -- nothing was paid
  end if;
  if by_host then
    return booking.total_cents;
  end if;

  -- Nights whose check-in time (local) is still in the future.
  select count(*) into nights_not_begun
    from generate_series(booking.check_in, booking.check_out - 1, interval '1 day') night
   where (night::date + (booking.check_in_at at time zone booking.time_zone)::time) at time zone booking.time_zone > cancelled_at;

  full_refund := case booking.cancellation_policy
    when 'flexible' then cancelled_at <= booking.check_in_at - interval '24 hours'
    when 'moderate' then cancelled_at <= booking.check_in_at - interval '5 days'
    when 'strict' then cancelled_at <= booking.created_at + interval '48 hours'
                       and booking.check_in_at - cancelled_at >= interval '14 days'
  end;
  if full_refund then
    return booking.total_cents;
  end if;

  case booking.cancellation_policy
    when 'flexible' then
      refundable_nights := greatest(nights_not_begun - 1, 0);  -- every night not begun except the next one
      share_pct := 100;
    when 'moderate' then
      refundable_nights := nights_not_begun;
      share_pct := 50;
    when 'strict' then
      refundable_nights := nights_not_begun;
      share_pct := case when cancelled_at <= booking.check_in_at - interval '7 days' then 50 else 0 end;
  end case;

  -- The refundable nights are the last ones of the stay, at their frozen prices, discounted like the stay was.
  select coalesce(sum((n ->> 'price_cents')::bigint), 0) into nights_price
    from (select n from jsonb_array_elements(booking.nightly) n
          order by (n ->> 'night')::date desc limit refundable_nights) last_nights;
  -- Exact integer arithmetic in numeric: the product reaches ~10^24 at the largest price and the longest stay.
  return div(nights_price::numeric * accommodation_after_discount * share_pct + booking.accommodation_cents::numeric * 50,
             booking.accommodation_cents::numeric * 100)::bigint
         + case when before_check_in then booking.cleaning_fee_cents else 0 end;
end
$$;
comment on function private.refund_due(public.bookings, timestamptz, boolean) is 'The refund a cancellation at cancelled_at earns under the booking''s frozen policy (docs/bookings.md).';

-- A date a stay, a calendar or a search may use: a calendar day up to 9999-12-31 (not infinity, not past year 9999,
-- where dates stop being printable as YYYY-MM-DD and timestamps of them overflow).
create function private.is_calendar_date(day date) returns boolean
language sql immutable parallel safe
set search_path = ''
as $$
  select day is null or (pg_catalog.isfinite(day) and day <= date '9999-12-31')
$$;
comment on function private.is_calendar_date(date) is 'True for null and for finite dates up to 9999-12-31; false for infinity, -infinity and years past 9999.';

-- Why a stay cannot be booked, or null when it can: the reason codes quote_stay reports and request_booking raises.
-- PL/pgSQL so that its expressions are planned once per session, not on every request.
create function private.stay_refusal(property public.properties, check_in date, check_out date, guests integer) returns text
language plpgsql stable
set search_path = ''
as $$
declare
  today date := private.local_today(property.time_zone);
begin
  return case
    when property.id is null or property.status <> 'published' or property.host_id is null then 'not_found'
    when check_in is null or check_out is null or check_out <= check_in
         or not private.is_calendar_date(check_in) or not private.is_calendar_date(check_out) then 'invalid_dates'
    when check_in < today then 'past_dates'
    when check_in > today + property.booking_window_days then 'beyond_booking_window'
    when guests is null or guests < 1 then 'invalid_guests'
    when guests > property.max_guests then 'too_many_guests'
    when check_out - check_in < property.min_nights then 'below_min_nights'
    when check_out - check_in > property.max_nights then 'above_max_nights'
    when not private.nights_are_free(property.id, check_in, check_out) then 'unavailable'
  end;
end
$$;
comment on function private.stay_refusal(public.properties, date, date, integer) is 'The reason code a stay cannot be booked, or null.';

-- Security definer: availability reads private.calendar_claims, which clients may not read (only published listings
-- are quoted, and those everyone reads).
create function public.quote_stay(property_id uuid, check_in date, check_out date, guests integer default 1)
returns public.stay_quote
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  property public.properties;
  quote public.stay_quote;
  reason text;
begin
  if not private.is_calendar_date(check_in) or not private.is_calendar_date(check_out) then
    raise exception 'dates are calendar days up to 9999-12-31' using errcode = '22023', hint = 'invalid_dates';
  end if;
  -- Only published listings are quoted (whoever asks: a host quotes their draft after publishing it).
  select p.* into property from public.properties p where p.id = quote_stay.property_id and p.status = 'published';
  reason := private.stay_refusal(property, check_in, check_out, guests);
  if reason in ('not_found', 'invalid_dates') or check_out - check_in > 1125 then
    quote.bookable := false;
    quote.reason := coalesce(reason, 'above_max_nights');
    quote.currency := property.currency;
    return quote;
  end if;
  quote := private.price_stay(property, check_in, check_out);
  quote.bookable := reason is null;
  quote.reason := reason;
  return quote;
end
$$;
comment on function public.quote_stay(uuid, date, date, integer) is
  'Whether a stay can be booked and its exact price. An impossible stay is an answer (bookable false, reason), not an error; a date that is not a calendar day (infinity, past 9999) is (22023 invalid_dates).';

-- The work of a request, in the order that refuses cheaply first: the listing (one read), the rules
-- (private.stay_refusal: arithmetic, then one probe of the claims), the guest's open requests (a lock on the guest's
-- profile, then one count through bookings_open_requests_idx), the price (private.price_stays, one statement), and
-- the insert, whose triggers claim the nights (calendar.sql), open the conversation (messaging.sql) and notify the
-- host (notifications.sql). Stale holds are swept only when one is in the way: the availability check already
-- ignores them, so only the exclusion constraint can meet one; then they are expired and the insert tried once more.
create function public.request_booking(
  property_id uuid, check_in date, check_out date, guests integer, message text default null
) returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := auth.uid();
  property public.properties;
  refusal text;
  open_requests integer;
  allowed integer;
  quote public.stay_quote;
  booking public.bookings;
begin
  if caller is null then
    raise exception 'sign in to book a stay' using errcode = '42501', hint = 'not_signed_in';
  end if;
  select p.* into property from public.properties p where p.id = request_booking.property_id;
  -- A listing whose host was erased (null) is archived by the erasure; null never books either way.
  if property.id is null or property.status <> 'published' or property.host_id is null then
    raise exception 'no published listing %', property_id using errcode = 'PT404', hint = 'listing_not_found';
  end if;
  if property.host_id = caller then
    raise exception 'you cannot book your own listing' using errcode = '42501', hint = 'own_listing';
  end if;

  refusal := private.stay_refusal(property, check_in, check_out, guests);
  if refusal is not null and refusal <> 'unavailable' then
    raise exception '%', case refusal
        when 'invalid_dates' then case
          when private.is_calendar_date(check_in) and private.is_calendar_date(check_out) then 'check-out must be after check-in'
          else 'dates are calendar days up to 9999-12-31' end
        when 'past_dates' then 'check-in is in the past where the listing is'
        when 'beyond_booking_window' then
          format('this listing takes bookings at most %s days ahead', property.booking_window_days)
        when 'invalid_guests' then 'a stay is for at least one guest'
        when 'too_many_guests' then format('this listing hosts at most %s guests', property.max_guests)
        when 'below_min_nights' then format('this listing needs at least %s nights', property.min_nights)
        when 'above_max_nights' then format('this listing takes at most %s nights', property.max_nights)
        else refusal
      end
      using errcode = '22023', hint = refusal;
  end if;

  -- At most max_open_requests requests awaiting the host or payment. The lock on the guest's profile makes a guest's
  -- concurrent requests count one after the other (each statement sees what the one before committed); the count and
  -- the setting are one statement after it.
  perform 1 from public.profiles m where m.id = caller for no key update;
  select (select count(*) from public.bookings b
           where b.guest_id = caller and b.status in ('awaiting_host', 'pending_payment') and b.expires_at > now()),
         coalesce((select s.max_open_requests from private.booking_settings s), 3)
    into open_requests, allowed;
  if open_requests >= allowed then
    raise exception 'you have % requests awaiting an answer or a payment: wait for them, pay, or cancel one', open_requests
      using errcode = 'PT409', hint = 'too_many_open_requests';
  end if;

  if refusal = 'unavailable' then
    perform nextval('private.refused_double_bookings');
    raise exception 'those dates are not available' using errcode = 'PT409', hint = 'dates_unavailable';
  end if;

  select (s.quote).* into quote from private.price_stays(array[property.id], check_in, check_out) s;
  for attempt in 1 .. 2 loop
    begin
      insert into public.bookings (
        property_id, guest_id, host_id, check_in, check_out, guests, status, message, currency, nightly,
        accommodation_cents, discount_cents, cleaning_fee_cents, service_fee_cents, total_cents, host_fee_cents,
        host_payout_cents, cancellation_policy, time_zone, check_in_at, check_out_at, expires_at)
      values (
        property.id, caller, property.host_id, check_in, check_out, guests,
        case when property.instant_book then 'pending_payment' else 'awaiting_host' end::public.booking_status,
        nullif(private.trimmed(message), ''), quote.currency, quote.nightly, quote.accommodation_cents, quote.discount_cents,
        quote.cleaning_fee_cents, quote.service_fee_cents, quote.total_cents, quote.host_fee_cents,
        quote.host_payout_cents, property.cancellation_policy, property.time_zone,
        (check_in + property.check_in_time) at time zone property.time_zone,
        (check_out + property.check_out_time) at time zone property.time_zone,
        now() + case when property.instant_book then interval '30 minutes' else interval '24 hours' end)
      returning * into booking;
      return booking;
    exception when exclusion_violation or deadlock_detected then
      -- A claim is in the way. A hold past its deadline that nobody expired yet (the check ignored it): expire the
      -- stale holds on these nights and try once more. Otherwise a concurrent request claimed the nights between our
      -- check and our insert: same answer as the check. Two racing claims can each wait for the other in the
      -- exclusion check; Postgres then aborts one of them with a deadlock, and that one lost the race just the same.
      if attempt = 2 or private.expire_stale_holds_on(property.id, check_in, check_out) = 0 then
        perform nextval('private.refused_double_bookings');
        raise exception 'those dates are not available' using errcode = 'PT409', hint = 'dates_unavailable';
      end if;
    end;
  end loop;
end
$$;
comment on function public.request_booking(uuid, date, date, integer, text) is
  'Books a stay: pending_payment (30 min hold) on instant-book listings, awaiting_host (24 h) otherwise. Errors: docs/bookings.md.';

-- The booking the caller may act on, locked; PT404 when it does not exist or is not theirs to see.
create function private.booking_for_update(booking_id uuid) returns public.bookings
language plpgsql
set search_path = ''
as $$
declare
  booking public.bookings;
  caller uuid := (select auth.uid());
begin
  select b.* into booking from public.bookings b where b.id = booking_id for update;
  -- An erased guest or host is null: it is nobody's, so it never matches the caller.
  if booking.id is null or caller is null
     or (not coalesce(caller in (booking.guest_id, booking.host_id), false) and not private.is_admin()) then
    raise exception 'no booking % that you can see', booking_id using errcode = 'PT404', hint = 'booking_not_found';
  end if;
  return booking;
end
$$;
comment on function private.booking_for_update(uuid) is 'Locks and returns a booking the caller (guest, host or admin) may see; PT404 otherwise.';

create function public.respond_to_booking(booking_id uuid, accept boolean) returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  booking public.bookings;
begin
  if accept is null then
    raise exception 'answer true (accept) or false (decline)' using errcode = '22023', hint = 'answer_required';
  end if;
  booking := private.booking_for_update(booking_id);
  if booking.host_id is null or booking.host_id <> (select auth.uid()) then
    raise exception 'only the host answers a booking request' using errcode = '42501', hint = 'not_booking_host';
  end if;
  if booking.status <> 'awaiting_host' or booking.expires_at <= now() then
    raise exception 'this booking is % and no longer awaits an answer',
        case when booking.status = 'awaiting_host' then 'expired' else booking.status::text end
      using errcode = 'PT409', hint = 'invalid_transition';
  end if;
  update public.bookings b
     set status = case when accept then 'pending_payment' else 'declined' end::public.booking_status,
         expires_at = case when accept then now() + interval '24 hours' end
   where b.id = booking.id
  returning * into booking;
  return booking;
end
$$;
comment on function public.respond_to_booking(uuid, boolean) is 'The host accepts (pending_payment, 24 h to pay) or declines (dates free again) a request.';

create function public.cancel_booking(booking_id uuid, reason text default null) returns public.bookings
language plpgsql
security definer
set search_path = ''
as $$
declare
  booking public.bookings := private.booking_for_update(booking_id);
  caller uuid := (select auth.uid());
begin
  if not coalesce(caller in (booking.guest_id, booking.host_id), false) then
    raise exception 'only the guest or the host cancels a booking' using errcode = '42501', hint = 'not_booking_party';
  end if;
  if booking.status = 'confirmed' and booking.check_out_at <= now() then
    raise exception 'a completed booking cannot be cancelled' using errcode = 'PT409', hint = 'invalid_transition';
  end if;
  if booking.status not in ('awaiting_host', 'pending_payment', 'confirmed')
     or (booking.status in ('awaiting_host', 'pending_payment') and booking.expires_at <= now()) then
    raise exception 'a % booking cannot be cancelled',
        case when booking.status in ('awaiting_host', 'pending_payment') then 'expired' else booking.status::text end
      using errcode = 'PT409', hint = 'invalid_transition';
  end if;
  update public.bookings b
     set status = 'cancelled', expires_at = null, cancelled_at = now(), cancelled_by = caller,
         cancel_reason = nullif(private.trimmed(reason), ''),
         refund_cents = private.refund_due(booking, now(), coalesce(caller = booking.host_id, false))
   where b.id = booking.id
  returning * into booking;
  return booking;
end
$$;
comment on function public.cancel_booking(uuid, text) is 'The guest or the host cancels; refund_cents follows the frozen policy (a host refunds everything; unpaid: nothing).';

create function public.confirm_booking_payment(booking_id uuid, amount_cents bigint, currency text)
returns public.payment_outcome
language plpgsql
security definer
set search_path = ''
as $$
declare
  booking public.bookings;
begin
  select b.* into booking from public.bookings b where b.id = booking_id for update;
  if booking.id is null then
    return 'not_found';
  elsif booking.status in ('confirmed', 'completed') then
    return 'already_confirmed';
  elsif booking.status = 'cancelled' then
    return 'cancelled';
  elsif booking.status <> 'pending_payment' or booking.expires_at <= now() then
    if booking.status = 'pending_payment' then
      update public.bookings b set status = 'expired', expires_at = null where b.id = booking.id;
    end if;
    return 'hold_expired';
  elsif booking.total_cents <> amount_cents or booking.currency <> upper(confirm_booking_payment.currency) then
    return 'amount_mismatch';
  end if;
  update public.bookings b set status = 'confirmed', expires_at = null, confirmed_at = now() where b.id = booking.id;
  return 'confirmed';
end
$$;
comment on function public.confirm_booking_payment(uuid, bigint, text) is
  'Service role only (the Stripe webhook): confirms a pending_payment booking when amount and currency match; otherwise says why not, so a late payment can be refunded.';

create function private.refuse_deleting_booked_listing() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select 1 from public.bookings b where b.property_id = old.id) then
    raise exception 'this listing has bookings and cannot be deleted: archive it instead'
      using errcode = 'PT409', hint = 'listing_has_bookings';
  end if;
  return old;
end
$$;
comment on function private.refuse_deleting_booked_listing() is 'Trigger: a listing that ever had a booking is archived, never deleted.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger bookings_guard_transition before update on public.bookings
  for each row execute function private.guard_booking_transition();
create trigger properties_refuse_delete_when_booked before delete on public.properties
  for each row execute function private.refuse_deleting_booked_listing();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.booking_transition_allowed(public.booking_status, public.booking_status),
  private.guard_booking_transition(), private.expire_stale_holds(), private.expire_stale_holds_on(uuid, date, date),
  private.complete_finished_stays(), private.refund_due(public.bookings, timestamptz, boolean),
  private.booking_for_update(uuid), private.refuse_deleting_booked_listing()
  from public, anon, authenticated;
grant execute on function private.expire_stale_holds(), private.complete_finished_stays() to service_role;
revoke all on function private.stay_refusal(public.properties, date, date, integer),
  private.is_calendar_date(date) from public, anon, authenticated;
grant execute on function private.stay_refusal(public.properties, date, date, integer),
  private.is_calendar_date(date) to service_role;

revoke all on function public.quote_stay(uuid, date, date, integer) from public;
grant execute on function public.quote_stay(uuid, date, date, integer) to anon, authenticated, service_role;
revoke all on function public.request_booking(uuid, date, date, integer, text),
  public.respond_to_booking(uuid, boolean), public.cancel_booking(uuid, text),
  public.confirm_booking_payment(uuid, bigint, text) from public, anon;
grant execute on function public.request_booking(uuid, date, date, integer, text),
  public.respond_to_booking(uuid, boolean), public.cancel_booking(uuid, text) to authenticated;
revoke execute on function public.confirm_booking_payment(uuid, bigint, text) from authenticated;
grant execute on function public.confirm_booking_payment(uuid, bigint, text) to service_role;

revoke all on table private.booking_settings from public, anon, authenticated;
grant select on table private.booking_settings to service_role;

-- Clients only read bookings (the policy says which); the functions above write them.
revoke all on table public.bookings from anon, authenticated, service_role;
grant select on table public.bookings to authenticated;
grant select, insert, update, delete on table public.bookings to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table private.booking_settings enable row level security;
alter table public.bookings enable row level security;

-- Each arm is an index range (bookings_guest_id_idx, bookings_host_id_idx, and the primary key for admins: see
-- private.admin_id_floor), so the planner answers "my bookings" with a BitmapOr of the caller's rows rather than by
-- reading every booking, with or without guest_id=eq.<me> in the request.
create policy "guests and hosts read their bookings, admins all" on public.bookings
  for select to authenticated
  using (guest_id = (select auth.uid()) or host_id = (select auth.uid()) or id >= private.admin_id_floor());
