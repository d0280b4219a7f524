-- Calendar sync: who registers feeds, how a feed's events block nights (and release, move and conflict), and the
-- export feed behind a secret token.
begin;
set local search_path = extensions, public;
select plan(81);

select tests.create_user('hana');   -- host
select tests.create_user('omar');   -- another host
select tests.create_user('gus');    -- guest
select tests.create_admin('root');
select tests.create_property(tests.user('hana'), 'Sync loft', 'Pacific/Auckland', latitude => -41.29, longitude => 174.78);
select tests.create_property(tests.user('hana'), 'Sync draft', 'UTC', status => 'draft');
select tests.create_property(tests.user('omar'), 'Omar house', 'UTC');

-- Dates relative to today in Auckland; events as the sync sends them; what a listing's imported events claim.
create function pg_temp.d(days integer) returns date
language sql stable as $$ select tests.local_today('Pacific/Auckland') + days $$;
create function pg_temp.all_day(uid text, first integer, last integer, recurrence_id text default null) returns jsonb
language sql stable
as $$
  select jsonb_strip_nulls(jsonb_build_object('uid', uid, 'recurrence_id', recurrence_id,
    'start', jsonb_build_object('date', pg_temp.d(first)::text), 'end', jsonb_build_object('date', pg_temp.d(last)::text)))
$$;
create function pg_temp.timed(uid text, first_day integer, first_time text, last_day integer, last_time text, zone text) returns jsonb
language sql stable
as $$
  select jsonb_build_object('uid', uid,
    'start', jsonb_build_object('time', pg_temp.d(first_day)::text || 'T' || first_time, 'zone', zone),
    'end', jsonb_build_object('time', pg_temp.d(last_day)::text || 'T' || last_time, 'zone', zone))
$$;
create function pg_temp.rel(nights daterange) returns text
language sql stable as $$ select format('%s..%s', lower(nights) - pg_temp.d(0), upper(nights) - pg_temp.d(0)) $$;
create function pg_temp.imported(listing text) returns text
language sql stable security definer set search_path = ''
as $$
  select coalesce(string_agg(pg_temp.rel(c.nights), ' ' order by lower(c.nights)), '')
    from private.calendar_claims c where c.property_id = tests.property(listing) and c.imported_event_id is not null
$$;
create function pg_temp.apply(feed text, events jsonb) returns jsonb
language plpgsql
as $$
begin
  perform tests.act_as_service();
  return private.apply_calendar_feed(tests.fixture('calendar', feed), events);
end
$$;
create function pg_temp.rename_every_feed(name text) returns integer
language plpgsql
as $$
declare
  changed integer;
begin
  update public.external_calendars set name = rename_every_feed.name;
  get diagnostics changed = row_count;
  return changed;
end
$$;
create function pg_temp.feed(feed text) returns public.external_calendars
language sql stable security definer set search_path = ''
as $$ select f.* from public.external_calendars f where f.id = tests.fixture('calendar', feed) $$;

-- Registering feeds ----------------------------------------------------------------------------------------------
select tests.act_as(tests.user('hana'));
select lives_ok($$ with feed as (insert into public.external_calendars (property_id, name, url)
    values (tests.property('Sync loft'), 'Airbnb', 'webcal://www.airbnb.com/calendar/ical/1.ics?s=secret') returning id)
  select tests.remember('calendar', 'airbnb', (select id from feed)) $$,
  'a host registers another platform''s feed for their listing');
select is((select url from public.external_calendars where id = tests.fixture('calendar', 'airbnb')),
  'https://www.airbnb.com/calendar/ical/1.ics?s=secret', 'a webcal:// feed URL is read as https://');
with feed as (insert into public.external_calendars (property_id, name, url)
  values (tests.property('Sync loft'), 'Vrbo', 'https://www.vrbo.com/icalendar/abc.ics') returning id)
