// Listing photos through supabase-js's storage client, as a frontend uses it, against the local Storage stand-in
// (which runs every request as the caller's role and claims, so the policies on storage.objects decide): hosts upload
// random names into their own listings' folders; anyone gets signed URLs for the photos of published listings; photos
// of drafts and archived listings are for their host and admins only; the bucket is private, so no public URL works.
import { beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, createUser, serviceClient, type TestUser } from '../support/clients.ts';
import { database, env } from '../support/env.ts';
import { createListing } from '../support/fixtures.ts';

const bucket = 'property-photos';
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

let host: TestUser;
let stranger: TestUser;
let admin: TestUser;
let published: string;
let draft: string;
let archived: string;
const photo: Record<'published' | 'draft' | 'archived', string> = { published: '', draft: '', archived: '' };

/** The frontend's upload: a random v4 uuid as the file name, then the photo row that names it. */
async function uploadPhoto(user: TestUser, listing: string, position: number) {
  const name = `${listing}/${crypto.randomUUID()}.jpg`;
  const { data, error } = await clientAs(user).storage.from(bucket).upload(name, jpeg, { contentType: 'image/jpeg', cacheControl: '3600' });
  expect(error).toBeNull();
  expect(data).toMatchObject({ path: name, fullPath: `${bucket}/${name}` });
  const row = await clientAs(user).from('property_photos').insert({ property_id: listing, storage_path: name, position });
  expect(row.error).toBeNull();
  return name;
}

beforeAll(async () => {
  host = await createUser('photo-host');
  stranger = await createUser('photo-stranger');
  admin = await createUser('photo-admin', { admin: true });
  published = await createListing(host.id);
  draft = await createListing(host.id, { status: 'draft' });
  archived = await createListing(host.id);
  photo.published = await uploadPhoto(host, published, 0);
  photo.draft = await uploadPhoto(host, draft, 0);
  photo.archived = await uploadPhoto(host, archived, 0);
  const { error } = await clientAs(host).from('properties').update({ status: 'archived' }).eq('id', archived);
  expect(error).toBeNull();
});

describe('uploads', () => {
  it('a host uploads a random name into their listing\'s folder', async () => {
    const sql = database({ max: 1 });
    try {
      const [object] = await sql`select owner, metadata->>'mimetype' as mimetype, (metadata->>'size')::int as size
                                   from storage.objects where bucket_id = ${bucket} and name = ${photo.published}`;
      expect(object).toEqual({ owner: host.id, mimetype: 'image/jpeg', size: jpeg.length });
    } finally {
      await sql.end();
    }
  });

  it('a guessable name is refused (photo-0.jpg), as is a listing the caller does not host', async () => {
    const guessable = await clientAs(host).storage.from(bucket).upload(`${published}/photo-0.jpg`, jpeg, { contentType: 'image/jpeg' });
    expect(guessable.error).toMatchObject({ message: 'new row violates row-level security policy', status: 400, statusCode: '403' });
    const intruder = await clientAs(stranger).storage.from(bucket).upload(`${published}/${crypto.randomUUID()}.jpg`, jpeg, { contentType: 'image/jpeg' });
    expect(intruder.error).toMatchObject({ statusCode: '403' });
    const anonymous = await anonClient().storage.from(bucket).upload(`${published}/${crypto.randomUUID()}.jpg`, jpeg, { contentType: 'image/jpeg' });
    expect(anonymous.error).toMatchObject({ statusCode: '403' });
  });

  it('the bucket takes images only', async () => {
    const { error } = await clientAs(host).storage.from(bucket).upload(`${published}/${crypto.randomUUID()}.jpg`, 'not an image', { contentType: 'text/plain' });
    expect(error).toMatchObject({ statusCode: '415' });
  });

  it('a photo row naming a guessable file is refused', async () => {
    const { error } = await clientAs(host).from('property_photos').insert({ property_id: published, storage_path: `${published}/photo-9.jpg`, position: 9 });
    expect(error).toMatchObject({ code: '23514' });
  });
});

