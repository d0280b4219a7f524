// stripe-webhook on real Deno through the gateway, with deliveries signed for real: only genuine, recent events are
// accepted, each event id is recorded once, replays and out-of-order deliveries are harmless, and no input, however
// malformed, gets a 5xx or writes anything.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../support/clients.ts';
import { database } from '../support/env.ts';
import { deliver, signature, stripeEvent, webhookUrl, type StripeEventBody } from '../support/stripe-webhooks.ts';

const sql = database();
afterAll(() => sql.end());

type LedgerRow = { id: string; type: string; outcome: string; attempts: number; object_id: string | null; error: string | null };
const ledger = (id: string) => sql<LedgerRow[]>`select id, type, outcome, attempts, object_id, error from payments.stripe_events where id = ${id}`;

const accountId = () => `acct_${randomBytes(8).toString('hex')}`;
const accountObject = (id: string, fields: Partial<Record<'charges_enabled' | 'payouts_enabled' | 'details_submitted', boolean>> = {}) => ({
  id, object: 'account', type: 'express', charges_enabled: false, payouts_enabled: false, details_submitted: false, ...fields,
});

async function hostWithAccount(label: string) {
  const host = await createUser(label);
  const id = accountId();
  await sql`select payments.record_connected_account(${host.id}::uuid, ${id})`;
  return { host, accountId: id };
}

async function accountRow(id: string) {
  const [row] = await sql<{ charges_enabled: boolean; payouts_enabled: boolean; details_submitted: boolean; updated_at: Date }[]>`
    select charges_enabled, payouts_enabled, details_submitted, updated_at from payments.connected_accounts where stripe_account_id = ${id}`;
  return row!;
}

