// Spam limits under real concurrency: one member fires many messages, or many new conversations, at the same
// instant on separate connections to the PostgreSQL server. Each limit holds exactly (a member's calls are counted
// one at a time, private.lock_member_limits): with staybase.messages_per_minute at 5 and
// staybase.new_conversations_per_day at 4 (set in each call's transaction, as an operator sets them for the
// database; small, so that 12 connections share the server's connection budget with the other races), exactly that
// many win and every other call gets PT409 with its hint. Runs on the server only (vitest.config.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createUser, type TestUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { createListing } from '../support/fixtures.ts';

const CALLS = 12;
let hostId: string;
let sql: postgres.Sql;

beforeAll(async () => {
  hostId = (await createUser('spam-host')).id;
  sql = database({ max: CALLS, prepare: false });
  // Open every connection before the race, so the calls really start together.
  await Promise.all(Array.from({ length: CALLS }, () => sql.begin((tx) => tx`select pg_sleep(0.05)`)));
});
afterAll(() => sql.end());

type Outcome = { ok: true } | { ok: false; code: string; hint: string | undefined };

/** `statement` as `member`, in its own transaction with PostgREST's request context. */
async function asMember(member: TestUser, statement: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<Outcome> {
  try {
    await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: member.id, role: 'authenticated' })}, true),
                      set_config('role', 'authenticated', true),
                      set_config('staybase.messages_per_minute', '5', true),
                      set_config('staybase.new_conversations_per_day', '4', true)`;
      await statement(tx);
    });
    return { ok: true };
  } catch (error) {
    const e = error as postgres.PostgresError;
    return { ok: false, code: e.code, hint: e.hint };
  }
}

describe(`one member, ${CALLS} concurrent calls`, () => {
  it('messages across three conversations: exactly 5 a minute are sent, every other call gets PT409 message_rate_limited', async () => {
    const guest = await createUser('spam-sender');
    const conversations: string[] = [];
    for (const listing of [await createListing(hostId), await createListing(hostId), await createListing(hostId)]) {
      expect(await asMember(guest, async (tx) => {
        const [row] = await tx<{ id: string }[]>`select (public.start_conversation(${listing}, 'Hello')).id as id`;
        conversations.push(row!.id);
      })).toEqual({ ok: true });
    }
    const outcomes = await Promise.all(Array.from({ length: CALLS }, (_, i) =>
      asMember(guest, (tx) => tx`select public.send_message(${conversations[i % 3]!}, ${`message ${i}`})`)));
    // The three first messages count too: 2 more fit in the minute.
    expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
    expect(outcomes.filter((o) => !o.ok && o.code === 'PT409' && o.hint === 'message_rate_limited')).toHaveLength(CALLS - 2);
    const [sent] = await sql<{ n: number }[]>`select count(*)::int as n from public.messages where sender_id = ${guest.id}`;
    expect(sent!.n).toBe(5);
  });

  it('new conversations: exactly 4 a day are started, every other call gets PT409 conversation_limit_reached', async () => {
    const guest = await createUser('spam-starter');
    const listings = await Promise.all(Array.from({ length: CALLS }, () => createListing(hostId)));
    const outcomes = await Promise.all(listings.map((listing) =>
      asMember(guest, (tx) => tx`select public.start_conversation(${listing}, 'Is it free?')`)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(4);
    expect(outcomes.filter((o) => !o.ok && o.code === 'PT409' && o.hint === 'conversation_limit_reached')).toHaveLength(CALLS - 4);
    const [started] = await sql<{ n: number }[]>`select count(*)::int as n from public.conversations where guest_id = ${guest.id}`;
    expect(started!.n).toBe(4);
  });
});