select tests.remember('calendar', 'vrbo', (select id from feed));
select throws_ok($$ insert into public.external_calendars (property_id, name, url)
                    values (tests.property('Sync loft'), 'FTP', 'ftp://example.com/cal.ics') $$,
  '23514', null, 'a feed URL must be http or https (external_calendar_url_is_http)');
select throws_ok($$ insert into public.external_calendars (property_id, name, url)
                    values (tests.property('Sync loft'), 'Creds', 'https://user:pw@example.com/cal.ics') $$,
  '23514', null, 'a feed URL carries no user name or password (external_calendar_url_is_http)');
select throws_ok($$ update public.external_calendars set last_error = null, event_count = 99 where id = tests.fixture('calendar', 'airbnb') $$,
  '42501', null, 'the sync''s columns are the database''s: the host cannot write them');
select throws_ok($$ insert into public.external_calendars (property_id, name, url)
                    values (tests.property('Omar house'), 'Mine now', 'https://example.com/omar.ics') $$,
  '42501', null, 'a host cannot register a feed on someone else''s listing');
select tests.refuses($$ insert into public.external_calendars (property_id, name, url)
    select tests.property('Sync draft'), 'Feed ' || n, 'https://example.com/' || n || '.ics' from generate_series(1, 11) n $$,
  'PT409', 'calendar_limit_reached', 'a listing imports at most 10 calendars');

select tests.act_as(tests.user('omar'));
select is((select count(*)::int from public.external_calendars), 0, 'another host sees none of a host''s feeds (the URLs are secrets)');
select is(pg_temp.rename_every_feed('mine'), 0, 'another host changes none of them');
select tests.act_as(tests.user('root'));
select is((select count(*)::int from public.external_calendars), 0, 'admins do not read feed URLs either');
select tests.act_as_anon();
select throws_ok($$ select count(*) from public.external_calendars $$, '42501', null, 'anon has no access to feeds at all');
select tests.act_as(tests.user('hana'));
select is((select array_agg(name order by name) from public.external_calendars), array['Airbnb', 'Vrbo'],
  'the host reads their own feeds');

-- Applying a feed: nights blocked, and search, quotes and bookings agree ------------------------------------------
select is(pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('res-1@airbnb.com', 10, 13), pg_temp.all_day('na-1@airbnb.com', 20, 22)))
            - 'listing_nights_blocked',
  '{"events": 2, "nights_blocked": 5, "open_conflicts": 0}'::jsonb, 'a feed''s events are applied and counted');
select is(pg_temp.imported('Sync loft'), '10..13 20..22', 'each all-day event blocks its nights, DTEND exclusive');
select is((select (event_count, last_error, last_synced_at = now())::text from pg_temp.feed('airbnb')), '(2,,t)',
  'the feed records the sync time and the number of events, and no error');
select is((public.quote_stay(tests.property('Sync loft'), pg_temp.d(12), pg_temp.d(14), 1)).reason, 'unavailable',
  'a quote over imported nights is not bookable');
select is((public.quote_stay(tests.property('Sync loft'), pg_temp.d(13), pg_temp.d(15), 1)).bookable, true,
  'the check-out day of an imported event is free for the next check-in');
select is((select array_agg(night - pg_temp.d(0) order by night) from public.property_calendar(tests.property('Sync loft'), pg_temp.d(9), pg_temp.d(15))
           where not available), array[10, 11, 12], 'the listing''s calendar shows exactly the imported nights as taken');
select is((select count(*)::int from public.search_properties(pg_temp.d(11), pg_temp.d(12), latitude => -41.29, longitude => 174.78, radius_km => 1)
           where id = tests.property('Sync loft')), 0, 'a search over imported nights no longer finds the listing');
select is((select count(*)::int from public.search_properties(pg_temp.d(14), pg_temp.d(16), latitude => -41.29, longitude => 174.78, radius_km => 1)
           where id = tests.property('Sync loft')), 1, 'a search on free nights still finds it');
select tests.act_as(tests.user('gus'));
select tests.refuses($$ select public.request_booking(tests.property('Sync loft'), pg_temp.d(21), pg_temp.d(23), 1) $$,
  'PT409', 'dates_unavailable', 'a stay over imported nights is refused like any taken night');
