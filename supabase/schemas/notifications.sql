-- Notifications: what happened to a member's bookings, payments, messages and reviews, in the app and by e-mail.
--
-- Rules enforced here:
--   * the database writes notifications, in the transaction of the event, by triggers: a booking requested (host),
--     accepted, declined (guest), expired, confirmed, cancelled (both sides, with the refund), a payment failed
--     (guest), a review window opened (both, when the stay completes), a review published (its subject), an
--     imported calendar's event over a booking here (the listing's host: a calendar conflict, told once when it is
--     recorded); and by the job private.notify_unread_messages() for a message left unread for some minutes (default 10);
--   * a member reads only their own notifications and marks them read (mark_notifications_read); nobody else
--     writes them;
--   * a notification carries only the two parties' own booking data (listing, local dates, amounts in the
--     booking's currency, the other party's public name), never a message body or contact details;
--   * e-mail follows the member's preferences (public.notification_preferences: which kinds by e-mail; every kind
--     when the member has no row): each e-mail is a private.email_outbox row written in the same transaction,
--     rendered from the kind's template, drained by the email-worker function like payments.outbox (claim with
--     for update skip locked, a lease, backoff; the row id is the provider's idempotency key), so a worker killed
--     mid-send and started again sends it once. A row without a way to send is marked not_sent, never dropped.

-- Types ----------------------------------------------------------------------------------------------------------

create type public.notification_kind as enum (
  'booking_requested', 'booking_accepted', 'booking_declined', 'booking_expired', 'booking_confirmed',
  'booking_cancelled', 'payment_failed', 'message_unread', 'review_window_opened', 'review_published',
  'calendar_conflict'
);
comment on type public.notification_kind is 'What a notification is about.';

create type private.email_status as enum ('pending', 'sent', 'not_sent', 'dead');
comment on type private.email_status is 'pending: to send (or being retried); sent: the provider took it; not_sent: no provider configured (kept, can be sent again); dead: gave up, for a human.';

-- One e-mail the worker claimed.
create type private.email_task as (
  id uuid,
  to_address text,
  subject text,
  text_body text,
  attempts integer
);

-- Tables ---------------------------------------------------------------------------------------------------------

create table public.notifications (
  id bigint generated always as identity primary key,
  recipient_id uuid not null references public.profiles (id) on delete cascade,
  kind public.notification_kind not null,
  booking_id uuid references public.bookings (id) on delete cascade,
  conversation_id uuid references public.conversations (id) on delete cascade,
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  read_at timestamptz
);
comment on table public.notifications is 'A member''s in-app notifications, newest first; written by the database, read and marked read by their recipient.';
comment on column public.notifications.data is 'What the app shows: listing_title, check_in, check_out (listing-local dates), amounts and currency, other_party_name.';

create table public.notification_preferences (
  member_id uuid primary key references public.profiles (id) on delete cascade,
  email_kinds public.notification_kind[] not null default enum_range(null::public.notification_kind),
  updated_at timestamptz not null default now()
);
comment on table public.notification_preferences is 'Which kinds of notification a member also gets by e-mail (every kind when they have no row).';

