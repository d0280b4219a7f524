// A listing's exact place through the real PostgREST and the Storage API: anon and an unrelated member read every
// table and view of the API (listed from the catalogue, so a table added later is covered), call every read RPC
// (listed likewise), and read the listing's photos as a frontend does (Storage's list, signed URLs and the files they
// serve, with their headers), and nothing they get back holds the listing's address, its postal code, or a coordinate pair within 100 m of its exact
// point; the host and a guest with a confirmed booking read the exact place, guests with only an unpaid or a cancelled
// booking do not.
import { beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, createUser, type TestUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';

type Client = ReturnType<typeof anonClient>;
type Point = { latitude: number; longitude: number };

const tag = crypto.randomUUID().slice(0, 8);
// Somewhere no other fixture places a listing, moved at random so that runs beside each other do not meet.
const exact: Point = { latitude: 57.2 + Math.random() * 0.5, longitude: 95.3 + Math.random() * 0.5 };
const address = { address_line: `77 Hidden Mews ${tag}`, postal_code: `HM-${tag.slice(0, 5)}` };

let host: TestUser;
let confirmedGuest: TestUser;
let pendingGuest: TestUser;
let cancelledGuest: TestUser;
let stranger: TestUser;
let listing: string;
let photoPath: string;
const bucket = 'property-photos';

function metresBetween(a: Point, b: Point): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const h = Math.sin(radians(b.latitude - a.latitude) / 2) ** 2
    + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(radians(b.longitude - a.longitude) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * What in `answer` gives the exact place away: the address or postal code anywhere in its text, or two numbers
 * anywhere in it (fields, strings, errors) that make a point within 100 m of the exact one.
 */
function leaks(answer: unknown): string[] {
  const text = JSON.stringify(answer) ?? '';
  const found: string[] = [];
  for (const secret of [address.address_line, address.postal_code]) {
    if (text.toLowerCase().includes(secret.toLowerCase())) found.push(`the text "${secret}"`);
  }
  const numbers = [...text.matchAll(/-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g)].map((match) => Number(match[0]));
  const latitudes = numbers.filter((n) => Math.abs(n - exact.latitude) < 0.001);
  const longitudes = numbers.filter((n) => Math.abs(n - exact.longitude) < 0.001 / Math.cos((exact.latitude * Math.PI) / 180));
  for (const latitude of latitudes) {
    for (const longitude of longitudes) {
      const metres = metresBetween(exact, { latitude, longitude });
      if (metres < 100) found.push(`the point (${latitude}, ${longitude}), ${metres.toFixed(1)} m from the exact one`);
    }
  }
  return found;
}

/** The tables and views of the API (schema public), from the catalogue. */
async function publicRelations(): Promise<string[]> {
  const sql = database({ max: 1 });
  try {
    const rows = await sql<{ name: string }[]>`
      select c.relname as name from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
         and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
       order by 1`;
    return rows.map((row) => row.name);
  } finally {
    await sql.end();
  }
}

/** The read RPCs: functions of schema public that do not write (stable or immutable) and that clients may call. */
async function readRpcs(): Promise<string[]> {
  const sql = database({ max: 1 });
  try {
    const rows = await sql<{ name: string }[]>`
      select distinct p.proname as name from pg_proc p
       where p.pronamespace = 'public'::regnamespace and p.prokind = 'f' and p.provolatile in ('s', 'i')
         and (has_function_privilege('anon', p.oid, 'execute') or has_function_privilege('authenticated', p.oid, 'execute'))
         and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
         and p.prorettype <> 'trigger'::regtype
       order by 1`;
    return rows.map((row) => row.name);
  } finally {
    await sql.end();
  }
}

/** How each read RPC is called here: every shape that could carry the listing's place. A new read RPC must be added. */
function rpcCalls(): Record<string, Record<string, unknown>[]> {
  const stay = { check_in: daysFromToday(60), check_out: daysFromToday(62) };
  return {
    search_properties: [
      { latitude: exact.latitude, longitude: exact.longitude, radius_km: 2 },
      { latitude: exact.latitude, longitude: exact.longitude, radius_km: 2, sort: 'distance', ...stay, guests: 1 },
      { latitude: exact.latitude, longitude: exact.longitude, radius_km: 0.1 },
      { min_latitude: exact.latitude - 0.05, max_latitude: exact.latitude + 0.05, min_longitude: exact.longitude - 0.05,
        max_longitude: exact.longitude + 0.05, sort: 'price_asc' },
      { query: `Hidden ${tag}` },
    ],
    quote_stay: [{ property_id: listing, ...stay, guests: 1 }],
    property_calendar: [{ property_id: listing, from_date: daysFromToday(0), to_date: daysFromToday(90) }],
    message_original: [{ message_id: 1 }],
  };
}

async function everythingReadableBy(client: Client): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  for (const relation of await publicRelations()) {
    const { data, error, status } = await client.from(relation as never).select('*');
    answers[`table ${relation}`] = { status, data, error };
  }
  // The listing with everything PostgREST can embed from it.
  const { data, error } = await client.from('properties').select('*, property_locations(*)').eq('id', listing);
  answers['properties embedding property_locations'] = { data, error };
  // Storage: the folder as Storage lists it, the listing's photos signed, and each file as its signed URL serves it.
  answers['storage list'] = await client.storage.from(bucket).list(listing);
  const photos = await client.from('property_photos').select('storage_path').eq('property_id', listing);
  const signed = await client.storage.from(bucket).createSignedUrls((photos.data ?? []).map((row) => row.storage_path), 60);
  answers['storage createSignedUrls'] = signed;
  for (const entry of signed.data ?? []) {
    if (!entry.signedUrl) continue;
    const file = await fetch(entry.signedUrl);
    answers[`storage file ${entry.path}`] = { status: file.status, headers: Object.fromEntries(file.headers),
                                              body: Buffer.from(await file.arrayBuffer()).toString('latin1') };
  }
  const calls = rpcCalls();
  for (const name of await readRpcs()) {
    for (const args of calls[name] ?? []) {
      const answer = await client.rpc(name as never, args as never);
      answers[`rpc ${name} ${JSON.stringify(args)}`] = { status: answer.status, data: answer.data, error: answer.error };
    }
  }
  return answers;
}

beforeAll(async () => {
  // One at a time: on the embedded database every connection shares one session.
  host = await createUser('place-host');
  confirmedGuest = await createUser('place-confirmed-guest');
  pendingGuest = await createUser('place-pending-guest');
  cancelledGuest = await createUser('place-cancelled-guest');
  stranger = await createUser('place-stranger');
  listing = await createListing(host.id, { title: `Hidden ${tag} loft`, ...exact, ...address });

  // A photo, uploaded as the frontend does (a random name, then its row).
  photoPath = `${listing}/${crypto.randomUUID()}.jpg`;
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
  const uploaded = await clientAs(host).storage.from(bucket).upload(photoPath, jpeg, { contentType: 'image/jpeg' });
  expect(uploaded.error).toBeNull();
  expect((await clientAs(host).from('property_photos').insert({ property_id: listing, storage_path: photoPath, position: 0 })).error).toBeNull();

  const booked = await clientAs(confirmedGuest).rpc('request_booking', { property_id: listing, check_in: daysFromToday(10), check_out: daysFromToday(12), guests: 1 });
  expect(booked.error).toBeNull();
  const pending = await clientAs(pendingGuest).rpc('request_booking', { property_id: listing, check_in: daysFromToday(20), check_out: daysFromToday(22), guests: 1 });
  expect(pending.error).toBeNull();
  const cancelled = await clientAs(cancelledGuest).rpc('request_booking', { property_id: listing, check_in: daysFromToday(30), check_out: daysFromToday(32), guests: 1 });
  expect(cancelled.error).toBeNull();
  expect((await clientAs(cancelledGuest).rpc('cancel_booking', { booking_id: cancelled.data!.id })).error).toBeNull();
  // Paid: as the Stripe webhook would leave it (the payment itself is the payments suite's business).
  const sql = database({ max: 1 });
  try {
    await sql`update public.bookings set status = 'confirmed', expires_at = null, confirmed_at = now() where id = ${booked.data!.id}`;
  } finally {
    await sql.end();
  }
});

describe('the exact place of a listing', () => {
  it('is found by the leak check wherever it appears (the check can fail)', async () => {
    const { data } = await clientAs(host).from('property_locations').select('*').eq('property_id', listing);
    expect(leaks(data)).toContain(`the text "${address.address_line}"`);
    expect(leaks({ somewhere: `${exact.latitude + 0.0005},${exact.longitude}` }).length).toBe(1);
  });

  it('is read by the host and by the guest with a confirmed booking', async () => {
    for (const reader of [host, confirmedGuest]) {
      const { data, error } = await clientAs(reader).from('property_locations').select('*').eq('property_id', listing);
      expect(error).toBeNull();
      expect(data).toEqual([expect.objectContaining({ ...address, ...exact, property_id: listing })]);
    }
  });

  it('is not read by guests with only an unpaid or a cancelled booking', async () => {
    for (const reader of [pendingGuest, cancelledGuest]) {
      const { data, error } = await clientAs(reader).from('property_locations').select('*').eq('property_id', listing);
      expect(error).toBeNull();
      expect(data).toEqual([]);
    }
  });

  it('shows everyone a public point 150-500 m away instead', async () => {
    const { data } = await anonClient().from('properties').select('latitude, longitude').eq('id', listing).single();
    const metres = metresBetween(exact, { latitude: data!.latitude!, longitude: data!.longitude! });
    expect(metres).toBeGreaterThanOrEqual(150);
    expect(metres).toBeLessThanOrEqual(500);
  });

  it('every read RPC is called here', async () => {
    const known = Object.keys(rpcCalls());
    expect((await readRpcs()).filter((name) => !known.includes(name))).toEqual([]);
  });

  for (const [who, client] of [['anon', () => anonClient()], ['an unrelated member', () => clientAs(stranger)]] as const) {
    it(`appears nowhere ${who} reads: every table, view and read RPC`, async () => {
      const answers = await everythingReadableBy(client());
      expect(Object.keys(answers)).toContain('table property_locations');
      // The photo is read (a published listing's), so its object and file were checked.
      expect((answers[`storage file ${photoPath}`] as { status: number }).status).toBe(200);
      expect(Object.keys(answers).some((key) => key.startsWith('rpc search_properties'))).toBe(true);
      // The search does find the listing, by its public point.
      const near = answers[`rpc search_properties ${JSON.stringify(rpcCalls().search_properties![0])}`] as { data: { id: string }[] };
      expect(near.data.map((row) => row.id)).toContain(listing);
      const found = Object.entries(answers).flatMap(([source, answer]) => leaks(answer).map((leak) => `${source}: ${leak}`));
      expect(found).toEqual([]);
    });
  }
});