describe('stripe-webhook: genuine events', () => {
  let account: string;
  beforeAll(async () => {
    account = (await hostWithAccount('webhook-host')).accountId;
  });

  it('account.updated: 200, recorded once, the host\'s payouts and charges recorded', async () => {
    const event = stripeEvent('account.updated', accountObject(account, { charges_enabled: true, payouts_enabled: true, details_submitted: true }));
    const { status, body } = await deliver(event);
    expect(status).toBe(200);
    expect(body).toMatchObject({ received: true, event_id: event.id, duplicate: false, outcome: 'processed' });
    expect(await ledger(event.id)).toEqual([{ id: event.id, type: 'account.updated', outcome: 'processed', attempts: 1, object_id: account, error: null }]);
    expect(await accountRow(account)).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true });
  });

  it('the same event replayed 10 times, at once: one record, one effect, every delivery 200', async () => {
    const event = stripeEvent('account.updated', accountObject(account, { charges_enabled: true, payouts_enabled: false, details_submitted: true }),
      { created: Math.floor(Date.now() / 1000) + 5 });
    const first = await deliver(event);
    expect(first.body).toMatchObject({ duplicate: false, outcome: 'processed' });
    const effect = await accountRow(account);

    const replays = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
    expect(replays.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(replays.every((r) => r.body?.duplicate === true)).toBe(true);
    expect(await ledger(event.id)).toHaveLength(1);
    expect((await ledger(event.id))[0]).toMatchObject({ attempts: 1, outcome: 'processed' });
    expect((await accountRow(account)).updated_at).toEqual(effect.updated_at);
  });

  it('out of order: an older account.updated arriving after a newer one changes nothing', async () => {
    const { accountId: id } = await hostWithAccount('ooo-host');
    const now = Math.floor(Date.now() / 1000);
    const newer = stripeEvent('account.updated', accountObject(id, { payouts_enabled: true, charges_enabled: true }), { created: now });
    const older = stripeEvent('account.updated', accountObject(id, { payouts_enabled: false }), { created: now - 60 });
    expect((await deliver(newer)).body).toMatchObject({ outcome: 'processed' });
    const late = await deliver(older);
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ outcome: 'ignored' });
    expect(await accountRow(id)).toMatchObject({ payouts_enabled: true, charges_enabled: true });
  });

  it('account.updated for an account Staybase does not know: recorded as ignored', async () => {
    const event = stripeEvent('account.updated', accountObject(accountId(), { payouts_enabled: true }));
    expect((await deliver(event)).body).toMatchObject({ outcome: 'ignored' });
    expect((await ledger(event.id))[0]?.outcome).toBe('ignored');
  });

  it.each(['payment_intent.succeeded', 'payment_intent.payment_failed', 'charge.refunded', 'charge.dispute.created'])(
    '%s about an object that is no booking\'s payment is recorded as ignored, once', async (type) => {
      const hex = randomBytes(6).toString('hex');
      const object = type.startsWith('charge.dispute')
        ? { id: `dp_${hex}`, object: 'dispute', amount: 1000, currency: 'usd', charge: `ch_${hex}`, payment_intent: `pi_${hex}` }
        : type.startsWith('charge')
        ? { id: `ch_${hex}`, object: 'charge', amount: 1000, amount_refunded: 1000, currency: 'usd', payment_intent: `pi_${hex}`, metadata: {} }
        : { id: `pi_${hex}`, object: 'payment_intent', amount: 1000, amount_received: 1000, currency: 'usd', metadata: {} };
      const event = stripeEvent(type, object);
      const { status, body } = await deliver(event);
      expect(status).toBe(200);
      expect(body).toMatchObject({ outcome: 'ignored' });
      expect((await deliver(event)).body).toMatchObject({ duplicate: true });
      expect(await ledger(event.id)).toHaveLength(1);
      expect((await sql`select 1 from payments.payments where payment_intent_id = ${`pi_${hex}`}`)).toHaveLength(0);
    });

  it('an event type without a handler is recorded as ignored and acknowledged with 200', async () => {
    const event = stripeEvent('customer.created', { id: 'cus_123', object: 'customer' });
    expect(await deliver(event)).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
  });

  it('a handler that fails: 500 so Stripe retries, the failure recorded, the retry handled once', async () => {
    const { accountId: id } = await hostWithAccount('failing-host');
    // A test-only fault: updating this one account raises, as a database hiccup would.
    await sql.unsafe(`
      create or replace function tests.fail_account_update() returns trigger language plpgsql as $$
      begin raise exception 'injected failure for %', new.stripe_account_id; end $$;
      create trigger test_fail_account_update before update on payments.connected_accounts
        for each row when (new.stripe_account_id = '${id}') execute function tests.fail_account_update();`);
    const event = stripeEvent('account.updated', accountObject(id, { payouts_enabled: true }));
    let failed;
    try {
      failed = await deliver(event);
    } finally {
      await sql.unsafe(`drop trigger test_fail_account_update on payments.connected_accounts;
                        drop function tests.fail_account_update();`);
    }
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error: { code: 'event_handling_failed' } });
    expect((await ledger(event.id))[0]).toMatchObject({ outcome: 'failed', attempts: 1 });
    expect((await ledger(event.id))[0]?.error).toContain('injected failure');
    expect(await accountRow(id)).toMatchObject({ payouts_enabled: false });

    const retried = await deliver(event);
    expect(retried).toMatchObject({ status: 200, body: { duplicate: false, outcome: 'processed' } });
    expect((await ledger(event.id))[0]).toMatchObject({ outcome: 'processed', attempts: 2, error: null });
    expect(await accountRow(id)).toMatchObject({ payouts_enabled: true });
    expect((await deliver(event)).body).toMatchObject({ duplicate: true });
  });

  it('a delivery signed 290 s ago is still accepted', async () => {
    const event = stripeEvent('customer.updated', { id: 'cus_123', object: 'customer' });
    expect((await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 290 })).status).toBe(200);
  });
});

