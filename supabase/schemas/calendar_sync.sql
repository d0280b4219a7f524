-- Calendar sync: other platforms' feeds imported into the claims, conflicts with bookings here, and each listing's
-- own iCal feed for the other platforms to import.
--
-- Rules enforced here (docs/calendar-sync.md has the design):
--   * the sync (edge function calendar-sync, service role) fetches and parses a feed, then hands its events to
--     private.apply_calendar_feed, which replaces that feed's events in one transaction: new events claim nights,
--     changed dates move the claim, events gone from the feed release theirs. A fetch that fails, or a feed that
--     does not parse, changes nothing (private.record_calendar_sync_failure only records why): an outage at another
--     platform never frees a host's calendar;
--   * dates are the listing's: an all-day event is its dates; a date-time event (UTC, a known zone, or floating =
--     the listing's local time) blocks the nights from its start date to its end date, and the end date's night too
--     when it ends after the listing's check-in time; every event blocks at least one night; nights before today
--     are ignored, and occurrences of recurring events only within the booking window (365 days);
--   * imported events claim, in private.calendar_claims, the nights no host block or booking holds, so the
--     exclusion constraint protects them like any claim (and search, quotes and bookings see them). An imported event
--     never cancels or moves a booking here: the overlap is recorded in public.calendar_conflicts for the host, and
--     the rest of the event still blocks. When a booking or block gives nights back, imported events claim them in
--     the same transaction;
--   * each listing's export feed is reached by a secret token that only its host can mint
--     (rotate_calendar_token); only the token's SHA-256 is stored, and a new token revokes the previous one at once.
--     The feed holds the listing's bookings ("Reserved") and host blocks ("Not available"), never imported events
--     (two platforms would echo each other's events) and nothing about the guest.

-- Types ----------------------------------------------------------------------------------------------------------

create type public.calendar_feed_link as (token text, feed_url text);
comment on type public.calendar_feed_link is 'A listing''s new secret feed token and its URL (absolute when the Vault secret project_url is set).';

-- Tables ---------------------------------------------------------------------------------------------------------

create table private.calendar_feed_tokens (
  property_id uuid primary key references public.properties (id) on delete cascade,
  token_hash bytea not null constraint calendar_feed_token_hash_unique unique,
  rotated_at timestamptz not null default now()
);
comment on table private.calendar_feed_tokens is 'The SHA-256 of each listing''s current export feed token; the token itself is shown once, to the host.';

create table public.calendar_conflicts (
  id uuid primary key default gen_random_uuid(),
  property_id uuid not null references public.properties (id) on delete cascade,
  external_calendar_id uuid not null references public.external_calendars (id) on delete cascade,
  event_uid text not null,
  event_recurrence_id text not null default '',
  booking_id uuid not null references public.bookings (id) on delete cascade,
  nights daterange not null constraint conflict_nights_not_empty check (not isempty(nights)),
  detected_at timestamptz not null default now(),
  resolved_at timestamptz
);
comment on table public.calendar_conflicts is
  'Nights an imported event claims that a booking here already holds: the booking stands, the host sees the conflict. Resolved when either side goes.';
comment on column public.calendar_conflicts.nights is 'The nights both claim: [first night, check-out day).';
comment on column public.calendar_conflicts.resolved_at is 'When the event left the feed, moved, or the booking ended; null while open.';

-- Indexes --------------------------------------------------------------------------------------------------------

create unique index calendar_conflicts_open_key on public.calendar_conflicts
  (external_calendar_id, event_uid, event_recurrence_id, booking_id) where resolved_at is null;
create index calendar_conflicts_external_calendar_idx on public.calendar_conflicts (external_calendar_id);
create index calendar_conflicts_property_idx on public.calendar_conflicts (property_id, detected_at desc);
create index calendar_conflicts_booking_idx on public.calendar_conflicts (booking_id);

-- Functions ------------------------------------------------------------------------------------------------------

create function private.booking_window_days() returns integer
language sql immutable
set search_path = ''
as $$ select 365 $$;
comment on function private.booking_window_days() is 'How far ahead recurring imported events are expanded (no listing has a booking window of its own).';

-- The project's public URL, from Supabase Vault (secret project_url), as Supabase's guide to scheduling edge
-- functions stores it; null where it is not set. Dynamic, so that it compiles where Vault is absent.
create function private.project_url() returns text
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  url text;
begin
  if pg_catalog.to_regclass('vault.decrypted_secrets') is null then
    return null;
  end if;
  execute 'select decrypted_secret from vault.decrypted_secrets where name = $1 order by created_at desc limit 1'
    into url using 'project_url';
  return nullif(pg_catalog.rtrim(pg_catalog.btrim(url), '/'), '');
end
$$;
comment on function private.project_url() is 'The API''s public base URL (Vault secret project_url), or null.';

-- One moment of an imported event as a local date-time of the listing. The sync sends {"date": "YYYY-MM-DD"}
-- for all-day values and {"time": "YYYY-MM-DDTHH:MM:SS", "zone": ...} otherwise: zone UTC (a value ending in Z, or
-- converted with the feed's own VTIMEZONE), an IANA zone name, or null for floating time. A zone this database does
-- not know counts as floating: the listing's local time.
create function private.imported_local_time(moment jsonb, time_zone text) returns timestamp
language plpgsql stable
set search_path = ''
as $$
declare
  zone text := moment ->> 'zone';
  wall timestamp;
begin
  if pg_catalog.jsonb_typeof(moment) <> 'object' then
    raise exception 'an event needs a start and an end' using errcode = '22023', hint = 'invalid_event';
  elsif moment ? 'date' and (moment ->> 'date') ~ '^\d{4}-\d{2}-\d{2}$' then
    return (moment ->> 'date')::date::timestamp;
  elsif not (moment ->> 'time') ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$' then
    raise exception 'not a date or date-time: %', pg_catalog.left(moment::text, 100) using errcode = '22023', hint = 'invalid_event';
  end if;
  wall := (moment ->> 'time')::timestamp;
  if zone is null or not exists (select from private.time_zones z where z.name = zone) then
    return wall;
  end if;
  return (wall at time zone zone) at time zone time_zone;
end
$$;
comment on function private.imported_local_time(jsonb, text) is 'An imported event''s start or end as the listing''s local date-time (see calendar_sync.sql).';

-- The nights an imported event blocks (the rule in this file's header).
create function private.imported_nights(starts jsonb, ends jsonb, time_zone text, check_in_time time) returns daterange
language plpgsql stable
set search_path = ''
as $$
declare
  first_moment timestamp := private.imported_local_time(starts, time_zone);
  last_moment timestamp := private.imported_local_time(ends, time_zone);
  first_night date := first_moment::date;
  check_out_day date;
begin
  if ends ? 'date' then
    check_out_day := last_moment::date;
  else
    check_out_day := last_moment::date + case when last_moment::time > check_in_time then 1 else 0 end;
  end if;
  return pg_catalog.daterange(first_night, greatest(check_out_day, first_night + 1));
end
$$;
comment on function private.imported_nights(jsonb, jsonb, text, time) is
  'Nights an imported event blocks: all-day = its dates; date-time = start date to end date, plus the end date''s night if it ends after check-in time.';

-- Rebuilds what a listing's imported events claim and the conflicts they have with its bookings. Each event claims
-- its nights minus those a block or a booking holds (a lapsed hold included until it is swept: its claim still
-- holds the nights) and minus those an earlier event claims (feeds in the order they were added, events by start),
-- so a night two feeds share is claimed once. Unchanged claims are kept as they are. One listing at a time (an
-- advisory lock). A booking claiming a night this wants at the same moment makes one of the two fail (the exclusion
-- constraint, or a deadlock between the two checks): this then starts again, after a short pause, seeing that
-- booking; after 5 attempts it gives up (the caller's transaction fails and nothing of it is kept).
create function private.claim_imported_nights(property_id uuid) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  held datemultirange;
  free datemultirange;
  event record;
  fragment daterange;
  event_ids bigint[];
  event_nights daterange[];
  nights_claimed integer;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('staybase.imported_nights.' || property_id::text, 0));
  for attempt in 1..5 loop
    begin
      event_ids := '{}';
      event_nights := '{}';
      nights_claimed := 0;
      select coalesce(pg_catalog.range_agg(c.nights), '{}'::datemultirange) into held
        from private.calendar_claims c
       where c.property_id = claim_imported_nights.property_id and c.imported_event_id is null;
      for event in
        select e.id, e.nights
          from private.imported_events e
          join public.external_calendars f on f.id = e.external_calendar_id
         where f.property_id = claim_imported_nights.property_id
         order by f.created_at, f.id, lower(e.nights), e.uid, e.recurrence_id
      loop
        free := pg_catalog.datemultirange(event.nights) - held;
        for fragment in select pg_catalog.unnest(free) loop
          event_ids := event_ids || event.id;
          event_nights := event_nights || fragment;
          nights_claimed := nights_claimed + (upper(fragment) - lower(fragment));
        end loop;
        held := held + free;
      end loop;

      delete from private.calendar_claims c
       where c.property_id = claim_imported_nights.property_id and c.imported_event_id is not null
         and not exists (select from unnest(event_ids, event_nights) w(event_id, nights)
                          where w.event_id = c.imported_event_id and w.nights = c.nights);
      insert into private.calendar_claims (property_id, nights, imported_event_id)
      select claim_imported_nights.property_id, w.nights, w.event_id
        from unnest(event_ids, event_nights) w(event_id, nights)
       where not exists (select from private.calendar_claims c
                          where c.imported_event_id = w.event_id and c.nights = w.nights);
      exit;
    exception when exclusion_violation or deadlock_detected then
      if attempt = 5 then
        raise;
      end if;
      perform pg_catalog.pg_sleep(0.01 * attempt * (1 + pg_catalog.random()));
    end;
  end loop;

  -- Conflicts: every overlap of an imported event with a live booking of the listing, kept open while it lasts.
  with current_overlaps as (
    select e.external_calendar_id, e.uid, e.recurrence_id, c.booking_id, e.nights * c.nights as nights
      from private.imported_events e
      join public.external_calendars f on f.id = e.external_calendar_id
      join private.calendar_claims c on c.property_id = f.property_id and c.booking_id is not null and c.nights && e.nights
     where f.property_id = claim_imported_nights.property_id
       and (c.expires_at is null or c.expires_at > pg_catalog.now())
  ), resolved as (
    update public.calendar_conflicts k set resolved_at = pg_catalog.now()
     where k.property_id = claim_imported_nights.property_id and k.resolved_at is null
       and not exists (select from current_overlaps o
                        where o.external_calendar_id = k.external_calendar_id and o.uid = k.event_uid
                          and o.recurrence_id = k.event_recurrence_id and o.booking_id = k.booking_id)
    returning 1
  )
  insert into public.calendar_conflicts as k (property_id, external_calendar_id, event_uid, event_recurrence_id, booking_id, nights)
  select claim_imported_nights.property_id, o.external_calendar_id, o.uid, o.recurrence_id, o.booking_id, o.nights
    from current_overlaps o
  on conflict (external_calendar_id, event_uid, event_recurrence_id, booking_id) where resolved_at is null
  do update set nights = excluded.nights where k.nights <> excluded.nights;

  return nights_claimed;
end
$$;
comment on function private.claim_imported_nights(uuid) is
  'Rebuilds the claims of a listing''s imported events (nights no block or booking holds) and its open conflicts; returns the nights they claim.';

-- A booking or block that gives nights back (cancelled, expired, declined, shrunk, deleted) lets the imported events
-- over those nights claim them at once, in the same transaction. That never makes the cancellation (or whatever
-- released them) fail: if other bookings race for those very nights until claim_imported_nights gives up, the nights
-- are left to whoever wins, and the feed's next sync claims what is still free or records the conflict.
create function private.reclaim_released_nights() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (select from private.imported_events e
               join public.external_calendars f on f.id = e.external_calendar_id
              where f.property_id = old.property_id and e.nights && old.nights)
     and exists (select from public.properties p where p.id = old.property_id) then
    begin
      perform private.claim_imported_nights(old.property_id);
    exception when exclusion_violation or deadlock_detected then
      raise warning 'imported events of listing % did not claim the released nights %: the next sync will', old.property_id, old.nights;
    end;
  end if;
  return null;
end
$$;
comment on function private.reclaim_released_nights() is 'Trigger: nights a booking or block releases go to the imported events over them, in the same transaction.';

-- Applies one successful fetch of a feed, atomically: the sync's one write. `events` is the feed's parsed events,
-- one element per event or occurrence: {"uid", "recurrence_id" (optional, "" for none), "start", "end"} with start
-- and end as private.imported_local_time reads them. Past events are dropped; a recurring occurrence beyond the
-- booking window too. Refuses (22023, nothing written) a feed of more than 5,000 events, an event without a UID or
-- with unreadable dates, and two different events under one (UID, recurrence).
create function private.apply_calendar_feed(external_calendar_id uuid, events jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  feed public.external_calendars;
  listing public.properties;
  today date;
  window_end date;
  event jsonb;
  event_number integer := 0;
  event_uid text;
  event_recurrence_id text;
  nights daterange;
  uids text[] := '{}';
  recurrence_ids text[] := '{}';
  event_nights daterange[] := '{}';
  duplicate text;
  kept integer;
  claimed integer;
begin
  select f.* into feed from public.external_calendars f
   where f.id = apply_calendar_feed.external_calendar_id for update;
  if feed.id is null then
    raise exception 'no external calendar %', external_calendar_id using errcode = 'PT404', hint = 'calendar_not_found';
  end if;
  select p.* into listing from public.properties p where p.id = feed.property_id;
  today := private.local_today(listing.time_zone);
  window_end := today + private.booking_window_days();

  if events is null or pg_catalog.jsonb_typeof(events) <> 'array' then
    raise exception 'events must be a JSON array' using errcode = '22023', hint = 'invalid_events';
  elsif pg_catalog.jsonb_array_length(events) > 5000 then
    raise exception 'a feed holds at most 5000 events (this one: %)', pg_catalog.jsonb_array_length(events)
      using errcode = '22023', hint = 'too_many_events';
  end if;

  for event in select e from pg_catalog.jsonb_array_elements(events) e loop
    event_number := event_number + 1;
    event_uid := case when pg_catalog.jsonb_typeof(event -> 'uid') = 'string' then event ->> 'uid' end;
    event_recurrence_id := coalesce(event ->> 'recurrence_id', '');
    if event_uid is null or pg_catalog.char_length(event_uid) not between 1 and 1000
       or pg_catalog.char_length(event_recurrence_id) > 100 then
      raise exception 'event % has no UID (or one longer than 1000 characters)', event_number
        using errcode = '22023', hint = 'invalid_event';
    end if;
    begin
      nights := private.imported_nights(event -> 'start', event -> 'end', listing.time_zone, listing.check_in_time);
    exception when invalid_parameter_value or datetime_field_overflow or invalid_datetime_format then
      raise exception 'event % (UID %) has unreadable dates', event_number, pg_catalog.left(event_uid, 100)
        using errcode = '22023', hint = 'invalid_event';
    end;
    nights := nights * pg_catalog.daterange(today, null);
    continue when pg_catalog.isempty(nights) or (event_recurrence_id <> '' and lower(nights) >= window_end);
    uids := uids || event_uid;
    recurrence_ids := recurrence_ids || event_recurrence_id;
    event_nights := event_nights || nights;
  end loop;

  select w.uid into duplicate
    from unnest(uids, recurrence_ids, event_nights) w(uid, recurrence_id, nights)
   group by w.uid, w.recurrence_id having count(distinct w.nights) > 1
   limit 1;
  if duplicate is not null then
    raise exception 'two events share the UID %', pg_catalog.left(duplicate, 100) using errcode = '22023', hint = 'duplicate_uid';
  end if;

  delete from private.imported_events e
   where e.external_calendar_id = feed.id
     and not exists (select from unnest(uids, recurrence_ids) w(uid, recurrence_id)
                      where w.uid = e.uid and w.recurrence_id = e.recurrence_id);
  insert into private.imported_events as e (external_calendar_id, uid, recurrence_id, nights)
  select distinct feed.id, w.uid, w.recurrence_id, w.nights
    from unnest(uids, recurrence_ids, event_nights) w(uid, recurrence_id, nights)
  on conflict on constraint imported_event_key do update set nights = excluded.nights where e.nights <> excluded.nights;
  select count(*) into kept from private.imported_events e where e.external_calendar_id = feed.id;

  claimed := private.claim_imported_nights(listing.id);

  update public.external_calendars f
     set last_attempted_at = pg_catalog.now(), last_synced_at = pg_catalog.now(), last_error = null, event_count = kept
   where f.id = feed.id;

  return pg_catalog.jsonb_build_object(
    'events', kept,
    'nights_blocked', (select coalesce(sum(upper(c.nights) - lower(c.nights)), 0)
                         from private.calendar_claims c join private.imported_events e on e.id = c.imported_event_id
                        where e.external_calendar_id = feed.id),
    'listing_nights_blocked', claimed,
    'open_conflicts', (select count(*) from public.calendar_conflicts k
                        where k.external_calendar_id = feed.id and k.resolved_at is null));
end
$$;
comment on function private.apply_calendar_feed(uuid, jsonb) is
  'The sync''s one write: replaces a feed''s events with a fresh fetch''s, atomically (claims moved, released, conflicts recorded). Service role.';

create function private.record_calendar_sync_failure(external_calendar_id uuid, error text) returns void
language sql
security definer
set search_path = ''
as $$
  update public.external_calendars f
     set last_attempted_at = pg_catalog.now(),
         last_error = pg_catalog.left(coalesce(nullif(pg_catalog.btrim(error), ''), 'unknown error'), 1000)
   where f.id = record_calendar_sync_failure.external_calendar_id
$$;
comment on function private.record_calendar_sync_failure(uuid, text) is
  'Records why a sync of a feed failed; its events, claims and count stay as they were. Service role.';

-- The feeds a sync run should fetch now, marked as attempted so that an overlapping run skips them: those not
-- attempted in the last 10 minutes (the schedule runs every 15), least recently attempted first, or exactly the
-- ones named. Feeds of archived listings are not fetched. With each: the listing's today and the last day of its
-- booking window, up to which the sync expands recurring events.
create function private.calendars_to_sync(max_calendars integer default 10, calendar_ids uuid[] default null)
returns table (id uuid, url text, today date, expand_until date)
language sql
security definer
set search_path = ''
as $$
  with due as (
    select f.id
      from public.external_calendars f
      join public.properties p on p.id = f.property_id
     where p.status <> 'archived'
       and case when calendar_ids is null
                then f.last_attempted_at is null or f.last_attempted_at < pg_catalog.now() - interval '10 minutes'
                else f.id = any (calendar_ids) end
     order by f.last_attempted_at nulls first, f.id
     limit greatest(least(max_calendars, 100), 1)
     for update of f skip locked
  )
  update public.external_calendars f
     set last_attempted_at = pg_catalog.now()
    from due, public.properties p
   where f.id = due.id and p.id = f.property_id
  returning f.id, f.url, private.local_today(p.time_zone), private.local_today(p.time_zone) + private.booking_window_days()
$$;
comment on function private.calendars_to_sync(integer, uuid[]) is
  'Claims up to max_calendars feeds due for a sync (or the ones named) and marks them attempted. Service role.';

-- Where pg_cron runs the sync (Supabase): calls the calendar-sync edge function with pg_net, using the Vault
-- secrets project_url and service_role_key, as Supabase's guide to scheduling edge functions does. Returns pg_net's
-- request id, or null (with a warning) where pg_net or the secrets are missing. Dynamic, so that it compiles there.
create function private.request_calendar_sync() returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  url text := private.project_url();
  service_key text;
  request_id bigint;
begin
  if url is not null then
    execute 'select decrypted_secret from vault.decrypted_secrets where name = $1 order by created_at desc limit 1'
      into service_key using 'service_role_key';
  end if;
  if url is null or service_key is null
     or not exists (select from pg_catalog.pg_proc p where p.pronamespace::regnamespace::text = 'net' and p.proname = 'http_post') then
    raise warning 'calendar sync not requested: it needs pg_net and the Vault secrets project_url and service_role_key';
    return null;
  end if;
  execute 'select net.http_post(url := $1, body := $2, headers := $3, timeout_milliseconds := $4)'
    into request_id
    using url || '/functions/v1/calendar-sync', '{}'::jsonb,
          pg_catalog.jsonb_build_object('Authorization', 'Bearer ' || service_key, 'Content-Type', 'application/json'),
          5000;
  return request_id;
end
$$;
comment on function private.request_calendar_sync() is
  'Job: asks the calendar-sync edge function for a run (pg_net + Vault secrets project_url, service_role_key); null where it cannot.';

-- The host mints a new secret feed token: the previous one stops working in the same transaction.
create function public.rotate_calendar_token(property_id uuid) returns public.calendar_feed_link
language plpgsql
security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  listing public.properties;
  link public.calendar_feed_link;
begin
  if caller is null then
    raise exception 'sign in to manage a calendar feed' using errcode = '42501', hint = 'not_signed_in';
  end if;
  select p.* into listing from public.properties p where p.id = rotate_calendar_token.property_id;
  if listing.id is null or (listing.host_id is distinct from caller and listing.status <> 'published' and not private.is_admin()) then
    raise exception 'no listing % that you can see', property_id using errcode = 'PT404', hint = 'listing_not_found';
  elsif listing.host_id is distinct from caller then
    raise exception 'only the listing''s host manages its calendar feed' using errcode = '42501', hint = 'not_listing_host';
  end if;
  link.token := pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=');
  insert into private.calendar_feed_tokens as t (property_id, token_hash)
  values (listing.id, pg_catalog.sha256(pg_catalog.convert_to(link.token, 'UTF8')))
  on conflict on constraint calendar_feed_tokens_pkey
  do update set token_hash = excluded.token_hash, rotated_at = pg_catalog.now();
  link.feed_url := coalesce(private.project_url(), '') || '/functions/v1/calendar-feed?token=' || link.token;
  return link;
end
$$;
comment on function public.rotate_calendar_token(uuid) is
  'The listing''s host gets a new secret iCal feed token and URL; the previous token stops working at once.';

-- What a feed token shows, or null for a token that is not current (wrong, rotated, or its listing deleted): the
-- listing's title and its live bookings and host blocks that have not ended, as all-day events. Service role (the
-- calendar-feed function).
create function private.calendar_feed(token text) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  listing public.properties;
begin
  if token is null or token !~ '^[A-Za-z0-9_-]{43}$' then
    return null;
  end if;
  select p.* into listing
    from private.calendar_feed_tokens t join public.properties p on p.id = t.property_id
   where t.token_hash = pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8'));
  if listing.id is null then
    return null;
  end if;
  return pg_catalog.jsonb_build_object(
    'name', listing.title,
    'events', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'uid', case when c.booking_id is not null then 'booking-' || c.booking_id::text
                           else 'block-' || c.block_id::text end || '@staybase',
               'start', lower(c.nights), 'end', upper(c.nights),
               'summary', case when c.booking_id is not null then 'Reserved' else 'Not available' end,
               'stamp', coalesce(b.updated_at, k.created_at))
             order by lower(c.nights), c.id)
        from private.calendar_claims c
        left join public.bookings b on b.id = c.booking_id
        left join public.availability_blocks k on k.id = c.block_id
       where c.property_id = listing.id and c.imported_event_id is null
         and (c.expires_at is null or c.expires_at > pg_catalog.now())
         and upper(c.nights) > private.local_today(listing.time_zone)), '[]'::jsonb));
