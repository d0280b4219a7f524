// calendar-feed on real Deno through the gateway: the host mints a secret feed URL, the feed is RFC 5545 text that
// ical.js (the library the sync parses with) reads back, it holds bookings and blocks but nothing about guests and
// no imported nights, a rotated or wrong token gets the same 404, and another listing importing the feed through
// calendar-sync blocks exactly the same nights.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAs, createUser, type TestUser } from '../support/clients.ts';
import { database, env } from '../support/env.ts';
import { dayFromToday as day, fixture, startFeedServer } from '../support/feed-server.ts';
import { createListing } from '../support/fixtures.ts';

const sql = database();
const feeds = await startFeedServer();

afterAll(async () => {
  await feeds.stop();
  await sql.end();
});

async function rotate(host: TestUser, listingId: string) {
  const { data, error } = await clientAs(host).rpc('rotate_calendar_token', { property_id: listingId });
  expect(error).toBeNull();
  return data as { token: string; feed_url: string };
}

async function get(url: string, method = 'GET') {
  const response = await fetch(url, { method });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('calendar-feed', () => {
  let host: TestUser;
  let guest: TestUser;
  let listingId: string;
  let bookingId: string;
  let blockId: string;
  let link: { token: string; feed_url: string };
  const title = 'Ferry terminal flat with a view over the water, the bridge; and the old docks — über quiet';

  beforeAll(async () => {
    host = await createUser('feed-host');
    guest = await createUser('feed-guest', { displayName: 'Gustavo Feedguest' });
    listingId = await createListing(host.id, { title, latitude: 12.5, longitude: -170.25 });
    const { data: booking, error } = await clientAs(guest).rpc('request_booking', {
      property_id: listingId, check_in: day(20), check_out: day(23), guests: 2, message: 'Gustavo here, call +64 21 555 0199',
    });
    expect(error).toBeNull();
    bookingId = booking!.id;
    const { data: block } = await clientAs(host).from('availability_blocks')
      .insert({ property_id: listingId, start_date: day(30), end_date: day(32), note: 'repainting' }).select('id').single();
    blockId = block!.id;
    // Nights imported from another platform: they must not be echoed back.
    const { data: feed } = await clientAs(host).from('external_calendars')
      .insert({ property_id: listingId, name: 'Airbnb', url: feeds.serve('/feed-host/airbnb.ics', { body: fixture('airbnb.ics') }) })
      .select('id').single();
    const sync = await fetch(`${env.apiUrl}/functions/v1/calendar-sync`, {
      method: 'POST', headers: { authorization: `Bearer ${env.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ calendar_ids: [feed!.id] }),
    });
    expect(((await sync.json()) as { synced: number }).synced).toBe(1);
    link = await rotate(host, listingId);
  });

  it('the host gets a secret token and an absolute feed URL', () => {
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.feed_url).toBe(`${env.apiUrl}/functions/v1/calendar-feed?token=${link.token}`);
  });

  it('only the host mints it', async () => {
    const stranger = await createUser('feed-stranger');
    const { error } = await clientAs(stranger).rpc('rotate_calendar_token', { property_id: listingId });
    expect(error).toMatchObject({ code: '42501', hint: 'not_listing_host' });
  });

  it('serves RFC 5545 text: text/calendar, CRLF line endings, lines folded within 75 octets', async () => {
    const { status, type, text } = await get(link.feed_url);
    expect(status).toBe(200);
    expect(type).toBe('text/calendar; charset=utf-8');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    const lines = text.split('\r\n').slice(0, -1);
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(lines.some((line) => line.startsWith(' '))).toBe(true); // the long title was folded
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain('VERSION:2.0');
    expect(lines).toContain(`DTSTART;VALUE=DATE:${day(20, true)}`);
    expect(lines).toContain(`DTEND;VALUE=DATE:${day(23, true)}`);
  });

  it('round-trips through ical.js: one all-day event per booking and block, check-out exclusive, stable UIDs', async () => {
    const calendar = new ICAL.Component(ICAL.parse((await get(link.feed_url)).text));
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe(`${title} (Staybase)`);
    const events = calendar.getAllSubcomponents('vevent').map((component) => new ICAL.Event(component));
    expect(events.map((e) => ({ uid: e.uid, summary: e.summary, start: e.startDate.toString(), end: e.endDate.toString(), allDay: e.startDate.isDate }))).toEqual([
      { uid: `booking-${bookingId}@staybase`, summary: 'Reserved', start: day(20), end: day(23), allDay: true },
      { uid: `block-${blockId}@staybase`, summary: 'Not available', start: day(30), end: day(32), allDay: true },
    ]);
    for (const component of calendar.getAllSubcomponents('vevent')) expect(component.getFirstPropertyValue('dtstamp')).toBeTruthy();
    const again = new ICAL.Component(ICAL.parse((await get(link.feed_url)).text));
    expect(again.getAllSubcomponents('vevent').map((c) => c.getFirstPropertyValue('uid'))).toEqual(events.map((e) => e.uid));
  });

  it('tells nothing about the guest and leaves imported nights out', async () => {
    const { text } = await get(link.feed_url);
    expect(text).not.toMatch(/Gustavo|Feedguest|555 0199|@api\.staybase\.test/);
    expect(text).not.toMatch(/airbnb/i);
    expect(text).not.toContain(day(10, true)); // the imported reservation
  });

  it('a cancelled booking leaves the feed', async () => {
    const other = await createUser('feed-canceller');
    const { data: booking } = await clientAs(other).rpc('request_booking', { property_id: listingId, check_in: day(40), check_out: day(41), guests: 1 });
    expect((await get(link.feed_url)).text).toContain(`booking-${booking!.id}@staybase`);
    await clientAs(other).rpc('cancel_booking', { booking_id: booking!.id });
    expect((await get(link.feed_url)).text).not.toContain(`booking-${booking!.id}@staybase`);
  });

  it('a wrong, malformed or missing token and a rotated one all get the same 404', async () => {
    const base = `${env.apiUrl}/functions/v1/calendar-feed`;
    const wrong = await get(`${base}?token=${'A'.repeat(43)}`);
    expect(wrong.status).toBe(404);
    for (const url of [`${base}?token=short`, base, `${base}?token=${link.token}x`]) {
      expect(await get(url)).toEqual(wrong);
    }
    const rotated = await rotate(host, listingId);
    expect(await get(link.feed_url)).toEqual(wrong);
    expect((await get(rotated.feed_url)).status).toBe(200);
    link = rotated;
  });

  it('answers HEAD like GET, without a body; other methods 405', async () => {
    const head = await get(link.feed_url, 'HEAD');
    expect(head).toMatchObject({ status: 200, type: 'text/calendar; charset=utf-8', text: '' });
    expect((await fetch(link.feed_url, { method: 'POST' })).status).toBe(405);
  });

  it('another listing importing this feed blocks exactly its nights', async () => {
    const other = await createUser('feed-importer');
    const otherListing = await createListing(other.id, { latitude: 12.75, longitude: -170.5 });
    const { data: feed } = await clientAs(other).from('external_calendars')
      .insert({ property_id: otherListing, name: 'Staybase', url: link.feed_url }).select('id').single();
    const response = await fetch(`${env.apiUrl}/functions/v1/calendar-sync`, {
      method: 'POST', headers: { authorization: `Bearer ${env.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ calendar_ids: [feed!.id] }),
    });
    expect(await response.json()).toMatchObject({ synced: 1, failed: 0 });
    const nights = await sql<{ first: string; last: string }[]>`
      select lower(nights)::text as first, upper(nights)::text as last from private.calendar_claims
       where property_id = ${otherListing} and imported_event_id is not null order by 1`;
    expect(nights).toEqual([{ first: day(20), last: day(23) }, { first: day(30), last: day(32) }]);
  });
});
