// calendar-sync on real Deno through the gateway, fetching feeds shaped like Airbnb's, Vrbo's, Booking.com's and a
// channel manager's from a local server: the nights each feed blocks (as search, quotes and the calendar see them),
// events that move, vanish or change UID, conflicts with bookings here, and hostile or broken feeds, which are
// recorded on the feed and change nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, createUser, type TestUser } from '../support/clients.ts';
import { database, env } from '../support/env.ts';
import { dayFromToday as day, fixture, startFeedServer } from '../support/feed-server.ts';
import { createListing } from '../support/fixtures.ts';

const sql = database();
const feeds = await startFeedServer();
const syncUrl = `${env.apiUrl}/functions/v1/calendar-sync`;

afterAll(async () => {
  await feeds.stop();
  await sql.end();
});

type SyncAnswer = { synced: number; failed: number; calendars: Array<{ calendar_id: string; ok: boolean; events?: number; error?: string; open_conflicts?: number }> };

async function sync(calendarIds: string[], token: string | null = env.serviceRoleKey) {
  const response = await fetch(syncUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ calendar_ids: calendarIds }),
  });
  return { status: response.status, body: (await response.json()) as SyncAnswer & { error?: { code: string } } };
}

async function syncOne(calendarId: string) {
  const { status, body } = await sync([calendarId]);
  expect(status).toBe(200);
  expect(body.calendars).toHaveLength(1);
  return body.calendars[0]!;
}

/** The nights a listing's imported events claim, as "first..check-out" in days from today. */
async function importedNights(listingId: string): Promise<string[]> {
  const rows = await sql<{ nights: string }[]>`
    select (lower(nights) - (now() at time zone 'UTC')::date) || '..' || (upper(nights) - (now() at time zone 'UTC')::date) as nights
      from private.calendar_claims where property_id = ${listingId} and imported_event_id is not null order by lower(nights)`;
  return rows.map((r) => r.nights);
}

/** Nights (days from today) the public calendar shows as taken in [from, to). */
async function takenNights(listingId: string, from: number, to: number): Promise<number[]> {
  const { data, error } = await anonClient().rpc('property_calendar', { property_id: listingId, from_date: day(from), to_date: day(to) });
  expect(error).toBeNull();
  return data!.filter((n) => !n.available).map((n) => Math.round((Date.parse(n.night!) - Date.parse(day(0))) / 86_400_000));
}

async function feedRow(calendarId: string) {
  const [row] = await sql<{ last_synced_at: Date | null; last_error: string | null; event_count: number }[]>`
    select last_synced_at, last_error, event_count from public.external_calendars where id = ${calendarId}`;
  return row!;
}

let place = 0;
/** A host with a published UTC listing of its own, somewhere no other test listing is. */
async function hostWithListing(label: string): Promise<{ host: TestUser; listingId: string; latitude: number; longitude: number }> {
  const host = await createUser(label);
  place += 1;
  const latitude = -70 + place * 0.5;
  const longitude = -150 + (Date.now() % 1000) / 100;
  const listingId = await createListing(host.id, { latitude, longitude, min_nights: 1, max_nights: 30 });
  return { host, listingId, latitude, longitude };
}

async function addFeed(host: TestUser, listingId: string, url: string, name = 'Airbnb'): Promise<string> {
  const { data, error } = await clientAs(host).from('external_calendars').insert({ property_id: listingId, name, url }).select('id').single();
  expect(error).toBeNull();
  return data!.id;
}

