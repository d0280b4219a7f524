// Reads on a read replica. Hosted Supabase sends GET /rest/v1 to read replicas and everything else to the primary,
// so every read a frontend makes must answer as a GET on a hot standby, and every write must reach the primary.
// Runs when the stack has a standby (DATABASE_REPLICA_URL; .ci/run makes one with pg_basebackup); skipped otherwise,
// or failed under STAYBASE_REQUIRE_REPLICA=1 (.ci/run's server run), so CI never passes by skipping.
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from 'vitest';
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import type { Database } from '../../types/database.ts';
import { createUser, type TestUser } from '../support/clients.ts';
import { env } from '../support/env.ts';

const replica = {
  dbUrl: process.env.STAYBASE_TEST_REPLICA_DB_URL,
  restUrl: process.env.STAYBASE_TEST_REPLICA_REST_URL,
  apiUrl: process.env.STAYBASE_TEST_REPLICA_API_URL,
};

function needsReplica(context: TestContext) {
  if (replica.apiUrl) return;
  const reason = 'no read replica: set DATABASE_REPLICA_URL to a hot standby of DATABASE_URL (.ci/standby makes one)';
  if (process.env.STAYBASE_REQUIRE_REPLICA === '1') throw new Error(`${reason}, and STAYBASE_REQUIRE_REPLICA=1 requires it`);
  context.skip(reason);
}

/** A request through the gateway that routes reads to the replica; says which upstream served it. */
async function throughGateway(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const response = await fetch(`${replica.apiUrl}/rest/v1/${path}`, {
    method: init.method ?? 'GET',
    headers: {
      apikey: env.anonKey,
      authorization: `Bearer ${init.token ?? env.anonKey}`,
      'content-type': 'application/json',
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, upstream: response.headers.get('x-staybase-upstream'), body: await response.json() };
}

function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe('read replica', () => {
  let guest: TestUser;
  let listingId: string;

  beforeAll(async () => {
    if (!replica.apiUrl) return;
    guest = await createUser('replica-guest');
    const sql = postgres(env.databaseUrl, { prepare: false, max: 1, onnotice: () => {} });
    try {
      [{ id: listingId }] = await sql`select id from public.properties where status = 'published' and not instant_book order by id limit 1`;
    } finally {
      await sql.end();
    }
  });

  it('is a hot standby of the database under test', async (context) => {
    needsReplica(context);
    const sql = postgres(replica.dbUrl!, { prepare: false, max: 1, onnotice: () => {} });
    try {
      const rows = await sql`select pg_is_in_recovery() as standby, current_database() as name`;
      expect(rows).toEqual([{ standby: true, name: new URL(env.databaseUrl).pathname.slice(1) }]);
    } finally {
      await sql.end();
    }
  });

  it('answers every read path a frontend uses as a GET on the standby', async (context) => {
    needsReplica(context);
    const stay = `check_in=${daysFromNow(250)}&check_out=${daysFromNow(253)}`;
    const reads: Array<[string, string | undefined]> = [
      ['properties?select=id,title,city&status=eq.published&limit=5', undefined],
      ['property_photos?select=storage_path&limit=5', undefined],
      ['property_amenities?select=amenity_code&limit=5', undefined],
      ['seasonal_rates?select=id&limit=5', undefined],
      ['amenities?select=code', undefined],
      ['currencies?select=code', undefined],
      ['profiles?select=id,display_name&limit=5', undefined],
      ['public_reviews?select=id,rating&limit=5', undefined],
      ['bookings?select=id,status&limit=5', guest.token],
      ['booking_payments?select=booking_id&limit=5', guest.token],
      ['availability_blocks?select=id&limit=5', guest.token],
      [`rpc/search_properties?${stay}&guests=2&latitude=48.8566&longitude=2.3522&radius_km=50`, undefined],
      [`rpc/search_properties?sort=price_asc&page_size=5&amenities={wifi}`, undefined],
      [`rpc/quote_stay?property_id=${listingId}&${stay}&guests=2`, undefined],
      [`rpc/property_calendar?property_id=${listingId}&from_date=${daysFromNow(10)}&to_date=${daysFromNow(40)}`, undefined],
    ];
    for (const [path, token] of reads) {
      const { status, upstream, body } = await throughGateway(path, { token });
      expect({ path, status, upstream }, JSON.stringify(body)).toEqual({ path, status: 200, upstream: 'replica' });
    }
  });

  it('serves supabase-js reads sent as GET (rpc with { get: true }) from the standby', async (context) => {
    needsReplica(context);
    const client = createClient<Database>(replica.apiUrl!, env.anonKey, {
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: ws as never },
    });
    const { data, error } = await client.rpc('search_properties', { sort: 'price_asc', page_size: 3 }, { get: true });
    expect(error).toBeNull();
    expect(data!.length).toBe(3);
  });

  it('refuses a write on the standby, and the gateway sends the same write to the primary', async (context) => {
    needsReplica(context);
    const booking = { property_id: listingId, check_in: daysFromNow(340), check_out: daysFromNow(342), guests: 1 };  // within the booking window
    const onStandby = await fetch(`${replica.restUrl}/rpc/request_booking`, {
      method: 'POST',
      headers: { authorization: `Bearer ${guest.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(booking),
    });
    // PostgREST opens a read-write transaction for a POST or PATCH, which a standby refuses outright.
    const readOnly = { code: '0A000', message: 'cannot set transaction read-write mode during recovery' };
    const refusal = await onStandby.json();
    expect(onStandby.status).toBeGreaterThanOrEqual(400);
    expect({ code: refusal.code, message: refusal.message }).toEqual(readOnly);
    const profileEdit = await fetch(`${replica.restUrl}/profiles?id=eq.${guest.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${guest.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ bio: 'written on a standby' }),
    });
    const editRefusal = await profileEdit.json();
    expect({ code: editRefusal.code, message: editRefusal.message }).toEqual(readOnly);

    const onPrimary = await throughGateway('rpc/request_booking', { method: 'POST', token: guest.token, body: booking });
    expect({ status: onPrimary.status, upstream: onPrimary.upstream }, JSON.stringify(onPrimary.body)).toEqual({ status: 200, upstream: 'primary' });

    // The standby shows the booking once it has replayed it: a page that must read its own write reads the primary.
    const deadline = Date.now() + 10_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const { body } = await throughGateway(`bookings?select=id&id=eq.${onPrimary.body.id}`, { token: guest.token });
      seen = Array.isArray(body) && body.length === 1;
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen).toBe(true);
  });
});