describe('stripe-webhook: refusals write nothing', () => {
  let account: string;
  beforeAll(async () => {
    account = (await hostWithAccount('forgery-target')).accountId;
  });

  const payoutsOn = () => stripeEvent('account.updated', accountObject(account, { payouts_enabled: true, charges_enabled: true }));

  async function expectRefused(event: StripeEventBody, result: { status: number; body: Record<string, unknown> | null }) {
    expect(result.status).toBe(400);
    expect(await ledger(event.id)).toHaveLength(0);
    expect(await accountRow(account)).toMatchObject({ payouts_enabled: false, charges_enabled: false });
  }

  it('a signature made with another secret: 400', async () => {
    const event = payoutsOn();
    const result = await deliver(event, { secret: 'whsec_attacker' });
    expect(result.body).toMatchObject({ error: { code: 'invalid_signature' } });
    await expectRefused(event, result);
  });

  it('a body changed after signing: 400', async () => {
    const genuine = stripeEvent('account.updated', accountObject(account));
    const header = await signature(JSON.stringify(genuine));
    const forged = { ...genuine, data: { object: accountObject(account, { payouts_enabled: true }) } };
    await expectRefused(forged, await deliver(forged, { signatureHeader: header }));
  });

  it('a delivery signed 301 s ago: 400 (replay window is 300 s)', async () => {
    const event = payoutsOn();
    await expectRefused(event, await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
  });

  it('no Stripe-Signature header: 400', async () => {
    const event = payoutsOn();
    const result = await deliver(event, { signatureHeader: null });
    expect(result.body).toMatchObject({ error: { code: 'missing_signature' } });
    await expectRefused(event, result);
  });

  it('a genuine signature on a body that is not an event: 400', async () => {
    for (const body of ['[]', 'null', '{}', '"evt_1"', '{"id":"evt_x","object":"event"}', 'not json at all']) {
      const result = await deliver(body);
      expect(result.status, body).toBe(400);
    }
  });

  it('only POST is answered', async () => {
    const response = await fetch(webhookUrl());
    expect(response.status).toBe(405);
    await response.body?.cancel();
  });
});

describe('stripe-webhook: fuzzing', () => {
  it('1,000 fuzzed bodies and headers: never a 5xx, nothing written', async () => {
    const { accountId: id } = await hostWithAccount('fuzz-target');
    // Anything a fuzzed delivery could write is about the fuzz target or about no object; other test files (running
    // in parallel on the server) write events about their own objects, which must not count here.
    const ledgerSize = async () => (await sql<{ n: number }[]>`
      select count(*)::int as n from payments.stripe_events where object_id = ${id} or object_id is null`)[0]!.n;
    const before = await ledgerSize();
    const randomText = (n: number) => randomBytes(n).toString('latin1');
    const printable = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(32 + (b % 95))).join('');
    const now = () => Math.floor(Date.now() / 1000);
    const genuine = () => JSON.stringify(stripeEvent('account.updated', accountObject(id, { payouts_enabled: true })));

    const cases: Array<() => Promise<{ body: string; headers: Record<string, string>; method?: string }>> = [
      async () => ({ body: randomText(Math.floor(Math.random() * 2000)), headers: { 'stripe-signature': printable(80) } }),
      async () => ({ body: genuine(), headers: { 'stripe-signature': `t=${now()},v1=${randomBytes(32).toString('hex')}` } }),
      async () => ({ body: genuine(), headers: { 'stripe-signature': `t=${printable(10)},v1=${printable(64)}` } }),
      async () => ({ body: genuine(), headers: { 'stripe-signature': printable(Math.floor(Math.random() * 4000)) } }),
      async () => ({ body: genuine(), headers: {} }),
      async () => {
        const body = genuine();
        return { body, headers: { 'stripe-signature': await signature(body, { secret: `whsec_${printable(20)}` }) } };
      },
      async () => {
        const body = genuine();
        const header = await signature(body);
        const flip = body.replace('"payouts_enabled":true', '"payouts_enabled":false');
        return { body: flip === body ? `${body} ` : flip, headers: { 'stripe-signature': header } };
      },
      async () => {
        const body = genuine();
        return { body, headers: { 'stripe-signature': await signature(body, { timestamp: now() - 301 - Math.floor(Math.random() * 100_000) }) } };
      },
      async () => {
        // Genuinely signed, but not an event.
        const body = [randomText(50), '[]', 'null', '{"type":"account.updated"}', JSON.stringify({ id: printable(30), object: 'event' }),
          JSON.stringify({ ...JSON.parse(genuine()), created: 1e15 }), JSON.stringify({ ...JSON.parse(genuine()), id: `evt_${printable(10)}'--` }),
          JSON.stringify({ ...JSON.parse(genuine()), data: null }), JSON.stringify({ ...JSON.parse(genuine()), type: 'x'.repeat(500) })][Math.floor(Math.random() * 9)]!;
        return { body, headers: { 'stripe-signature': await signature(body) } };
      },
      async () => {
        const body = genuine();
        const header = await signature(body);
        return { body, headers: { 'stripe-signature': header.replace(/v1=[0-9a-f]+/, `v1=${printable(64)}`), 'content-type': printable(30) } };
      },
      async () => ({ body: genuine(), headers: { 'stripe-signature': await signature(genuine()) }, method: ['PUT', 'PATCH', 'DELETE'][Math.floor(Math.random() * 3)] }),
    ];

    const statuses = new Map<number, number>();
    const queue = Array.from({ length: 1000 }, (_, i) => cases[i % cases.length]!);
    const worker = async () => {
      for (let make = queue.pop(); make; make = queue.pop()) {
        const { body, headers, method } = await make();
        const response = await fetch(webhookUrl(), { method: method ?? 'POST', headers, body });
        await response.body?.cancel();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    expect([...statuses.keys()].filter((s) => s >= 500), JSON.stringify([...statuses])).toEqual([]);
    expect([...statuses.keys()].every((s) => s === 400 || s === 405), JSON.stringify([...statuses])).toBe(true);
    expect(await ledgerSize()).toBe(before);
    expect(await accountRow(id)).toMatchObject({ payouts_enabled: false });
  });
});
