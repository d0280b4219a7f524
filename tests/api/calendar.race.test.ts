// Imported nights under real concurrency, on the PostgreSQL server: syncs of a feed race guests booking (and then
// cancelling) the nights it blocks. Whatever the interleaving, no night is claimed twice, every night of the feed's
// event ends up held by a booking or by the import, every booking that won has its conflict recorded, and a
// cancellation hands its nights to the import in its own transaction.
// Runs on the server only (vitest.config.ts): PGlite serves one session and cannot run transactions concurrently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createUser, type TestUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';

const GUESTS = 20;
const SYNCS = 5;
let guests: TestUser[];
let host: TestUser;
let sql: postgres.Sql;

beforeAll(async () => {
  host = await createUser('sync-race-host');
  guests = await Promise.all(Array.from({ length: GUESTS }, (_, i) => createUser(`sync-racer${i}`)));
  sql = database({ max: GUESTS + SYNCS, prepare: false });
  await Promise.all(Array.from({ length: GUESTS + SYNCS }, () => sql.begin((tx) => tx`select pg_sleep(0.05)`)));
});
afterAll(() => sql.end());

const event = { uid: 'race@example.com', start: { date: daysFromToday(10) }, end: { date: daysFromToday(10 + GUESTS) } };

async function asGuest(guest: TestUser, work: (tx: postgres.TransactionSql) => Promise<unknown>) {
  return await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: guest.id, role: 'authenticated' })}, true),
                    set_config('role', 'authenticated', true)`;
    return await work(tx);
  });
}

async function applyFeed(calendarId: string) {
  return await sql.begin(async (tx) => {
    await tx`set local role service_role`;
    await tx`select private.apply_calendar_feed(${calendarId}::uuid, ${tx.json([event])})`;
  });
}

/** Claims on the listing: overlapping pairs, nights held, and nights by source. */
async function claims(listingId: string) {
  const [row] = await sql<{ overlaps: number; held: string; imported: number; booked: number }[]>`
    select (select count(*)::int from private.calendar_claims a join private.calendar_claims b
              on a.property_id = b.property_id and a.id < b.id and a.nights && b.nights
             where a.property_id = ${listingId}) as overlaps,
           (select range_agg(nights)::text from private.calendar_claims where property_id = ${listingId}) as held,
           (select coalesce(sum(upper(nights) - lower(nights)), 0)::int from private.calendar_claims
             where property_id = ${listingId} and imported_event_id is not null) as imported,
           (select coalesce(sum(upper(nights) - lower(nights)), 0)::int from private.calendar_claims
             where property_id = ${listingId} and booking_id is not null) as booked`;
  return row!;
}

async function openConflicts(listingId: string): Promise<string[]> {
  const rows = await sql<{ booking_id: string }[]>`
    select booking_id from public.calendar_conflicts where property_id = ${listingId} and resolved_at is null order by booking_id`;
  return rows.map((r) => r.booking_id);
}

describe(`${SYNCS} syncs racing ${GUESTS} guests over the nights of one imported event`, () => {
  let listingId: string;
  let calendarId: string;
  const won: string[] = [];

  it('booking: no night claimed twice, every night held by a booking or the import, every winning booking a conflict', async () => {
    listingId = await createListing(host.id);
    const [feed] = await sql<{ id: string }[]>`
      insert into public.external_calendars (property_id, name, url) values (${listingId}, 'Race', 'https://example.com/race.ics') returning id`;
    calendarId = feed!.id;
    const outcomes = await Promise.allSettled([
      ...guests.map((guest, i) => asGuest(guest, async (tx) => {
        const [row] = await tx<{ id: string }[]>`
          select (public.request_booking(${listingId}, ${daysFromToday(10 + i)}, ${daysFromToday(11 + i)}, 1)).id as id`;
        return row!.id;
      })),
      ...Array.from({ length: SYNCS }, () => applyFeed(calendarId)),
    ]);
    const bookings = outcomes.slice(0, GUESTS);
    const syncs = outcomes.slice(GUESTS);
    // A sync that loses every round of the race gives up (a deadlock or the exclusion constraint): it changes
    // nothing, and the sync function records it and tries again at the next run, as the one below does.
    for (const sync of syncs) {
      if (sync.status === 'rejected') expect(['40P01', '23P01']).toContain((sync.reason as postgres.PostgresError).code);
    }
    for (const b of bookings) {
      if (b.status === 'fulfilled') won.push(b.value as string);
      else expect((b.reason as postgres.PostgresError).hint).toBe('dates_unavailable');
    }
    expect((await claims(listingId)).overlaps).toBe(0);
    await applyFeed(calendarId);
    const after = await claims(listingId);
    expect(after.overlaps).toBe(0);
    expect(after.held).toBe(`{[${daysFromToday(10)},${daysFromToday(10 + GUESTS)})}`);
    expect(after.booked).toBe(won.length);
    expect(after.imported).toBe(GUESTS - won.length);
    expect(await openConflicts(listingId)).toEqual([...won].sort());
  });

  it('cancelling: the nights each cancelled booking gives back go to the import, whatever syncs run meanwhile', async () => {
    const rows = await sql<{ id: string; guest_id: string }[]>`select id, guest_id from public.bookings where id = any (${won}::uuid[])`;
    const owners = new Map(rows.map((row) => [row.id, guests.find((g) => g.id === row.guest_id)!]));
    const outcomes = await Promise.allSettled([
      ...won.map((id) => asGuest(owners.get(id)!, (tx) => tx`select public.cancel_booking(${id})`)),
      ...Array.from({ length: SYNCS }, () => applyFeed(calendarId)),
    ]);
    // Cancelling never fails because of a sync; the nights go to the import in the cancelling transaction.
    expect(outcomes.slice(0, won.length).map((o) => o.status)).toEqual(Array(won.length).fill('fulfilled'));
    const after = await claims(listingId);
    expect(after.overlaps).toBe(0);
    expect(after.held).toBe(`{[${daysFromToday(10)},${daysFromToday(10 + GUESTS)})}`);
    expect(after.imported).toBe(GUESTS);
    expect(await openConflicts(listingId)).toEqual([]);
  });
});