create table private.email_outbox (
  id uuid primary key default gen_random_uuid(),
  notification_id bigint references public.notifications (id) on delete set null,
  recipient_id uuid not null references public.profiles (id) on delete cascade,
  to_address text not null,
  subject text not null,
  text_body text not null,
  status private.email_status not null default 'pending',
  attempts integer not null default 0 constraint email_attempts_not_negative check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text constraint email_last_error_length check (char_length(last_error) <= 2000),
  provider_message_id text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
comment on table private.email_outbox is 'E-mails to send, written with their notification and drained by the email-worker function; the row id is the provider''s idempotency key.';
comment on column private.email_outbox.locked_until is 'Lease of the worker that claimed the row; after it a killed worker''s row is claimed again (same idempotency key: one e-mail).';

-- Indexes --------------------------------------------------------------------------------------------------------

create index notifications_recipient_id_idx on public.notifications (recipient_id, id desc);
create index notifications_booking_id_idx on public.notifications (booking_id) where booking_id is not null;
create index notifications_conversation_id_idx on public.notifications (conversation_id, recipient_id) where conversation_id is not null;
create index email_outbox_due_idx on private.email_outbox (next_attempt_at) where status = 'pending';
create index email_outbox_recipient_id_idx on private.email_outbox (recipient_id);
create index email_outbox_notification_id_idx on private.email_outbox (notification_id);

-- Functions ------------------------------------------------------------------------------------------------------

create function private.format_money(cents bigint, currency text) returns text
language sql stable
set search_path = ''
as $$
  select currency || ' ' || case coalesce(c.minor_units, 2)
      when 0 then cents::text
      else pg_catalog.to_char(cents / (10 ^ c.minor_units)::numeric, 'FM999999999990.' || pg_catalog.repeat('0', c.minor_units))
    end
    from (select (select cu.minor_units from public.currencies cu where cu.code = format_money.currency) as minor_units) c
$$;
comment on function private.format_money(bigint, text) is 'An amount in minor units as the currency writes it: NZD 240.00, JPY 12000.';

create function private.format_day(day date) returns text
language sql immutable
set search_path = ''
as $$ select pg_catalog.to_char(day, 'FMDy FMDD FMMon YYYY') $$;
comment on function private.format_day(date) is 'A listing-local date for people: Sat 1 May 2031.';

-- The subject and text of a notification's e-mail.
create function private.render_email(kind public.notification_kind, data jsonb, out subject text, out text_body text)
language plpgsql stable
set search_path = ''
as $$
declare
  title text := coalesce(data ->> 'listing_title', 'your stay');
  stay text := case when data ? 'check_in'
    then private.format_day((data ->> 'check_in')::date) || ' to ' || private.format_day((data ->> 'check_out')::date)
    else '' end;
  total text := case when data ? 'total_cents' then private.format_money((data ->> 'total_cents')::bigint, data ->> 'currency') end;
  refund text := case when data ? 'refund_cents' then private.format_money((data ->> 'refund_cents')::bigint, data ->> 'currency') end;
  other text := coalesce(data ->> 'other_party_name', 'a former member');
begin
  case kind
    when 'booking_requested' then
      subject := format('New booking request for %s', title);
      text_body := format('%s asks to stay at %s, %s (%s). Answer within 24 hours in the app.', other, title, stay, total);
    when 'booking_accepted' then
      subject := format('%s accepted your request', other);
      text_body := format('Your stay at %s, %s, is accepted: pay %s within 24 hours to confirm it.', title, stay, total);
    when 'booking_declined' then
      subject := format('Your request for %s was declined', title);
      text_body := format('%s declined your request for %s. Nothing was charged.', other, stay);
    when 'booking_expired' then
      subject := format('The booking for %s expired', title);
      text_body := format('The booking at %s, %s, expired before it was confirmed. Nothing was charged.', title, stay);
    when 'booking_confirmed' then
      subject := format('Booking confirmed: %s', title);
      text_body := format('Your stay at %s, %s, is confirmed (%s). Contact details can now be shared in your conversation.', title, stay, total);
    when 'booking_cancelled' then
      subject := format('Booking cancelled: %s', title);
      text_body := format('The stay at %s, %s, was cancelled. Refund to the guest: %s.', title, stay, coalesce(refund, 'none'));
    when 'payment_failed' then
      subject := format('Your payment for %s failed', title);
      text_body := format('The payment of %s for %s, %s, failed. Try again before the hold expires.', total, title, stay);
    when 'message_unread' then
      subject := format('New message from %s', other);
      text_body := format('%s wrote to you about %s. Read it in the app.', other, title);
    when 'review_window_opened' then
      subject := format('How was %s?', title);
      text_body := format('Your stay at %s, %s, is over: you have 14 days to write a review.', title, stay);
    when 'review_published' then
      subject := 'You have a new review';
      text_body := format('A review of your stay at %s, %s, is now published.', title, stay);
    when 'calendar_conflict' then
      subject := format('Calendar conflict at %s', title);
      text_body := format('Your calendar "%s" from another platform has an event over %s at %s, booked here by %s. '
                          'The booking here stands; settle the other platform''s reservation there.',
                          coalesce(data ->> 'calendar_name', 'imported'), stay, title, other);
  end case;
end
$$;
comment on function private.render_email(public.notification_kind, jsonb) is 'The template of each kind: subject and text, with listing-local dates and money in the booking''s currency.';

-- Records a notification and, when the recipient wants this kind by e-mail, its e-mail in the outbox.
create function private.notify(recipient uuid, kind public.notification_kind, booking_id uuid, conversation_id uuid, data jsonb)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  notification_id bigint;
  address text;
  email record;
begin
  if recipient is null then
    return;
  end if;
  insert into public.notifications (recipient_id, kind, booking_id, conversation_id, data)
  values (recipient, kind, booking_id, conversation_id, data)
  returning id into notification_id;
  if coalesce((select kind = any (p.email_kinds) from public.notification_preferences p where p.member_id = recipient), true) then
    select u.email into address from auth.users u where u.id = recipient;
    if address is not null then
      select r.subject, r.text_body into email from private.render_email(kind, data) r;
      insert into private.email_outbox (notification_id, recipient_id, to_address, subject, text_body)
      values (notification_id, recipient, address, email.subject, email.text_body);
    end if;
  end if;
end
$$;
comment on function private.notify(uuid, public.notification_kind, uuid, uuid, jsonb) is 'Writes a notification, and its e-mail to the outbox when the recipient''s preferences ask for it.';

-- What a booking notification says to one side: the listing, local dates, amounts, the other party's public name.
-- PL/pgSQL, not SQL: a SQL function with a SET clause is never inlined, so each call would start an executor (~0.17 ms
-- a call against ~0.03 ms), and it runs in every booking request.
create function private.booking_notice(booking public.bookings, recipient uuid) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  to_host boolean := recipient = booking.host_id;
  listing_title text;
  other_party_name text;
begin
  select p.title into listing_title from public.properties p where p.id = booking.property_id;
  select pr.display_name into other_party_name from public.profiles pr
   where pr.id = case when to_host then booking.guest_id else booking.host_id end;
  return pg_catalog.jsonb_build_object(
    'listing_title', listing_title,
    'check_in', booking.check_in, 'check_out', booking.check_out, 'guests', booking.guests,
    'currency', booking.currency,
    'total_cents', case when to_host then booking.host_payout_cents else booking.total_cents end,
    'other_party_name', other_party_name)
    || case when booking.status = 'cancelled'
         then pg_catalog.jsonb_build_object('refund_cents', booking.refund_cents) else '{}'::jsonb end;
end
$$;
comment on function private.booking_notice(public.bookings, uuid) is 'The data of a booking notification for one side (the host sees their payout, the guest the total).';

create function private.notify_booking_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  kind public.notification_kind;
  to_guest boolean := true;
  to_host boolean := true;
begin
  if tg_op = 'INSERT' then
    if new.status not in ('awaiting_host', 'pending_payment') then
      return null;
    end if;
    kind := 'booking_requested';
    to_guest := false;
  elsif new.status is distinct from old.status then
    case new.status
      when 'pending_payment' then kind := 'booking_accepted'; to_host := false;
      when 'declined' then kind := 'booking_declined'; to_host := false;
      when 'expired' then kind := 'booking_expired';
      when 'confirmed' then kind := 'booking_confirmed';
      when 'cancelled' then kind := 'booking_cancelled';
      when 'completed' then kind := 'review_window_opened';
      else return null;
    end case;
  else
    return null;
  end if;
  if to_guest then
    perform private.notify(new.guest_id, kind, new.id, null, private.booking_notice(new, new.guest_id));
  end if;
  if to_host then
    perform private.notify(new.host_id, kind, new.id, null, private.booking_notice(new, new.host_id));
  end if;
  return null;
end
$$;
comment on function private.notify_booking_change() is 'Trigger: notifies the sides of a booking''s request and each status change.';

create function private.notify_payment_failed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  booking public.bookings;
begin
  if new.status = 'failed' and old.status is distinct from 'failed' then
    select b.* into booking from public.bookings b where b.id = new.booking_id;
    if booking.id is not null then
      perform private.notify(booking.guest_id, 'payment_failed', booking.id, null, private.booking_notice(booking, booking.guest_id));
    end if;
  end if;
  return null;
end
$$;
comment on function private.notify_payment_failed() is 'Trigger: tells the guest their payment failed.';

create function private.notify_review_published() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  booking public.bookings;
begin
  if new.published_at is not null and old.published_at is null then
    select b.* into booking from public.bookings b where b.id = new.booking_id;
    perform private.notify(new.subject_id, 'review_published', new.booking_id, null, private.booking_notice(booking, new.subject_id));
  end if;
  return null;
end
$$;
comment on function private.notify_review_published() is 'Trigger: tells a review''s subject it was published.';

create function private.notify_calendar_conflict() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  booking public.bookings;
begin
  select b.* into booking from public.bookings b where b.id = new.booking_id;
  perform private.notify(booking.host_id, 'calendar_conflict', booking.id, null,
    private.booking_notice(booking, booking.host_id)
    || pg_catalog.jsonb_build_object('calendar_name', (select f.name from public.external_calendars f where f.id = new.external_calendar_id),
                                     'conflict_nights', pg_catalog.jsonb_build_array(lower(new.nights), upper(new.nights))));
  return null;
end
$$;
comment on function private.notify_calendar_conflict() is
  'Trigger: tells the listing''s host once that an imported calendar''s event overlaps a booking here.';

-- Job: a party with unread messages older than `after` (and none notified since the last message) is told once.
create function private.notify_unread_messages(after interval default interval '10 minutes') returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  due record;
  told integer := 0;
begin
  for due in
    select c.id, c.property_id, side.recipient, side.other
      from public.conversations c
     cross join lateral (values (c.guest_id, c.host_id, c.guest_unread_count), (c.host_id, c.guest_id, c.host_unread_count))
           as side (recipient, other, unread)
     where c.last_message_at <= pg_catalog.now() - after
       and c.last_message_at > pg_catalog.now() - after - interval '1 day'
       and side.unread > 0 and side.recipient is not null
       and not exists (select 1 from public.notifications n
                        where n.conversation_id = c.id and n.recipient_id = side.recipient
                          and n.kind = 'message_unread' and n.created_at >= c.last_message_at)
  loop
    perform private.notify(due.recipient, 'message_unread', null, due.id, pg_catalog.jsonb_build_object(
      'listing_title', (select p.title from public.properties p where p.id = due.property_id),
      'other_party_name', coalesce((select pr.display_name from public.profiles pr where pr.id = due.other), 'a former member')));
    told := told + 1;
  end loop;
  return told;
end
$$;
comment on function private.notify_unread_messages(interval) is 'Job: notifies each party whose messages stayed unread longer than `after` (default 10 minutes), once per new message. Returns the count.';

create function public.mark_notifications_read(ids bigint[] default null) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  marked integer;
begin
  if (select auth.uid()) is null then
    raise exception 'sign in to read notifications' using errcode = '42501', hint = 'not_signed_in';
  end if;
  update public.notifications n set read_at = pg_catalog.now()
   where n.recipient_id = (select auth.uid()) and n.read_at is null and (ids is null or n.id = any (ids));
  get diagnostics marked = row_count;
  return marked;
end
$$;
comment on function public.mark_notifications_read(bigint[]) is 'Marks the caller''s notifications read (those ids, or all). Returns how many.';

-- The e-mail worker (functions/email-worker) ---------------------------------------------------------------------

create function private.claim_email(lease_seconds integer default 120) returns private.email_task
language sql
security definer
set search_path = ''
as $$
  with next as (
    select o.id from private.email_outbox o
     where o.status = 'pending' and o.next_attempt_at <= pg_catalog.now()
       and (o.locked_until is null or o.locked_until <= pg_catalog.now())
     order by o.next_attempt_at
     limit 1
     for update skip locked
  )
  update private.email_outbox o
     set attempts = o.attempts + 1, locked_until = pg_catalog.now() + pg_catalog.make_interval(secs => lease_seconds)
    from next where o.id = next.id
  returning (o.id, o.to_address, o.subject, o.text_body, o.attempts)::private.email_task
$$;
comment on function private.claim_email(integer) is 'Worker: claims the next due e-mail (lease + attempt counter, for update skip locked); null when nothing is due.';

create function private.complete_email(email_id uuid, provider_message_id text, sent boolean default true) returns boolean
language sql
security definer
set search_path = ''
as $$
  with done as (
    update private.email_outbox o
       set status = case when sent then 'sent' else 'not_sent' end::private.email_status,
           provider_message_id = complete_email.provider_message_id, locked_until = null, finished_at = pg_catalog.now(),
           last_error = case when sent then null else 'no e-mail provider configured' end
     where o.id = email_id and o.status = 'pending'
    returning 1
  )
  select exists (select from done)
$$;
comment on function private.complete_email(uuid, text, boolean) is 'Worker: marks an e-mail sent with the provider''s id (or not_sent when no provider is configured); false when it was already finished.';

create function private.fail_email(email_id uuid, error text, permanent boolean default false) returns private.email_status
language sql
security definer
set search_path = ''
as $$
  update private.email_outbox o
     set status = case when permanent or o.attempts >= 10 then 'dead' else 'pending' end::private.email_status,
         last_error = left(error, 2000), locked_until = null,
         next_attempt_at = pg_catalog.now() + pg_catalog.make_interval(secs => least(30 * 2 ^ o.attempts, 21600)),
         finished_at = case when permanent or o.attempts >= 10 then pg_catalog.now() end
   where o.id = email_id and o.status = 'pending'
  returning o.status
$$;
comment on function private.fail_email(uuid, text, boolean) is 'Worker: records a failed send; retried with exponential backoff (30 s doubling, at most 6 h), dead after 10 attempts or a permanent refusal.';

create function private.resend_unsent_emails() returns integer
language sql
security definer
set search_path = ''
as $$
  with requeued as (
    update private.email_outbox o set status = 'pending', next_attempt_at = pg_catalog.now(), finished_at = null, attempts = 0
     where o.status = 'not_sent'
    returning 1
  )
  select count(*)::integer from requeued
$$;
comment on function private.resend_unsent_emails() is 'Operators: puts the e-mails recorded as not sent (no provider then) back in the queue. Returns the count.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger bookings_notify after insert or update of status on public.bookings
  for each row execute function private.notify_booking_change();
create trigger payments_notify_failed after update of status on payments.payments
  for each row execute function private.notify_payment_failed();
create trigger reviews_notify_published after update of published_at on public.reviews
  for each row execute function private.notify_review_published();
create trigger calendar_conflicts_notify after insert on public.calendar_conflicts
  for each row execute function private.notify_calendar_conflict();
create trigger notification_preferences_touch_updated_at before update on public.notification_preferences
  for each row execute function private.touch_updated_at();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.format_money(bigint, text), private.format_day(date),
  private.render_email(public.notification_kind, jsonb), private.notify(uuid, public.notification_kind, uuid, uuid, jsonb),
  private.booking_notice(public.bookings, uuid), private.notify_booking_change(), private.notify_payment_failed(),
  private.notify_review_published(), private.notify_calendar_conflict(), private.notify_unread_messages(interval), private.claim_email(integer),
  private.complete_email(uuid, text, boolean), private.fail_email(uuid, text, boolean), private.resend_unsent_emails()
  from public, anon, authenticated, service_role;
grant execute on function private.notify_unread_messages(interval), private.claim_email(integer),
  private.complete_email(uuid, text, boolean), private.fail_email(uuid, text, boolean), private.resend_unsent_emails()
  to service_role;
revoke all on function public.mark_notifications_read(bigint[]) from public, anon;
grant execute on function public.mark_notifications_read(bigint[]) to authenticated;

revoke all on table public.notifications, public.notification_preferences from anon, authenticated, service_role;
grant select on table public.notifications to authenticated;
grant select, insert, delete on table public.notification_preferences to authenticated;
grant update (email_kinds) on table public.notification_preferences to authenticated;
grant select on table public.notifications, public.notification_preferences to service_role;
revoke all on table private.email_outbox from public, anon, authenticated, service_role;
grant select on table private.email_outbox to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.notifications enable row level security;
alter table public.notification_preferences enable row level security;
alter table private.email_outbox enable row level security;

create policy "members read their own notifications" on public.notifications
  for select to authenticated
  using (recipient_id = (select auth.uid()));

create policy "members read their own preferences" on public.notification_preferences
  for select to authenticated
  using (member_id = (select auth.uid()));
create policy "members set their own preferences" on public.notification_preferences
  for insert to authenticated
  with check (member_id = (select auth.uid()));
create policy "members change their own preferences" on public.notification_preferences
  for update to authenticated
  using (member_id = (select auth.uid()))
  with check (member_id = (select auth.uid()));
create policy "members delete their own preferences" on public.notification_preferences
  for delete to authenticated
  using (member_id = (select auth.uid()));

create policy "the service role reads the e-mail outbox" on private.email_outbox
  for select to service_role
  using (true);