select tests.act_as(tests.user('hana'));
select throws_ok($$ insert into public.availability_blocks (property_id, start_date, end_date) values (tests.property('Sync loft'), pg_temp.d(11), pg_temp.d(12)) $$,
  '23P01', null, 'the exclusion constraint protects imported nights from any other claim (nights_already_claimed)');

-- Moving, releasing, changing UIDs --------------------------------------------------------------------------------
select pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('res-1@airbnb.com', 11, 15), pg_temp.all_day('na-1@airbnb.com', 20, 22)));
select is(pg_temp.imported('Sync loft'), '11..15 20..22', 'changed dates move the block (same UID)');
select pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('res-1@airbnb.com', 11, 15)));
select is(pg_temp.imported('Sync loft'), '11..15', 'an event gone from the feed releases its nights');
select is((public.quote_stay(tests.property('Sync loft'), pg_temp.d(20), pg_temp.d(22), 1)).bookable, true,
  'released nights can be booked again');
select pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('res-1-renamed@airbnb.com', 11, 15)));
select is(pg_temp.imported('Sync loft'), '11..15', 'a feed that changes the UID of the same nights keeps them blocked, once');
select is((select count(*)::int from private.imported_events where external_calendar_id = tests.fixture('calendar', 'airbnb')), 1,
  'the old UID is gone: no duplicate event');

-- Failures change nothing -------------------------------------------------------------------------------------------
select tests.act_as_service();
select private.record_calendar_sync_failure(tests.fixture('calendar', 'airbnb'), 'the feed answered HTTP 503');
select is(pg_temp.imported('Sync loft'), '11..15', 'a failed fetch frees nothing');
select is((select (event_count, last_error)::text from pg_temp.feed('airbnb')), '(1,"the feed answered HTTP 503")',
  'a failed fetch records its error and keeps the event count');
select tests.refuses($$ select pg_temp.apply('airbnb', (select jsonb_agg(pg_temp.all_day('e' || n, 30 + n % 300, 31 + n % 300)) from generate_series(1, 5001) n)) $$,
  '22023', 'too_many_events', 'a feed of more than 5,000 events is refused');
select tests.refuses($$ select pg_temp.apply('airbnb', jsonb_build_array(jsonb_build_object('start', jsonb_build_object('date', '2030-01-01'), 'end', jsonb_build_object('date', '2030-01-02')))) $$,
  '22023', 'invalid_event', 'an event without a UID is refused');
select tests.refuses($$ select pg_temp.apply('airbnb', jsonb_build_array(jsonb_build_object('uid', 'x', 'start', jsonb_build_object('date', '2030-02-30'), 'end', jsonb_build_object('date', '2030-03-02')))) $$,
  '22023', 'invalid_event', 'an event with an impossible date is refused');
select tests.refuses($$ select pg_temp.apply('airbnb', jsonb_build_array(jsonb_build_object('uid', 'x', 'start', jsonb_build_object('time', 'soon'), 'end', jsonb_build_object('date', '2030-03-02')))) $$,
  '22023', 'invalid_event', 'an event with an unreadable date-time is refused');
select tests.refuses($$ select pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('same', 40, 42), pg_temp.all_day('same', 50, 52))) $$,
  '22023', 'duplicate_uid', 'two different events under one UID are refused');
select tests.refuses($$ select pg_temp.apply('airbnb', '{"events": []}') $$,
  '22023', 'invalid_events', 'events must be an array');
select is(pg_temp.imported('Sync loft'), '11..15', 'a refused feed changes nothing');
select is(pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('dup', 40, 42), pg_temp.all_day('dup', 40, 42))) ->> 'events', '1',
  'an event repeated word for word is kept once');

