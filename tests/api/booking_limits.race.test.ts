// No hoarding under real concurrency: one guest fires many requests at the same instant, each for a different
// listing, on separate connections to the PostgreSQL server, then through PostgREST. Exactly max_open_requests
// (3) win; every other request gets PT409 too_many_open_requests. Runs on the server only (vitest.config.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { clientAs, createUser, type TestUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';

const REQUESTS = 12;
let hostId: string;
let sql: postgres.Sql;

beforeAll(async () => {
  hostId = (await createUser('limit-host')).id;
  sql = database({ max: REQUESTS, prepare: false });
  // Open every connection before the race, so the requests really start together.
  await Promise.all(Array.from({ length: REQUESTS }, () => sql.begin((tx) => tx`select pg_sleep(0.05)`)));
});
afterAll(() => sql.end());

type Outcome = { ok: true } | { ok: false; code: string; hint: string | undefined };

/** request_booking as `guest`, in its own transaction with PostgREST's request context. */
async function request(guest: TestUser, propertyId: string): Promise<Outcome> {
  try {
    await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: guest.id, role: 'authenticated' })}, true),
                      set_config('role', 'authenticated', true)`;
      await tx`select public.request_booking(${propertyId}, ${daysFromToday(10)}, ${daysFromToday(12)}, 1)`;
    });
    return { ok: true };
  } catch (error) {
    const e = error as postgres.PostgresError;
    return { ok: false, code: e.code, hint: e.hint };
  }
}

async function openRequests(guestId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.bookings
     where guest_id = ${guestId} and status in ('awaiting_host', 'pending_payment') and expires_at > now()`;
  return row!.n;
}

describe(`one guest, ${REQUESTS} concurrent requests for ${REQUESTS} listings`, () => {
  it('on separate connections: exactly 3 win, every other gets PT409 too_many_open_requests', async () => {
    const guest = await createUser('limit-hoarder');
    const listings = await Promise.all(Array.from({ length: REQUESTS }, () => createListing(hostId)));
    const outcomes = await Promise.all(listings.map((listing) => request(guest, listing)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(3);
    expect(outcomes.filter((o) => !o.ok && o.code === 'PT409' && o.hint === 'too_many_open_requests')).toHaveLength(REQUESTS - 3);
    expect(await openRequests(guest.id)).toBe(3);
  });

  it('through PostgREST: exactly three 200s, every other request a 409', async () => {
    const guest = await createUser('limit-hoarder-rest');
    const listings = await Promise.all(Array.from({ length: REQUESTS }, () => createListing(hostId)));
    const responses = await Promise.all(listings.map((listing) => clientAs(guest).rpc('request_booking', {
      property_id: listing, check_in: daysFromToday(10), check_out: daysFromToday(12), guests: 1,
    })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(3);
    expect(responses.filter((r) => r.status === 409 && r.error?.hint === 'too_many_open_requests')).toHaveLength(REQUESTS - 3);
    expect(await openRequests(guest.id)).toBe(3);
  });
});
