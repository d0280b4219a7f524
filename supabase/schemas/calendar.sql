-- Calendar: host blocks, other platforms' calendars, the nights that blocks, bookings and imported events claim,
-- and what a calendar shows.
--
-- Rules enforced here:
--   * a night is claimed at most once per property: host blocks, active bookings and events imported from other
--     platforms' calendars claim nights in one table, private.calendar_claims, whose exclusion constraint
--     (nights_already_claimed) cannot be raced;
--   * a host block claims its nights in the transaction that writes it; an active booking (awaiting_host,
--     pending_payment, confirmed, completed) claims them, a hold's claim carries the hold's deadline, and a booking
--     that ends gives them back; imported events claim the nights no block or booking holds (calendar_sync.sql);
--   * private.nights_are_free is the one availability rule: a claim counts unless it is a hold past its deadline.
--     It and the search's probe write the overlap as bounds (lower < check_out and upper > check_in: the same test
--     as && for the non-empty, finite ranges claims hold), so both read calendar_claims_property_idx;
--   * nobody reads claims but the service role: clients see free or taken per night (property_calendar), never who
--     claimed a night; blocks are read only by the listing's host and admins, and written only by the host. The read
--     policy names the host's listings once per statement (an array the index on property_id answers), never a
--     function call per row;
--   * a calendar night is available only from today to the listing's booking window (bookings.sql); its dates are
--     calendar days up to 9999-12-31;
--   * a host registers other platforms' feeds (public.external_calendars, at most 10 per listing, http or https;
--     webcal:// is read as https://) for their own listings only, and nobody else reads them: a feed URL is the
--     other platform's secret. The sync's state columns (last attempt, last success, last error, event count) are
--     written by the database only; changing a URL clears its error and makes it due at the next sync.

-- Tables ---------------------------------------------------------------------------------------------------------

create table public.availability_blocks (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  start_date date not null,
  end_date date not null,
  note text not null default '' constraint note_length check (private.text_within('note', note, 0, 300)),
  created_at timestamptz not null default now(),
  constraint block_dates_in_order check (start_date < end_date)
);
comment on table public.availability_blocks is 'Nights a host closes: [start_date, end_date), end_date exclusive. They claim nights like bookings do.';

create table public.external_calendars (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  name text not null constraint external_calendar_name_length check (private.text_within('name', name, 1, 100)),
  url text not null
    constraint external_calendar_url_is_http check (url ~* '^https?://[^\s/?#@]+([/?#]\S*)?$')
    constraint external_calendar_url_length check (private.text_within('url', url, 0, 2000)),
  created_at timestamptz not null default now(),
  last_attempted_at timestamptz,
  last_synced_at timestamptz,
  last_error text,
  event_count integer not null default 0,
  constraint external_calendar_url_unique unique (property_id, url)
);
comment on table public.external_calendars is
  'Other platforms'' iCal feeds a host imports into a listing (Airbnb, Vrbo, Booking.com...). Their events block nights; only the host reads them.';
comment on column public.external_calendars.last_attempted_at is 'When the sync last fetched (or tried to fetch) this feed.';
comment on column public.external_calendars.last_synced_at is 'When the feed was last fetched, parsed and applied: its events block nights as of then.';
comment on column public.external_calendars.last_error is 'Why the last attempt failed (nothing changed then); null after a successful sync.';
comment on column public.external_calendars.event_count is 'Future events of the last successful sync (recurring events count once per occurrence).';

-- The events of each feed's last good sync, keyed by (feed, UID, recurrence): what the feed says is taken. A failed
-- sync leaves them as they are.
create table private.imported_events (
  id bigint generated always as identity primary key,
  external_calendar_id uuid not null references public.external_calendars (id) on delete cascade,
  uid text not null constraint imported_event_uid_length check (char_length(uid) between 1 and 1000),
  recurrence_id text not null default '' constraint imported_event_recurrence_id_length check (char_length(recurrence_id) <= 100),
  nights daterange not null
    constraint imported_event_nights_bounded check (not isempty(nights) and not lower_inf(nights) and not upper_inf(nights)),
  constraint imported_event_key unique (external_calendar_id, uid, recurrence_id)
);
comment on table private.imported_events is
  'Each feed''s future events as of its last successful sync, as nights in the listing''s time zone; they claim the nights no block or booking holds.';

-- Every claimed night of every property. One exclusion constraint over this one table is the whole
-- no-double-booking guarantee.
create table private.calendar_claims (
  id bigint generated always as identity primary key,
  property_id uuid not null references public.properties (id) on delete cascade,
  nights daterange not null constraint claim_not_empty check (not isempty(nights)),
  block_id uuid unique references public.availability_blocks (id) on delete cascade,
  booking_id uuid unique constraint claim_booking_fkey references public.bookings (id) on delete cascade,
  -- An imported event may claim several ranges: its nights minus those a block or a booking already holds.
  imported_event_id bigint constraint claim_imported_event_fkey references private.imported_events (id) on delete cascade,
  expires_at timestamptz,
  constraint claim_has_one_source check (num_nonnulls(block_id, booking_id, imported_event_id) = 1),
  constraint nights_already_claimed exclude using gist (property_id with =, nights with &&)
);
comment on table private.calendar_claims is 'Nights claimed by host blocks, active bookings and imported events; a hold past expires_at no longer counts and is swept before any new claim.';