-- Dates --------------------------------------------------------------------------------------------------------------
select pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('past', -10, -5), pg_temp.all_day('ongoing', -3, 2)));
select is(pg_temp.imported('Sync loft'), '0..2', 'past events are ignored and an ongoing one blocks from today');
select pg_temp.apply('airbnb', jsonb_build_array(
  -- 20:00 UTC is 08:00 or 09:00 the next day in Auckland; 22:00 UTC three days later is before the 15:00 check-in.
  pg_temp.timed('utc', 30, '20:00:00', 33, '22:00:00', 'UTC'),
  -- Floating time is the listing's local time; ending after check-in (15:00) blocks the end date's night too.
  pg_temp.timed('floating', 40, '16:00:00', 42, '18:00:00', null),
  -- A zone the feed names but does not define is read as that IANA zone: noon in New York is the next morning here.
  pg_temp.timed('new-york', 50, '12:00:00', 51, '12:00:00', 'America/New_York'),
  -- An unknown zone name counts as floating; a same-day event blocks its night.
  pg_temp.timed('nowhere', 60, '09:00:00', 60, '12:00:00', 'Mars/Olympus_Mons')));
select is(pg_temp.imported('Sync loft'), '31..34 40..43 51..52 60..61',
  'date-time events become nights in the listing''s time zone (UTC, floating, a named zone, an unknown zone)');
select pg_temp.apply('airbnb', jsonb_build_array(
  pg_temp.all_day('weekly', 7, 8, '20270101'), pg_temp.all_day('weekly', 364, 365, '20280101'), pg_temp.all_day('weekly', 366, 367, '20280102'),
  pg_temp.all_day('one-off-far', 500, 503)));
select is(pg_temp.imported('Sync loft'), '7..8 364..365 500..503',
  'occurrences of a recurring event beyond the 365-day booking window are dropped; a single far event is kept');

-- Conflicts with bookings here ---------------------------------------------------------------------------------------
select pg_temp.apply('airbnb', '[]');
select is(pg_temp.imported('Sync loft'), '', 'a calendar with no events releases every night of the feed');
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'stay', (public.request_booking(tests.property('Sync loft'), pg_temp.d(70), pg_temp.d(73), 2)).id);
select tests.act_as_service();
select public.confirm_booking_payment(tests.booking('stay'), (select total_cents from public.bookings where id = tests.booking('stay')), 'NZD');
select is(pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('clash@airbnb.com', 68, 75))) ->> 'open_conflicts', '1',
  'an imported event over a confirmed booking is recorded as a conflict');
select is((select status::text from public.bookings where id = tests.booking('stay')), 'confirmed',
  'the booking here stands: an import never cancels it');
select is(pg_temp.imported('Sync loft'), '68..70 73..75', 'the rest of the event still blocks');
select is((select format('%s %s %s', event_uid, pg_temp.rel(nights), case when resolved_at is null then 'open' else 'resolved' end) from public.calendar_conflicts
           where booking_id = tests.booking('stay')),
  'clash@airbnb.com 70..73 open', 'the conflict names the event, the booking and the nights both claim');
select pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('clash@airbnb.com', 68, 75)));
select tests.act_as(tests.user('hana'));
select is((select count(*)::int from public.calendar_conflicts where property_id = tests.property('Sync loft')), 1,
  'the host sees the conflicts of their listing');
select is((select format('%s: %s, %s', n.kind, n.data ->> 'calendar_name', (n.data -> 'conflict_nights' = jsonb_build_array(pg_temp.d(70), pg_temp.d(73)))::text)
             from public.notifications n where n.kind = 'calendar_conflict' and n.booking_id = tests.booking('stay')),
  'calendar_conflict: Airbnb, true', 'the host is notified of the conflict once, with the feed and the nights, however often the feed syncs');
select tests.act_as_owner();
select is((select count(*)::int from private.email_outbox o join public.notifications n on n.id = o.notification_id
            where n.kind = 'calendar_conflict' and o.recipient_id = tests.user('hana') and o.subject like 'Calendar conflict at %'),
  1, 'and by e-mail');