end
$$;
comment on function private.calendar_feed(text) is
  'The export feed of the listing a token opens (bookings "Reserved", blocks "Not available", never imported events), or null.';

-- Triggers -------------------------------------------------------------------------------------------------------

create trigger calendar_claims_release after delete or update of nights on private.calendar_claims
  for each row when (old.imported_event_id is null) execute function private.reclaim_released_nights();

-- Grants ---------------------------------------------------------------------------------------------------------

revoke all on function private.booking_window_days(), private.project_url(), private.imported_local_time(jsonb, text),
  private.imported_nights(jsonb, jsonb, text, time), private.claim_imported_nights(uuid),
  private.reclaim_released_nights(), private.apply_calendar_feed(uuid, jsonb),
  private.record_calendar_sync_failure(uuid, text), private.calendars_to_sync(integer, uuid[]),
  private.request_calendar_sync(), private.calendar_feed(text)
  from public, anon, authenticated, service_role;
grant execute on function private.apply_calendar_feed(uuid, jsonb), private.record_calendar_sync_failure(uuid, text),
  private.calendars_to_sync(integer, uuid[]), private.calendar_feed(text) to service_role;
revoke all on function public.rotate_calendar_token(uuid) from public, anon;
grant execute on function public.rotate_calendar_token(uuid) to authenticated;

revoke all on table private.calendar_feed_tokens from public, anon, authenticated, service_role;

-- Conflicts: written by the database only; the host reads those of their listings.
revoke all on table public.calendar_conflicts from anon, authenticated, service_role;
grant select on table public.calendar_conflicts to authenticated, service_role;

-- Row-level security ---------------------------------------------------------------------------------------------

alter table private.calendar_feed_tokens enable row level security;
alter table public.calendar_conflicts enable row level security;

create policy "hosts read the conflicts of their listings" on public.calendar_conflicts
  for select to authenticated using ((select private.is_property_host(property_id)));