describe('calendar-sync: who may run it', () => {
  it('needs the service role key: no token 401, the anon key or a member 403', async () => {
    expect((await sync([crypto.randomUUID()], null)).status).toBe(401);
    const anon = await sync([crypto.randomUUID()], env.anonKey);
    expect(anon.status).toBe(403);
    expect(anon.body.error?.code).toBe('service_role_only');
    const member = await createUser('member');
    expect((await sync([crypto.randomUUID()], member.token)).status).toBe(403);
  });

  it('refuses a body that is not a list of feed ids with 400', async () => {
    const response = await fetch(syncUrl, {
      method: 'POST', headers: { authorization: `Bearer ${env.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ calendar_ids: ['not-a-uuid'] }),
    });
    expect(response.status).toBe(400);
  });
});

describe('calendar-sync: feeds shaped like the platforms\'', () => {
  it('an Airbnb feed blocks exactly its future nights; search, quotes and the calendar agree', async () => {
    const { host, listingId, latitude, longitude } = await hostWithListing('airbnb-host');
    const calendarId = await addFeed(host, listingId, feeds.serve('/airbnb/1.ics', { body: fixture('airbnb.ics') }));
    const result = await syncOne(calendarId);
    expect(result).toMatchObject({ ok: true, events: 2 });
    expect(await importedNights(listingId)).toEqual(['10..13', '20..24']);
    expect(await takenNights(listingId, 0, 30)).toEqual([10, 11, 12, 20, 21, 22, 23]);

    const { data: quote } = await anonClient().rpc('quote_stay', { property_id: listingId, check_in: day(12), check_out: day(14), guests: 1 });
    expect(quote).toMatchObject({ bookable: false, reason: 'unavailable' });
    const { data: free } = await anonClient().rpc('quote_stay', { property_id: listingId, check_in: day(13), check_out: day(15), guests: 1 });
    expect(free!.bookable).toBe(true);
    const near = { latitude, longitude, radius_km: 1 };
    const blocked = await anonClient().rpc('search_properties', { check_in: day(11), check_out: day(12), ...near });
    expect(blocked.data!.map((r) => r.id)).not.toContain(listingId);
    const open = await anonClient().rpc('search_properties', { check_in: day(14), check_out: day(16), ...near });
    expect(open.data!.map((r) => r.id)).toContain(listingId);

    const { data: rows } = await clientAs(host).from('external_calendars').select('last_synced_at, last_error, event_count').eq('id', calendarId);
    expect(rows).toHaveLength(1);
    expect(rows![0]).toMatchObject({ last_error: null, event_count: 2 });
    expect(Date.parse(rows![0]!.last_synced_at!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a Vrbo feed: DURATION instead of DTEND, "Reserved - Name" and "Blocked"', async () => {
    const { host, listingId } = await hostWithListing('vrbo-host');
    const calendarId = await addFeed(host, listingId, feeds.serve('/vrbo/1.ics', { body: fixture('vrbo.ics') }), 'Vrbo');
    expect(await syncOne(calendarId)).toMatchObject({ ok: true, events: 2 });
    expect(await importedNights(listingId)).toEqual(['30..34', '40..42']);
  });

  it('a Booking.com feed ("CLOSED - Not available")', async () => {
    const { host, listingId } = await hostWithListing('booking-host');
    const calendarId = await addFeed(host, listingId, feeds.serve('/booking/1.ics', { body: fixture('booking-com.ics') }), 'Booking.com');
    expect(await syncOne(calendarId)).toMatchObject({ ok: true, events: 2 });
    expect(await importedNights(listingId)).toEqual(['50..53', '55..56']);
  });

  it('a channel manager\'s feed: recurrences (EXDATE, a moved occurrence), date-times in UTC and in a zone the feed defines, a cancelled event', async () => {
    const { host, listingId } = await hostWithListing('channel-host');
    const calendarId = await addFeed(host, listingId, feeds.serve('/channel/1.ics', { body: fixture('channel-manager.ics') }), 'Channel manager');
    expect((await syncOne(calendarId)).ok).toBe(true);
    // The yearly event: each New Year's Day within the 365-day window.
    const newYears: string[] = [];
    for (let d = 0; d <= 365; d++) if (day(d).endsWith('-01-01')) newYears.push(`${d}..${d + 1}`);
    const expected = [...newYears, '60..61', '75..77', '81..82', '90..92', '99..101'];
    expect(await importedNights(listingId)).toEqual(expected.sort((a, b) => parseInt(a) - parseInt(b)));
  });
});

describe('calendar-sync: feeds that change', () => {
  it('a removed event frees its nights, a moved one moves, and a feed that changes UIDs keeps the same nights blocked once', async () => {
    const { host, listingId } = await hostWithListing('changing-host');
    const path = '/changing/1.ics';
    const calendarId = await addFeed(host, listingId, feeds.serve(path, { body: fixture('airbnb.ics') }));
    await syncOne(calendarId);
    expect(await importedNights(listingId)).toEqual(['10..13', '20..24']);

    // The reservation is cancelled on Airbnb: its event leaves the feed.
    const withoutReservation = fixture('airbnb.ics').replace(/BEGIN:VEVENT\r\nDTEND;VALUE=DATE:\d+\r\nDTSTART;VALUE=DATE:\d+\r\nUID:1418fb94e984-5f1d[\s\S]*?END:VEVENT\r\n/, '');
    feeds.serve(path, { body: withoutReservation });
    expect(await syncOne(calendarId)).toMatchObject({ ok: true, events: 1 });
    expect(await importedNights(listingId)).toEqual(['20..24']);
    expect(await takenNights(listingId, 9, 14)).toEqual([]);

    // The block is shortened: same UID, new dates.
    feeds.serve(path, { body: withoutReservation.replace(`DTEND;VALUE=DATE:${day(24, true)}`, `DTEND;VALUE=DATE:${day(22, true)}`) });
    await syncOne(calendarId);
    expect(await importedNights(listingId)).toEqual(['20..22']);

    // Every UID changes, the nights do not.
    feeds.serve(path, { body: withoutReservation.replace(`DTEND;VALUE=DATE:${day(24, true)}`, `DTEND;VALUE=DATE:${day(22, true)}`).replace(/UID:[^\r]+/g, (uid) => `${uid}-v2`) });
    expect(await syncOne(calendarId)).toMatchObject({ ok: true, events: 1 });
    expect(await importedNights(listingId)).toEqual(['20..22']);
  });

  it('an event over a confirmed booking here is a conflict the host sees; the booking stands and the rest still blocks', async () => {
    const { host, listingId } = await hostWithListing('conflict-host');
    const guest = await createUser('conflict-guest');
    const { data: booking, error } = await clientAs(guest).rpc('request_booking', { property_id: listingId, check_in: day(11), check_out: day(12), guests: 1 });
    expect(error).toBeNull();
    await sql`select public.confirm_booking_payment(${booking!.id}, ${booking!.total_cents}, ${booking!.currency})`;

    const calendarId = await addFeed(host, listingId, feeds.serve('/conflict/1.ics', { body: fixture('airbnb.ics') }));
    expect(await syncOne(calendarId)).toMatchObject({ ok: true, events: 2, open_conflicts: 1 });
    const [after] = await sql<{ status: string }[]>`select status from public.bookings where id = ${booking!.id}`;
    expect(after!.status).toBe('confirmed');
    expect(await importedNights(listingId)).toEqual(['10..11', '12..13', '20..24']);

    const { data: conflicts } = await clientAs(host).from('calendar_conflicts').select('booking_id, external_calendar_id, nights, resolved_at');
    expect(conflicts).toEqual([{ booking_id: booking!.id, external_calendar_id: calendarId, nights: `[${day(11)},${day(12)})`, resolved_at: null }]);
    const { data: seenByGuest } = await clientAs(guest).from('calendar_conflicts').select('id');
    expect(seenByGuest).toEqual([]);
  });
});

describe('calendar-sync: broken and hostile feeds change nothing', () => {
  let host: TestUser;
  let listingId: string;
  let calendarId: string;
  const path = '/hostile/feed.ics';
  let syncedAt: Date | null = null;

  beforeAll(async () => {
    ({ host, listingId } = await hostWithListing('hostile-host'));
    calendarId = await addFeed(host, listingId, feeds.serve(path, { body: fixture('airbnb.ics') }));
    await syncOne(calendarId);
    syncedAt = (await feedRow(calendarId)).last_synced_at;
  });

  // `count` events, written in chunks of 500 so that the bytes arrive at network speed.
  const many = (count: number) => function* () {
    yield 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hostile//EN\r\n';
    for (let first = 0; first < count; first += 500) {
      let chunk = '';
      for (let i = first; i < Math.min(first + 500, count); i++) {
        chunk += `BEGIN:VEVENT\r\nUID:e${i}@hostile\r\nDTSTART;VALUE=DATE:${day(100 + (i % 200), true)}\r\nDTEND;VALUE=DATE:${day(101 + (i % 200), true)}\r\nEND:VEVENT\r\n`;
      }
      yield chunk;
    }
    yield 'END:VCALENDAR\r\n';
  };
  const rule = (rrule: string) => fixture('airbnb.ics').replace('SUMMARY:Airbnb (Not available)', `SUMMARY:Repeating\r\nRRULE:${rrule}`);
  const binary = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);

  const cases: Array<[string, Parameters<typeof feeds.serve>[1], RegExp]> = [
    ['an HTTP error (the platform is down)', { status: 503, body: 'Service Unavailable', contentType: 'text/plain' }, /HTTP 503/],
    ['an empty body', { body: '' }, /empty/],
    ['a truncated feed', { body: fixture('airbnb.ics').slice(0, 400) }, /truncated/],
    ['a feed cut inside an event', { body: fixture('airbnb.ics').replace(/END:VEVENT\r\nEND:VCALENDAR\r\n$/, 'END:VCALENDAR\r\n') }, /not valid iCalendar/],
    ['a 10 MB feed (declared length)', { body: `BEGIN:VCALENDAR\r\n${'X-PAD:'.padEnd(70, 'x')}\r\n`.repeat(1).padEnd(10 * 1024 * 1024, 'x') }, /larger than/],
    ['a 10 MB feed (streamed, no length)', { stream: function* () { for (let i = 0; i < 160; i++) yield 'x'.repeat(65_536); } }, /larger than/],
    ['a million events', { stream: many(1_000_000) }, /larger than/],
    ['6,000 events within the size limit', { stream: many(6000) }, /6000 events; at most 5000/],
    ['binary bytes', { body: binary, contentType: 'application/octet-stream' }, /not UTF-8|not an iCalendar/],
    ['an HTML page', { body: '<!doctype html><html><body>Sign in</body></html>', contentType: 'text/html; charset=utf-8' }, /served as text\/html/],
    ['a calendar served as JSON', { body: fixture('airbnb.ics'), contentType: 'application/json' }, /served as application\/json/],
    ['garbage lines', { body: 'BEGIN:VCALENDAR\r\nthis is not ical\r\nEND:VCALENDAR\r\n' }, /not valid iCalendar/],
    ['an event without a UID', { body: fixture('airbnb.ics').replace(/UID:7f3f[^\r]+\r\n/, '') }, /no UID/],
    ['an event without DTSTART', { body: fixture('airbnb.ics').replace(/DTSTART;VALUE=DATE:\d+\r\n(UID:7f3f)/, '$1') }, /no DTSTART/],
    ['an unreadable date', { body: fixture('airbnb.ics').replace(/DTEND;VALUE=DATE:\d+(\r\nDTSTART;VALUE=DATE:\d+\r\nUID:7f3f)/, 'DTEND;VALUE=DATE:tomorrow$1') }, /not valid iCalendar/],
    ['a rule that never matches (ical.js would never return)', { body: rule('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30') }, /daily rule limited by BYMONTHDAY/],
    ['a secondly rule', { body: rule('FREQ=SECONDLY') }, /repeats secondly/],
    ['a redirect loop', { status: 302, headers: { location: '/hostile/feed.ics' }, body: '' }, /redirects more than 3 times/],
    ['a feed that never answers', { body: fixture('airbnb.ics'), delayMs: 5000 }, /did not answer within 3 s/],
  ];

  it.each(cases)('%s: the error is recorded, 200, nothing written', async (_, response, error) => {
    feeds.serve(path, response);
    const result = await syncOne(calendarId);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(error);
    const row = await feedRow(calendarId);
    expect(row.last_error).toBe(result.error);
    expect(row.event_count).toBe(2);
    expect(row.last_synced_at).toEqual(syncedAt);
    expect(await importedNights(listingId)).toEqual(['10..13', '20..24']);
  });

  it('the next good fetch clears the error', async () => {
    feeds.serve(path, { body: fixture('airbnb.ics') });
    expect((await syncOne(calendarId)).ok).toBe(true);
    expect((await feedRow(calendarId)).last_error).toBeNull();
  });

  it('a redirect to another feed is followed', async () => {
    feeds.serve('/moved/feed.ics', { body: fixture('vrbo.ics') });
    feeds.serve(path, { status: 301, headers: { location: '/moved/feed.ics' }, body: '' });
    expect(await syncOne(calendarId)).toMatchObject({ ok: true, events: 2 });
    expect(await importedNights(listingId)).toEqual(['30..34', '40..42']);
  });
});

describe('calendar-sync: the addresses a feed URL may reach', () => {
  // The function under test runs with CALENDAR_ALLOW_PRIVATE_URLS=true (the feeds here are on 127.0.0.1), so the
  // check itself runs in a Deno of its own with the setting off.
  it('refuses loopback, private, link-local and non-http addresses unless CALENDAR_ALLOW_PRIVATE_URLS=true', () => {
    const root = join(new URL('../..', import.meta.url).pathname);
    const urls = [
      feeds.url('/airbnb/1.ics'), 'http://localhost:8080/cal.ics', 'http://db.localhost/cal.ics', 'http://intranet/cal.ics',
      'http://10.1.2.3/cal.ics', 'http://172.20.0.1/cal.ics', 'http://192.168.1.1/cal.ics', 'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/cal.ics', 'http://0.0.0.0/cal.ics', 'http://0x7f.1/cal.ics', 'http://2130706433/cal.ics', 'http://[::1]/cal.ics',
      'http://[::ffff:127.0.0.1]/cal.ics', 'http://[fd00::1]/cal.ics', 'http://[fe80::1]/cal.ics', 'ftp://example.com/cal.ics',
      'file:///etc/passwd', 'https://user:secret@example.com/cal.ics', 'http://93.184.216.34/cal.ics', 'https://[2606:4700::1111]/cal.ics',
    ];
    const script = `
      import { checkFeedUrl } from './functions/calendar-sync/fetch-feed.ts';
      const results = {};
      for (const url of ${JSON.stringify(urls)}) {
        try { await checkFeedUrl(url, false); results[url] = 'allowed'; } catch (e) { results[url] = e.name === 'FeedError' ? 'refused' : 'error: ' + e.message; }
      }
      results.allowedWhenPrivate = await checkFeedUrl(${JSON.stringify(feeds.url('/airbnb/1.ics'))}, true).then(() => 'allowed', () => 'refused');
      console.log(JSON.stringify(results));`;
    const run = spawnSync(join(root, 'node_modules', '.bin', 'deno'), ['eval', '--ext=ts', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as Record<string, string>;
    const allowed = new Set(['http://93.184.216.34/cal.ics', 'https://[2606:4700::1111]/cal.ics', 'allowedWhenPrivate']);
    for (const [url, verdict] of Object.entries(results)) expect([url, verdict]).toEqual([url, allowed.has(url) ? 'allowed' : 'refused']);
  });
});
