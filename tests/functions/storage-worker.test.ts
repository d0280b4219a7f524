// Erasure reaches everything: deleting a member through Supabase Auth's admin API queues their Storage files and the
// deletion of their Stripe Customer in the erasing transaction; the storage-worker function removes the files through
// the Storage API (the local stand-in, as the service role), the payments-worker deletes the Customer at the fake
// Stripe, each exactly once: a second run of either sends nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAs, createUser, serviceClient, type TestUser } from '../support/clients.ts';
import { env } from '../support/env.ts';
import { createListing } from '../support/fixtures.ts';
import { fake, runWorker, sql, stripeSdk } from '../support/payments.ts';

afterAll(() => sql.end());

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);

async function runStorageWorker(body: Record<string, unknown> = {}, token = env.serviceRoleKey) {
  const response = await fetch(`${env.apiUrl}/functions/v1/storage-worker`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const objectNames = async (names: string[]) =>
  (await sql<{ name: string }[]>`select name from storage.objects where bucket_id = 'property-photos' and name = any (${names}::text[]) order by name`)
    .map((row) => row.name);

let host: TestUser;
let other: TestUser;
let listing: string;
let draft: string;
let otherListing: string;
const uploads: string[] = [];
let otherPhoto: string;
let customerId: string;

beforeAll(async () => {
  host = await createUser('erased-host');
  other = await createUser('other-host');
  listing = await createListing(host.id);
  draft = await createListing(host.id, { status: 'draft' });
  otherListing = await createListing(other.id);
  for (const folder of [listing, listing, draft]) {
    const name = `${folder}/${crypto.randomUUID()}.jpg`;
    const { error } = await clientAs(host).storage.from('property-photos').upload(name, jpeg, { contentType: 'image/jpeg' });
    expect(error).toBeNull();
    uploads.push(name);
  }
  otherPhoto = `${otherListing}/${crypto.randomUUID()}.jpg`;
  expect((await clientAs(other).storage.from('property-photos').upload(otherPhoto, jpeg, { contentType: 'image/jpeg' })).error).toBeNull();
  // The host also paid as a guest once: a Stripe Customer at (the fake) Stripe, linked to the member.
  const customer = await stripeSdk().customers.create({ email: host.email, metadata: { user_id: host.id } });
  customerId = customer.id;
  await sql`select payments.record_stripe_customer(${host.id}::uuid, ${customerId})`;
});

describe('erasure through the Auth admin API', () => {
  it('queues the member\'s files and one Customer deletion in the erasing transaction', async () => {
    const { error } = await serviceClient().auth.admin.deleteUser(host.id);
    expect(error).toBeNull();
    const queued = await sql<{ name: string }[]>`select name from private.storage_removals where name = any (${[...uploads, otherPhoto]}::text[]) order by name`;
    expect(queued.map((row) => row.name)).toEqual([...uploads].sort());
    const deletions = await sql<{ status: string }[]>`select status::text from payments.outbox where customer_id = ${customerId}`;
    expect(deletions).toHaveLength(1);
    // Until the worker runs, the files are still in Storage (only the Storage API removes them).
    expect(await objectNames(uploads)).toEqual([...uploads].sort());
  });

  it('storage-worker answers the service role only', async () => {
    const stranger = await createUser('storage-stranger');
    expect((await runStorageWorker({}, stranger.token)).status).toBe(403);
  });

  it('storage-worker removes the files through the Storage API, once; the other host\'s photo stays', async () => {
    const first = await runStorageWorker();
    expect(first.status).toBe(200);
    expect(await objectNames([...uploads, otherPhoto])).toEqual([otherPhoto]);
    const queued = await sql`select 1 from private.storage_removals where name = any (${uploads}::text[])`;
    expect(queued).toHaveLength(0);
    // Signed URLs for them can no longer be made: the objects are gone (the service role sees every object).
    const { data } = await serviceClient().storage.from('property-photos').createSignedUrls(uploads, 60);
    expect(data?.map((entry) => entry.signedURL)).toEqual(uploads.map(() => null));
    const second = await runStorageWorker();
    expect(second).toMatchObject({ status: 200, body: { claimed: 0, removed: 0 } });
  });

  it('payments-worker deletes the Stripe Customer once; a second run sends nothing', async () => {
    const deletesOf = async () => (await fake.requests()).filter((r) => r.method === 'DELETE' && r.path === `/v1/customers/${customerId}`);
    expect((await runWorker()).status).toBe(200);
    const [row] = await sql<{ status: string; stripe_object_id: string }[]>`select status::text, stripe_object_id from payments.outbox where customer_id = ${customerId}`;
    expect(row).toEqual({ status: 'done', stripe_object_id: customerId });
    expect(await deletesOf()).toHaveLength(1);
    expect((await deletesOf())[0]!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(await fake.object(customerId)).toEqual({ id: customerId, object: 'customer', deleted: true });
    await runWorker();
    expect(await deletesOf()).toHaveLength(1);
  });
});