-- Indexes --------------------------------------------------------------------------------------------------------

create index availability_blocks_property_id_idx on public.availability_blocks (property_id);
-- The search's availability probe reads a listing's claims through this b-tree (index-only when the visibility map
-- allows): ~5 µs a probe against ~20 µs through the exclusion constraint's GiST index (btree_gist compares both
-- columns at every entry of every page it visits), measured on the benchmark's 600,000 claims; a search page probes
-- ~20 candidates. The GiST index still guarantees no overlap (it checks every claim written).
create index calendar_claims_property_idx on private.calendar_claims (property_id) include (nights, expires_at);
create index calendar_claims_imported_event_idx on private.calendar_claims (imported_event_id);

-- Functions ------------------------------------------------------------------------------------------------------

-- Nights of [check_in, check_out) not claimed by a block or a live booking hold. Runs as the owner because the
-- claims are private; it says only free or not. request_booking (through stay_refusal) and quote_stay ask it; the
-- search probes the same condition inline. PL/pgSQL so that its statement is planned once per session.
create function private.nights_are_free(property_id uuid, check_in date, check_out date) returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return not exists (
    select 1 from private.calendar_claims c
    where c.property_id = nights_are_free.property_id
      and lower(c.nights) < nights_are_free.check_out and upper(c.nights) > nights_are_free.check_in
      and (c.expires_at is null or c.expires_at > pg_catalog.now())
  );
end
$$;
comment on function private.nights_are_free(uuid, date, date) is 'True when no block or live booking claims any night of [check_in, check_out).';

create function private.calendar_claims_of(property_id uuid, from_date date, to_date date)
returns table (nights daterange)
language sql stable
security definer
set search_path = ''
as $$
  select c.nights from private.calendar_claims c
  where c.property_id = calendar_claims_of.property_id
    and c.nights && daterange(from_date, to_date)
    and (c.expires_at is null or c.expires_at > pg_catalog.now())
$$;
comment on function private.calendar_claims_of(uuid, date, date) is 'Live claimed ranges of a property overlapping [from_date, to_date); only ranges, never who claimed them.';

