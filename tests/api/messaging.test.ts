// Messaging through the Data API as a frontend uses it: the RPC verbs, the conversation list and a thread paged by
// keyset through supabase-js, the HTTP status and hint of each refusal, and notifications read and marked read.
import { beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, createUser, type TestUser } from '../support/clients.ts';
import { createListing } from '../support/fixtures.ts';

let host: TestUser;
let guest: TestUser;
let stranger: TestUser;
let admin: TestUser;
let listing: string;
let conversationId: string;

beforeAll(async () => {
  // One at a time: on the embedded database every connection shares one session.
  host = await createUser('chat-host');
  guest = await createUser('chat-guest');
  stranger = await createUser('chat-stranger');
  admin = await createUser('chat-admin', { admin: true });
  listing = await createListing(host.id, { title: 'Chat through the API' });
});

describe('conversations through PostgREST', () => {
  it('a guest starts a conversation, both list it, the thread pages newest first', async () => {
    const { data: started, error } = await clientAs(guest).rpc('start_conversation', { property_id: listing, body: 'Hello, is it quiet?' });
    expect(error).toBeNull();
    conversationId = started!.id;
    for (let i = 1; i <= 4; i++) {
      const { error: sendError } = await clientAs(i % 2 ? host : guest).rpc('send_message', { conversation_id: conversationId, body: `message ${i}` });
      expect(sendError).toBeNull();
    }
    const { data: mine } = await clientAs(host).from('my_conversations').select('*').order('last_message_at', { ascending: false });
    expect(mine).toHaveLength(1);
    expect(mine![0]).toMatchObject({ id: conversationId, listing_title: 'Chat through the API', other_party_name: 'chat-guest', my_role: 'host', last_message_body: 'message 4', unread_count: 3 });

    const page = (before?: number) => {
      let query = clientAs(guest).from('conversation_messages').select('id, body, sender_name').eq('conversation_id', conversationId);
      if (before) query = query.lt('id', before);
      return query.order('id', { ascending: false }).limit(2);
    };
    const { data: first } = await page();
    expect(first!.map((m) => m.body)).toEqual(['message 4', 'message 3']);
    const { data: second } = await page(first![1]!.id!);
    expect(second!.map((m) => m.body)).toEqual(['message 2', 'message 1']);

    const { data: read } = await clientAs(host).rpc('mark_conversation_read', { conversation_id: conversationId });
    expect(read!.host_unread_count).toBe(0);
  });

  it('contact details are masked before a confirmed booking', async () => {
    const { data } = await clientAs(guest).rpc('send_message', { conversation_id: conversationId, body: 'write to me: me@example.com' });
    expect(data).toMatchObject({ body: 'write to me: [email hidden]', masked: true });
  });

  it('refusals carry their status and hint', async () => {
    const blank = await clientAs(guest).rpc('send_message', { conversation_id: conversationId, body: ' \u200b ' });
    expect([blank.status, blank.error?.hint]).toEqual([400, 'message_blank']);
    const strangers = await clientAs(stranger).rpc('send_message', { conversation_id: conversationId, body: 'hi' });
    expect([strangers.status, strangers.error?.hint]).toEqual([404, 'conversation_not_found']);
    const admins = await clientAs(admin).rpc('send_message', { conversation_id: conversationId, body: 'hi' });
    expect([admins.status, admins.error?.hint]).toEqual([403, 'not_conversation_party']);
    const anon = await anonClient().rpc('start_conversation', { property_id: listing, body: 'hi' });
    expect(anon.status).toBe(401);
    const own = await clientAs(host).rpc('start_conversation', { property_id: listing, body: 'hi' });
    expect([own.status, own.error?.hint]).toEqual([403, 'own_listing']);
  });

  it('only the parties read the conversation; an admin at aal2 reads it too', async () => {
    const { data: strangerSees } = await clientAs(stranger).from('messages').select('id').eq('conversation_id', conversationId);
    expect(strangerSees).toEqual([]);
    const { data: adminSees } = await clientAs(admin).from('messages').select('id').eq('conversation_id', conversationId);
    expect(adminSees!.length).toBeGreaterThan(0);
    const direct = await clientAs(guest).from('messages').insert({ conversation_id: conversationId, body: 'direct' });
    expect(direct.status).toBe(403);
  });

  it('notifications: the recipient reads theirs and marks them read', async () => {
    // Within the listing's booking window (365 days by default).
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const { error } = await clientAs(guest).rpc('request_booking', { property_id: listing, check_in: day(120), check_out: day(122), guests: 1 });
    expect(error).toBeNull();
    const { data: hostNotices } = await clientAs(host).from('notifications').select('kind, read_at, data').is('read_at', null);
    expect(hostNotices!.map((n) => n.kind)).toContain('booking_requested');
    const { data: strangerNotices } = await clientAs(stranger).from('notifications').select('id');
    expect(strangerNotices).toEqual([]);
    const { data: marked } = await clientAs(host).rpc('mark_notifications_read', {});
    expect(marked).toBeGreaterThan(0);
    const { data: unread } = await clientAs(host).from('notifications').select('id').is('read_at', null);
    expect(unread).toEqual([]);
  });
});
