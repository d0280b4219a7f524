// No double booking under real concurrency: 50 connections to the PostgreSQL server, each a different guest, ask at
// the same instant for the same stay, then for pairwise-overlapping stays, then (through PostgREST) again.
// Runs on the server only (vitest.config.ts): PGlite serves one session and cannot run transactions concurrently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { clientAs, createUser, type TestUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';

const CLIENTS = 50;
let guests: TestUser[];
let hostId: string;
let sql: postgres.Sql;

beforeAll(async () => {
  hostId = (await createUser('race-host')).id;
  guests = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => createUser(`racer${i}`)));
  sql = database({ max: CLIENTS, prepare: false });
  // Open every connection before the race, so the requests really start together.
  await Promise.all(Array.from({ length: CLIENTS }, () => sql.begin((tx) => tx`select pg_sleep(0.05)`)));
});
afterAll(() => sql.end());

type Outcome = { ok: true } | { ok: false; code: string; hint: string | undefined };

/** request_booking as `guest`, in its own transaction with PostgREST's request context. */
async function request(guest: TestUser, propertyId: string, checkIn: string, checkOut: string): Promise<Outcome> {
  try {
    await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: guest.id, role: 'authenticated' })}, true),
                      set_config('role', 'authenticated', true)`;
      await tx`select public.request_booking(${propertyId}, ${checkIn}, ${checkOut}, 1)`;
    });
    return { ok: true };
  } catch (error) {
    const e = error as postgres.PostgresError;
    return { ok: false, code: e.code, hint: e.hint };
  }
}

async function overlappingActiveStays(propertyId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.bookings a join public.bookings b
      on a.property_id = b.property_id and a.id < b.id
     and daterange(a.check_in, a.check_out) && daterange(b.check_in, b.check_out)
    where a.property_id = ${propertyId}
      and a.status in ('awaiting_host', 'pending_payment', 'confirmed', 'completed')
      and b.status in ('awaiting_host', 'pending_payment', 'confirmed', 'completed')`;
  return row!.n;
}

describe(`${CLIENTS} concurrent guests`, () => {
  it('asking for the same stay: exactly one wins, every other gets PT409 dates_unavailable', async () => {
    const listing = await createListing(hostId);
    const outcomes = await Promise.all(guests.map((g) => request(g, listing, daysFromToday(10), daysFromToday(13))));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.code === 'PT409' && o.hint === 'dates_unavailable')).toHaveLength(CLIENTS - 1);
    expect(await overlappingActiveStays(listing)).toBe(0);
  });

  it('asking for pairwise-overlapping stays: exactly one wins', async () => {
    const listing = await createListing(hostId);
    // [d, d+3), [d+1, d+4), [d+2, d+5): every pair shares night d+2.
    const outcomes = await Promise.all(guests.map((g, i) =>
      request(g, listing, daysFromToday(20 + (i % 3)), daysFromToday(23 + (i % 3)))));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.code === 'PT409')).toHaveLength(CLIENTS - 1);
    expect(await overlappingActiveStays(listing)).toBe(0);
  });

  it('through PostgREST: exactly one 200, every other request a 409', async () => {
    const listing = await createListing(hostId);
    const responses = await Promise.all(guests.map((g) => clientAs(g).rpc('request_booking', {
      property_id: listing, check_in: daysFromToday(30), check_out: daysFromToday(32), guests: 1,
    })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409 && r.error?.hint === 'dates_unavailable')).toHaveLength(CLIENTS - 1);
    expect(await overlappingActiveStays(listing)).toBe(0);
  });
});