select tests.act_as(tests.user('omar'));
select is((select count(*)::int from public.calendar_conflicts), 0, 'nobody else sees them');
select tests.act_as(tests.user('gus'));
select is((select count(*)::int from public.calendar_conflicts), 0, 'not even the booking''s guest');
select public.cancel_booking(tests.booking('stay'), 'plans changed');
select is(pg_temp.imported('Sync loft'), '68..75', 'nights a cancelled booking gives back go to the imported event over them at once');
select tests.act_as(tests.user('hana'));
select is((select resolved_at is not null from public.calendar_conflicts where booking_id = tests.booking('stay')), true,
  'the conflict is resolved when the booking ends');
select is(pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('clash@airbnb.com', 68, 75))) ->> 'open_conflicts', '0',
  'the next sync reports no open conflict');

-- Two feeds over the same nights, and host blocks ------------------------------------------------------------------
select pg_temp.apply('vrbo', jsonb_build_array(pg_temp.all_day('vrbo-1', 72, 80)));
select is((select format('%s, %s nights', pg_temp.rel(range_merge(range_agg(nights))), sum(upper(nights) - lower(nights)))
           from private.calendar_claims where property_id = tests.property('Sync loft') and imported_event_id is not null),
  '68..80, 12 nights', 'a night two feeds share is claimed once');
select pg_temp.apply('airbnb', '[]');
select is(pg_temp.imported('Sync loft'), '72..80', 'when one feed drops it, the other feed''s event claims it in the same sync');
select tests.act_as(tests.user('hana'));
select lives_ok($$ insert into public.availability_blocks (property_id, start_date, end_date) values (tests.property('Sync loft'), pg_temp.d(90), pg_temp.d(95)) $$,
  'the host blocks nights of their own');
select pg_temp.apply('airbnb', jsonb_build_array(pg_temp.all_day('over-block', 88, 92)));
select is(pg_temp.imported('Sync loft'), '72..80 88..90', 'an imported event over a host block claims only the nights around it');
select is((select count(*)::int from public.calendar_conflicts where external_calendar_id = tests.fixture('calendar', 'airbnb') and resolved_at is null), 0,
  'overlapping a host block is not a conflict (both say the nights are taken)');
select tests.act_as(tests.user('hana'));
delete from public.availability_blocks where property_id = tests.property('Sync loft');
select is(pg_temp.imported('Sync loft'), '72..80 88..92', 'a removed block lets the imported event claim its nights');
select lives_ok($$ delete from public.external_calendars where id = tests.fixture('calendar', 'vrbo') $$,
  'the host removes a feed');
select is(pg_temp.imported('Sync loft'), '88..92', 'a removed feed releases its nights');

-- The sync's queue ------------------------------------------------------------------------------------------------
select tests.act_as_owner();
update public.external_calendars set last_attempted_at = null where id = tests.fixture('calendar', 'airbnb');
select tests.act_as_service();
select is((select count(*)::int from private.calendars_to_sync(100) where id = tests.fixture('calendar', 'airbnb')), 1,
  'a feed never attempted is due');
select is((select count(*)::int from private.calendars_to_sync(100) where id = tests.fixture('calendar', 'airbnb')), 0,
  'a feed just handed to a run is not handed to an overlapping one');
select is((select (url, expand_until - today)::text from private.calendars_to_sync(1, array[tests.fixture('calendar', 'airbnb')])),
  '(https://www.airbnb.com/calendar/ical/1.ics?s=secret,365)', 'a named feed is handed out at once, with its booking window');
select tests.act_as(tests.user('hana'));
update public.external_calendars set url = 'https://www.airbnb.com/calendar/ical/2.ics' where id = tests.fixture('calendar', 'airbnb');
select is((select (last_attempted_at, last_error)::text from public.external_calendars where id = tests.fixture('calendar', 'airbnb')), '(,)',
  'a changed URL is due at the next sync, with no old error');