describe('display: signed URLs', () => {
  it('anon gets a signed URL for a published listing\'s photo, and it serves the file', async () => {
    const { data, error } = await anonClient().storage.from(bucket).createSignedUrl(photo.published, 3600);
    expect(error).toBeNull();
    expect(data!.signedUrl).toMatch(new RegExp(`^${env.apiUrl}/storage/v1/object/sign/${bucket}/${photo.published}\\?token=`));
    const response = await fetch(data!.signedUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(jpeg);
  });

  it('createSignedUrls signs what the caller may read and says which it may not', async () => {
    const { data, error } = await anonClient().storage.from(bucket).createSignedUrls([photo.published, photo.draft, photo.archived], 3600);
    expect(error).toBeNull();
    expect(data!.map((entry) => [entry.path, entry.signedURL === null, entry.error])).toEqual([
      [photo.published, false, null],
      [photo.draft, true, 'Either the object does not exist or you do not have access to it'],
      [photo.archived, true, 'Either the object does not exist or you do not have access to it'],
    ]);
  });

  it('photos of drafts and archived listings: refused to anon and strangers, signed for their host and admins', async () => {
    for (const name of [photo.draft, photo.archived]) {
      for (const client of [anonClient(), clientAs(stranger)]) {
        const { data, error } = await client.storage.from(bucket).createSignedUrl(name, 60);
        expect(data).toBeNull();
        expect(error).toMatchObject({ message: 'Object not found', statusCode: '404' });
      }
      for (const user of [host, admin]) {
        const { data, error } = await clientAs(user).storage.from(bucket).createSignedUrl(name, 60);
        expect(error).toBeNull();
        expect((await fetch(data!.signedUrl)).status).toBe(200);
      }
    }
  });

  it('an admin without a second factor reads what any member reads', async () => {
    const admin1 = await createUser('photo-admin-aal1', { admin: true, aal: 'aal1' });
    const { error } = await clientAs(admin1).storage.from(bucket).createSignedUrl(photo.draft, 60);
    expect(error).toMatchObject({ statusCode: '404' });
  });

  it('a tampered or expired token serves nothing', async () => {
    const { data } = await anonClient().storage.from(bucket).createSignedUrl(photo.published, 1);
    const tampered = data!.signedUrl.replace(photo.published, photo.draft);
    expect((await fetch(tampered)).status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await fetch(data!.signedUrl);
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ message: 'jwt expired' });
  });

  it('no public URL works: the bucket is private (even for a published listing\'s photo)', async () => {
    const { data } = anonClient().storage.from(bucket).getPublicUrl(photo.published);
    const response = await fetch(data.publicUrl);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: '404', error: 'Bucket not found', message: 'Bucket not found' });
    const sql = database({ max: 1 });
    try {
      expect((await sql`select public from storage.buckets where id = ${bucket}`)[0]).toEqual({ public: false });
    } finally {
      await sql.end();
    }
  });
});

describe('folder listing', () => {
  it('Storage lists no folder of the bucket to a client, whoever asks (each object would cost a policy test); the service role still lists', async () => {
    const fileOf = (name: string) => name.split('/')[1];
    const listAs = async (client: ReturnType<typeof anonClient>, folder: string) => {
      const { data, error } = await client.storage.from(bucket).list(folder);
      expect(error).toBeNull();
      return data!.map((entry) => entry.name);
    };
    for (const [who, client] of [['anon', anonClient()], ['a stranger', clientAs(stranger)], ['the host', clientAs(host)], ['an admin', clientAs(admin)]] as const) {
      for (const folder of [published, draft, archived]) expect(await listAs(client, folder), `${who} lists ${folder}`).toEqual([]);
    }
    expect(await listAs(serviceClient(), published)).toEqual([fileOf(photo.published)]);
    expect(await listAs(serviceClient(), draft)).toEqual([fileOf(photo.draft)]);
  });

  it('a frontend reads a listing\'s photos from property_photos and signs those names: same visibility as the listing', async () => {
    const photosAs = async (client: ReturnType<typeof anonClient>, listing: string) => {
      const { data, error } = await client.from('property_photos').select('storage_path').eq('property_id', listing).order('position');
      expect(error).toBeNull();
      const paths = data!.map((row) => row.storage_path);
      if (paths.length === 0) return [];
      const signed = await client.storage.from(bucket).createSignedUrls(paths, 60);
      expect(signed.error).toBeNull();
      return signed.data!.filter((entry) => entry.signedUrl).map((entry) => entry.path);
    };
    expect(await photosAs(anonClient(), published)).toEqual([photo.published]);
    expect(await photosAs(clientAs(stranger), published)).toEqual([photo.published]);
    expect(await photosAs(anonClient(), draft)).toEqual([]);
    expect(await photosAs(clientAs(stranger), archived)).toEqual([]);
    expect(await photosAs(clientAs(host), draft)).toEqual([photo.draft]);
    expect(await photosAs(clientAs(admin), archived)).toEqual([photo.archived]);
  });
});

describe('removal', () => {
  it('a host removes their photo; a stranger removes nothing', async () => {
    const name = await uploadPhoto(host, published, 1);
    const refused = await clientAs(stranger).storage.from(bucket).remove([name]);
    expect(refused).toMatchObject({ data: [], error: null });
    await clientAs(host).from('property_photos').delete().eq('storage_path', name);
    const { data, error } = await clientAs(host).storage.from(bucket).remove([name]);
    expect(error).toBeNull();
    expect(data!.map((object) => object.name)).toEqual([name]);
    const { error: gone } = await serviceClient().storage.from(bucket).createSignedUrl(name, 60);
    expect(gone).toMatchObject({ statusCode: '404' });
  });
});