-- Security definer: the claims are private. It shows the listings the caller may read (the listing read policies'
-- rule: published, the caller's own, or any for an admin), and only free or taken per night.
create function public.property_calendar(property_id uuid, from_date date, to_date date)
returns table (night date, available boolean, price_cents integer)
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  property public.properties;
begin
  if not private.is_calendar_date(from_date) or not private.is_calendar_date(to_date) then
    raise exception 'dates are calendar days up to 9999-12-31' using errcode = '22023', hint = 'invalid_dates';
  end if;
  if from_date is null or to_date is null or to_date <= from_date then
    raise exception 'to_date must be after from_date' using errcode = '22023', hint = 'invalid_dates';
  end if;
  if to_date - from_date > 366 then
    raise exception 'a calendar spans at most a year (366 nights) per call' using errcode = '22023', hint = 'range_too_long';
  end if;
  select p.* into property from public.properties p
   where p.id = property_calendar.property_id
     and (p.status = 'published' or p.host_id = (select auth.uid()) or (select private.is_admin()));
  if property.id is null then
    raise exception 'no listing % that you can see', property_id using errcode = 'PT404', hint = 'not_found';
  end if;
  return query
    with claims as (
      select c.nights from private.calendar_claims_of(property.id, from_date, to_date) c
    )
    select d::date,
           d::date >= private.local_today(property.time_zone)
             and d::date <= private.local_today(property.time_zone) + property.booking_window_days
             and not exists (select 1 from claims c where c.nights @> d::date),
           coalesce((select r.nightly_price_cents from public.seasonal_rates r
                     where r.property_id = property.id and d::date >= r.start_date and d::date < r.end_date),
                    property.nightly_price_cents)
    from generate_series(from_date, to_date - 1, interval '1 day') d
    order by 1;
end
$$;
comment on function public.property_calendar(uuid, date, date) is 'Per night of [from_date, to_date): available or not (free, not past, within the booking window), and its price. At most 366 nights.';

-- Host blocks claim their nights (and give them back) in the same transaction.
create function private.sync_block_claim() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.calendar_claims (property_id, nights, block_id)
    values (new.property_id, daterange(new.start_date, new.end_date), new.id);
  elsif tg_op = 'UPDATE' then
    update private.calendar_claims
       set nights = daterange(new.start_date, new.end_date), property_id = new.property_id
     where block_id = new.id;
  end if;
  return new;
end
$$;
comment on function private.sync_block_claim() is 'Trigger: a host block claims its nights in private.calendar_claims (deletes cascade).';

-- An active booking claims its nights; a hold's claim carries the hold's deadline; an ended one gives them back.
create function private.sync_booking_claim() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status in ('awaiting_host', 'pending_payment', 'confirmed', 'completed') then
    insert into private.calendar_claims (property_id, nights, booking_id, expires_at)
    values (new.property_id, daterange(new.check_in, new.check_out), new.id, new.expires_at)
    on conflict (booking_id) do update set expires_at = excluded.expires_at;
  else
    delete from private.calendar_claims where booking_id = new.id;
  end if;
  return null;
end
$$;
comment on function private.sync_booking_claim() is 'Trigger: keeps a booking''s claim on its nights in step with its status.';

-- A feed as the host writes it: webcal:// read as https://, at most 10 per listing, and a new URL due at once.
create function private.guard_external_calendar() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.url := regexp_replace(private.trimmed(new.url), '^webcal://', 'https://', 'i');
  new.name := private.trimmed(new.name);
  if tg_op = 'INSERT' then
    if (select count(*) from public.external_calendars f where f.property_id = new.property_id) >= 10 then
      raise exception 'a listing imports at most 10 calendars' using errcode = 'PT409', hint = 'calendar_limit_reached';
    end if;
  elsif new.url is distinct from old.url then
    new.last_attempted_at := null;
    new.last_error := null;
  end if;
  return new;
end
$$;
comment on function private.guard_external_calendar() is
  'Trigger: normalizes a feed URL (webcal:// is https://), caps a listing at 10 feeds, and makes a changed URL due for the next sync.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger availability_blocks_claim after insert or update on public.availability_blocks
  for each row execute function private.sync_block_claim();
create trigger availability_blocks_store_trimmed_text before insert or update of note on public.availability_blocks
  for each row execute function private.store_trimmed_text('note');
create trigger bookings_claim_nights after insert or update of status, expires_at on public.bookings
  for each row execute function private.sync_booking_claim();
create trigger external_calendars_guard before insert or update on public.external_calendars
  for each row execute function private.guard_external_calendar();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.sync_block_claim() from public, anon, authenticated, service_role;
revoke all on function private.sync_booking_claim() from public, anon, authenticated;
revoke all on function private.guard_external_calendar() from public, anon, authenticated, service_role;
-- No client calls these: the verbs that need them (quote_stay, request_booking, property_calendar) run as the owner.
revoke all on function private.nights_are_free(uuid, date, date), private.calendar_claims_of(uuid, date, date)
  from public, anon, authenticated;
grant execute on function private.nights_are_free(uuid, date, date), private.calendar_claims_of(uuid, date, date)
  to service_role;
revoke all on function public.property_calendar(uuid, date, date) from public;
grant execute on function public.property_calendar(uuid, date, date) to anon, authenticated, service_role;

revoke all on table private.calendar_claims, private.imported_events from public, anon, authenticated;
grant select on table private.calendar_claims, private.imported_events to service_role;

-- Blocks: table privileges revoked, then granted exactly; only the host's and admins' rows pass the policies (anon
-- has no policy, so it reads none).
revoke all on table public.availability_blocks from anon, authenticated, service_role;
grant select on table public.availability_blocks to anon, authenticated;
grant insert, delete, update (start_date, end_date, note) on table public.availability_blocks to authenticated;
grant select, insert, update, delete on table public.availability_blocks to service_role;

-- Feeds: the host writes the feed itself (listing, name, URL); the sync's columns are the database's. Anon has no
-- privilege at all, and no policy lets anyone but the host read a row (admins included: the URLs are secrets).
revoke all on table public.external_calendars from anon, authenticated, service_role;
grant select, delete, insert (property_id, name, url), update (name, url) on table public.external_calendars to authenticated;
grant select, insert, update, delete on table public.external_calendars to service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table public.availability_blocks enable row level security;
alter table private.calendar_claims enable row level security;
alter table public.external_calendars enable row level security;
alter table private.imported_events enable row level security;

-- The caller's listings, read once per statement (under the listings' own policies: a host reads their own); the
-- admin arm is an index range (private.admin_id_floor), so the planner ORs index scans instead of testing each block.
create policy "hosts and admins read blocks" on public.availability_blocks
  for select to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid())))
         or id >= private.admin_id_floor());
create policy "hosts block nights of their listings" on public.availability_blocks
  for insert to authenticated with check ((select private.is_property_host(property_id)));
create policy "hosts change their blocks" on public.availability_blocks
  for update to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))))
  with check ((select private.is_property_host(property_id)));
create policy "hosts remove their blocks" on public.availability_blocks
  for delete to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))));

create policy "hosts read the calendars they import" on public.external_calendars
  for select to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))));
create policy "hosts import calendars into their listings" on public.external_calendars
  for insert to authenticated with check ((select private.is_property_host(property_id)));
create policy "hosts change the calendars they import" on public.external_calendars
  for update to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))))
  with check ((select private.is_property_host(property_id)));
create policy "hosts remove the calendars they import" on public.external_calendars
  for delete to authenticated
  using (property_id = any (array(select p.id from public.properties p where p.host_id = (select auth.uid()))));
