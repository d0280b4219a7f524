// Profiles through the gateway and the real PostgREST, with the typed client as a frontend uses it.
import { beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, createUser, type TestUser } from '../support/clients.ts';

let ada: TestUser;
let bob: TestUser;

beforeAll(async () => {
  ada = await createUser('ada', { displayName: 'Ada Lovelace' });
  bob = await createUser('bob');
});

describe('profiles through the Data API', () => {
  it('anon reads a profile created by the sign-up trigger', async () => {
    const { data, error, status } = await anonClient().from('profiles').select('id, display_name').eq('id', ada.id).single();
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual({ id: ada.id, display_name: 'Ada Lovelace' });
  });

  it('a member updates their own profile', async () => {
    const { data, error } = await clientAs(ada).from('profiles').update({ bio: 'Analyst' }).eq('id', ada.id).select('bio').single();
    expect(error).toBeNull();
    expect(data?.bio).toBe('Analyst');
  });

  it("another member's update touches nothing", async () => {
    const { data, error } = await clientAs(bob).from('profiles').update({ bio: 'defaced' }).eq('id', ada.id).select();
    expect(error).toBeNull();
    expect(data).toEqual([]);
    const { data: after } = await anonClient().from('profiles').select('bio').eq('id', ada.id).single();
    expect(after?.bio).toBe('Analyst');
  });

  it('changing the id is refused with 403 (column privilege)', async () => {
    const { error, status } = await clientAs(ada).from('profiles').update({ id: bob.id }).eq('id', ada.id);
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });

  it('anon cannot update: 401 from PostgREST', async () => {
    const { error, status } = await anonClient().from('profiles').update({ bio: 'anon' }).eq('id', ada.id);
    expect(status).toBe(401);
    expect(error?.code).toBe('42501');
  });

  it('a blank display name is a 400 with 22023 and text_required, naming the column', async () => {
    const { error, status } = await clientAs(ada).from('profiles').update({ display_name: ' \u200b' }).eq('id', ada.id);
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '22023', hint: 'text_required', message: 'display_name is required' });
  });
});
