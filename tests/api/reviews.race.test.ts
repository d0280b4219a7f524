// Exact aggregates under real concurrency on the PostgreSQL server: many publications for the same listing and the
// same host at the same instant, both sides of one stay at once, and the publication job racing the submissions.
// After each race the incremental aggregates must equal the rebuild (private.recompute_review_aggregates() finds
// nothing to correct). Runs on the server only (vitest.config.ts): PGlite runs one transaction at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { clientAs, createUser, type TestUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { createCompletedStay, createListing } from '../support/fixtures.ts';

// 24 connections: the server allows 100, and the bookings race (50) and PostgREST's pool may run alongside.
const CLIENTS = 24;
let host: TestUser;
let guests: TestUser[];
let sql: postgres.Sql;

beforeAll(async () => {
  host = await createUser('race-review-host');
  guests = [];
  // One at a time: each createUser opens a connection, and the connection budget is shared with the bookings race.
  for (let i = 0; i < CLIENTS; i++) guests.push(await createUser(`review-racer${i}`));
  sql = database({ max: CLIENTS, prepare: false });
  await Promise.all(Array.from({ length: CLIENTS }, () => sql.begin((tx) => tx`select pg_sleep(0.05)`)));
});
afterAll(() => sql.end());

const aspects = (n: number) => [1 + (n % 5), 1 + ((n + 1) % 5), 1 + ((n + 2) % 5), 1 + ((n + 3) % 5), 1 + ((n + 4) % 5), 1 + ((n * 3) % 5)];

/** submit_review as `author` in its own transaction, with PostgREST's request context. */
async function submit(author: TestUser, bookingId: string, rating: number, subRatings: number[] | null) {
  await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: author.id, role: 'authenticated' })}, true),
                    set_config('role', 'authenticated', true)`;
    if (subRatings) {
      const [c, a, m, l, i, v] = subRatings;
      await tx`select public.submit_review(${bookingId}, ${rating}, 'Race review', ${c!}, ${a!}, ${m!}, ${l!}, ${i!}, ${v!})`;
    } else {
      await tx`select public.submit_review(${bookingId}, ${rating}, 'Race review')`;
    }
  });
}

async function stays(listingId: string, firstYear: number): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, guest] of guests.entries()) {
    const checkIn = new Date(Date.UTC(firstYear, 0, 1 + 3 * i)).toISOString().slice(0, 10);
    ids.push(await createCompletedStay(listingId, guest.id, { checkIn }));
  }
  return ids;
}

async function listingAggregates(listingId: string) {
  const [row] = await sql<{ rating_count: number; rating_sum: string; value_sum: string; rating_avg: string | null }[]>`
    select rating_count, rating_sum::text, value_sum::text, rating_avg::text from public.properties where id = ${listingId}`;
  return row!;
}

async function recomputeFixes(): Promise<number> {
  const [row] = await sql<{ fixed: number }[]>`select private.recompute_review_aggregates() as fixed`;
  return row!.fixed;
}

describe(`${CLIENTS} concurrent publications`, () => {
  it('hosts publishing every stay of one listing at once: no increment is lost', async () => {
    const listing = await createListing(host.id);
    const bookings = await stays(listing, 2001);
    await Promise.all(bookings.map((id, i) => submit(guests[i]!, id, 1 + (i % 5), aspects(i))));
    expect((await listingAggregates(listing)).rating_count).toBe(0);

    // The race: the host's review of every stay at the same instant, each publishing a pair for the same listing.
    await Promise.all(bookings.map((id, i) => submit(host, id, 1 + ((i * 2) % 5), null)));

    const ratingSum = bookings.reduce((sum, _, i) => sum + 1 + (i % 5), 0);
    const valueSum = bookings.reduce((sum, _, i) => sum + aspects(i)[5]!, 0);
    expect(await listingAggregates(listing)).toEqual({
      rating_count: CLIENTS, rating_sum: String(ratingSum), value_sum: String(valueSum),
      rating_avg: (Math.round((ratingSum / CLIENTS) * 100) / 100).toFixed(2),
    });
    expect(await recomputeFixes()).toBe(0);
  });

  it('guest and host of each stay submitting at the same instant: every pair is published exactly once', async () => {
    const listing = await createListing(host.id);
    const bookings = await stays(listing, 2003);
    // Through PostgREST, as clients do.
    const responses = await Promise.all(bookings.flatMap((id, i) => [
      clientAs(guests[i]!).rpc('submit_review', {
        booking_id: id, rating: 5, comment: 'Both at once',
        cleanliness: 5, accuracy: 5, communication: 5, location: 5, check_in: 5, value: 5,
      }),
      clientAs(host).rpc('submit_review', { booking_id: id, rating: 3, comment: 'Both at once' }),
    ]));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const [published] = await sql<{ n: number }[]>`
      select count(*)::int as n from public.reviews where property_id = ${listing} and published_at is not null`;
    expect(published!.n).toBe(2 * CLIENTS);
    expect((await listingAggregates(listing)).rating_count).toBe(CLIENTS);
    expect(await recomputeFixes()).toBe(0);
  });

  it('the job racing submissions and itself: each due review is counted once', async () => {
    const listing = await createListing(host.id);
    const bookings = await stays(listing, 2005);
    // Half the stays get a guest review whose window then closes (due, unstamped); the other half stay open.
    const half = CLIENTS / 2;
    await Promise.all(bookings.slice(0, half).map((id, i) => submit(guests[i]!, id, 4, aspects(i))));
    await sql`update private.review_states s set window_closes_at = now() - interval '1 second'
                from public.reviews r where r.id = s.review_id and r.property_id = ${listing}`;
    await Promise.all([
      ...Array.from({ length: 10 }, () => sql`select private.publish_due_reviews()`),
      ...bookings.slice(half).map((id, i) => submit(guests[half + i]!, id, 2, aspects(i))),
      ...bookings.slice(half).map((id) => submit(host, id, 5, null)),
    ]);
    const aggregates = await listingAggregates(listing);
    expect(aggregates.rating_count).toBe(CLIENTS);
    expect(aggregates.rating_sum).toBe(String(half * 4 + half * 2));
    expect(await recomputeFixes()).toBe(0);
  });
});
