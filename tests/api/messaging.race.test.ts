// Spam limits under real concurrency: one member fires many messages, or many new conversations, at the same
// instant on separate connections to the PostgreSQL server. Each limit holds exactly (the calls of one member are
// counted one after another, under a lock on their profile row): staybase.messages_per_minute (20) messages and
// staybase.new_conversations_per_day (10) conversations win, every other call gets PT409 with its hint.
// Runs on the server only (vitest.config.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createUser, type TestUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { createListing } from '../support/fixtures.ts';

const CALLS = 30;
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
                      set_config('role', 'authenticated', true)`;
      await statement(tx);
    });
    return { ok: true };
  } catch (error) {
    const e = error as postgres.PostgresError;
    return { ok: false, code: e.code, hint: e.hint };
  }
}

describe(`one member, ${CALLS} concurrent calls`, () => {
  it('messages across three conversations: exactly 20 a minute are sent, every other call gets PT409 message_rate_limited', async () => {
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
    // The three first messages count too: 17 more fit in the minute.
    expect(outcomes.filter((o) => o.ok)).toHaveLength(17);
    expect(outcomes.filter((o) => !o.ok && o.code === 'PT409' && o.hint === 'message_rate_limited')).toHaveLength(CALLS - 17);
    const [sent] = await sql<{ n: number }[]>`select count(*)::int as n from public.messages where sender_id = ${guest.id}`;
    expect(sent!.n).toBe(20);
  });

  it('new conversations: exactly 10 a day are started, every other call gets PT409 conversation_limit_reached', async () => {
    const guest = await createUser('spam-starter');
    const listings = await Promise.all(Array.from({ length: 15 }, () => createListing(hostId)));
    const outcomes = await Promise.all(listings.map((listing) =>
      asMember(guest, (tx) => tx`select public.start_conversation(${listing}, 'Is it free?')`)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
    expect(outcomes.filter((o) => !o.ok && o.code === 'PT409' && o.hint === 'conversation_limit_reached')).toHaveLength(5);
    const [started] = await sql<{ n: number }[]>`select count(*)::int as n from public.conversations where guest_id = ${guest.id}`;
    expect(started!.n).toBe(10);
  });
});