select is(pg_temp.imported('Sync loft'), '88..92', 'and its nights stay blocked until the new URL syncs');
select tests.act_as_owner();
select is(private.request_calendar_sync(), null, 'without pg_net and the Vault secrets, the scheduled job asks for nothing (and warns)');
select is((select schedule || ' | ' || command from private.job_schedules where job_name = 'sync-external-calendars'),
  '*/15 * * * * | select private.request_calendar_sync()', 'the sync is scheduled every 15 minutes');
select lives_ok($$ delete from public.properties where id = tests.property('Sync draft') $$,
  'a listing with feeds and imported nights can still be deleted (its feeds, events and claims go with it)');

-- The export feed --------------------------------------------------------------------------------------------------
create temporary table links (handle text, token text, feed_url text) on commit drop;
grant all on links to public;
create function pg_temp.token(handle text) returns text
language sql stable as $$ select l.token from links l where l.handle = token.handle $$;
select tests.act_as_anon();
select throws_ok($$ select public.rotate_calendar_token(tests.property('Sync loft')) $$, '42501', null, 'anon cannot mint a feed token');
select tests.act_as(tests.user('omar'));
select tests.refuses($$ select public.rotate_calendar_token(tests.property('Sync loft')) $$,
  '42501', 'not_listing_host', 'only the listing''s host mints its feed token');
select tests.act_as(tests.user('gus'));
select tests.remember('booking', 'exported', (public.request_booking(tests.property('Sync loft'), pg_temp.d(100), pg_temp.d(103), 2,
  'Hi, I am Gus, call me on +64 21 555 0100')).id);
select tests.act_as(tests.user('hana'));
insert into public.availability_blocks (property_id, start_date, end_date, note) values (tests.property('Sync loft'), pg_temp.d(110), pg_temp.d(112), 'painting');
insert into links select 'first', * from public.rotate_calendar_token(tests.property('Sync loft'));
select tests.act_as_owner();
select matches(pg_temp.token('first'), '^[A-Za-z0-9_-]{43}$', 'the host gets a 256-bit token, once');
select is((select feed_url from links where handle = 'first'),
  coalesce(private.project_url(), '') || '/functions/v1/calendar-feed?token=' || pg_temp.token('first'),
  'and the feed URL on the project''s URL (Vault secret project_url)');
select is((select token_hash from private.calendar_feed_tokens where property_id = tests.property('Sync loft')),
  sha256(convert_to(pg_temp.token('first'), 'UTF8')), 'only the token''s SHA-256 is stored');
select tests.act_as_service();
select is((select jsonb_agg(e - 'stamp') from jsonb_array_elements(private.calendar_feed(pg_temp.token('first')) -> 'events') e),
  jsonb_build_array(
    jsonb_build_object('uid', 'booking-' || tests.booking('exported') || '@staybase', 'start', pg_temp.d(100), 'end', pg_temp.d(103),
                       'summary', 'Reserved'),
    jsonb_build_object('uid', 'block-' || (select id from public.availability_blocks where note = 'painting') || '@staybase',
                       'start', pg_temp.d(110), 'end', pg_temp.d(112), 'summary', 'Not available')),
  'the feed holds the live bookings ("Reserved") and host blocks ("Not available"), never imported nights or cancelled stays');
select unalike(private.calendar_feed(pg_temp.token('first'))::text, '%Gus%',
  'the feed carries nothing about the guest (no name, e-mail, phone or message)');
select is((private.calendar_feed(pg_temp.token('first')) ->> 'name'), 'Sync loft', 'the feed is named after the listing');
select tests.act_as(tests.user('hana'));
insert into links select 'second', * from public.rotate_calendar_token(tests.property('Sync loft'));
select tests.act_as_service();
select is(private.calendar_feed(pg_temp.token('first')), null, 'a rotated token stops working at once');
select isnt(private.calendar_feed(pg_temp.token('second')), null, 'the new token works');
select is(private.calendar_feed(repeat('A', 43)), null, 'a wrong token opens nothing');
select is(private.calendar_feed('not a token'), null, 'a malformed token opens nothing');

select * from finish();
rollback;
