// Payments end to end on real Deno through the gateway, the real SDK against the fake Stripe, and webhooks signed
// for real: checkout → pay → webhook → confirmed; replays and disorder harmless; late and wrong payments refunded
// once; cancellations refunded once even when the worker is killed mid-flight; payouts exactly once.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, type TestUser } from '../support/clients.ts';
import { env } from '../support/env.ts';
import {
  type Booking, bookingStatus, checkout, fake, guestBooking, makeDue, marketplace, notify, objectsAbout, outboxOf, pay,
  paymentsOf, runWorker, sql, stripeSdk,
} from '../support/payments.ts';
import { deliver, stripeEvent } from '../support/stripe-webhooks.ts';

afterAll(() => sql.end());

const root = new URL('../..', import.meta.url).pathname;
let day = 30; // each booking gets its own dates on the shared listing
const nextDates = () => (day += 3);

let host: TestUser;
let guest: TestUser;
let stranger: TestUser;
let listing: string;

beforeAll(async () => {
  ({ host, guest, stranger, listing } = await marketplace('pay'));
});

const book = () => guestBooking(guest, listing, nextDates());

// The shared guest books a stay or two in each test, and the open-request limit (3 awaiting an answer or a payment,
// private.booking_settings) applies to them as to anyone: each test cancels the holds it left open.
afterEach(async () => {
  const open = await sql<{ id: string }[]>`
    select id from public.bookings
     where guest_id = ${guest.id} and status in ('awaiting_host', 'pending_payment') and expires_at > now()`;
  for (const { id } of open) await clientAs(guest).rpc('cancel_booking', { booking_id: id });
});

/** A booking paid through the whole flow: checkout, the card charged, payment_intent.succeeded delivered. */
async function paidBooking(): Promise<{ booking: Booking; paymentIntentId: string }> {
  const booking = await book();
  const { body } = await checkout(guest.token, { booking_id: booking.id });
  await pay(body.payment_intent_id);
  const delivered = await notify('payment_intent.succeeded', body.payment_intent_id);
  expect(delivered.body).toMatchObject({ outcome: 'processed' });
  return { booking, paymentIntentId: body.payment_intent_id };
}

const refundsOf = (paymentIntentId: string) => objectsAbout('refund', (r) => r.payment_intent === paymentIntentId);

describe('payments-checkout', () => {
  it('happy path: request → checkout → card charged → webhook → confirmed, seen by the guest and the host only', async () => {
    const booking = await book();
    expect(booking.status).toBe('pending_payment');
    const { status, body } = await checkout(guest.token, { booking_id: booking.id });
    expect(status).toBe(200);
    const [hold] = await sql<{ expires_at: Date }[]>`select expires_at from public.bookings where id = ${booking.id}`;
    expect(body).toMatchObject({ booking_id: booking.id, amount_cents: booking.total_cents, currency: 'NZD', status: 'requires_payment_method' });
    expect(body.client_secret).toMatch(new RegExp(`^${body.payment_intent_id}_secret_`));
    expect(body.hold_expires_at).toBe(hold!.expires_at.toISOString());

    const paymentIntent = await fake.object(body.payment_intent_id);
    expect(paymentIntent).toMatchObject({ amount: booking.total_cents, currency: 'nzd', metadata: { booking_id: booking.id } });
    const [customer] = await sql<{ stripe_customer_id: string }[]>`select stripe_customer_id from payments.stripe_customers where user_id = ${guest.id}`;
    expect(paymentIntent.customer).toBe(customer!.stripe_customer_id);
    expect(await paymentsOf(booking.id)).toMatchObject([{ payment_intent_id: body.payment_intent_id, status: 'requires_payment', outcome: null }]);

    await pay(body.payment_intent_id);
    const { status: webhookStatus, body: webhookBody } = await notify('payment_intent.succeeded', body.payment_intent_id);
    expect(webhookStatus).toBe(200);
    expect(webhookBody).toMatchObject({ duplicate: false, outcome: 'processed' });
    expect(await bookingStatus(booking.id)).toBe('confirmed');
    expect(await paymentsOf(booking.id)).toMatchObject([{ status: 'succeeded', outcome: 'confirmed', flags: [] }]);
    expect(await outboxOf(booking.id)).toEqual([]);

    for (const reader of [guest, host]) {
      const { data, error } = await clientAs(reader).from('booking_payments').select('*').eq('booking_id', booking.id);
      expect(error).toBeNull();
      expect(data).toMatchObject([{ booking_id: booking.id, status: 'succeeded', amount_cents: booking.total_cents, currency: 'NZD', refunded_cents: 0, disputed: false }]);
    }
    const { data: strangers } = await clientAs(stranger).from('booking_payments').select('*').eq('booking_id', booking.id);
    expect(strangers).toEqual([]);
    expect((await anonClient().from('booking_payments').select('*')).status).toBe(401);
    const write = await clientAs(guest).from('booking_payments').update({ refunded_cents: 1 }).eq('booking_id', booking.id);
    expect(write.status).toBe(403);
  });

  it('double click and retries: one PaymentIntent, one Stripe Customer reused across bookings', async () => {
    const booking = await book();
    const clicks = await Promise.all([1, 2, 3].map(() => checkout(guest.token, { booking_id: booking.id })));
    const again = await checkout(guest.token, { booking_id: booking.id });
    const ids = new Set([...clicks, again].map((c) => c.body.payment_intent_id));
    expect([...clicks, again].map((c) => c.status)).toEqual([200, 200, 200, 200]);
    expect(ids.size).toBe(1);
    expect(await objectsAbout('payment_intent', (p) => (p.metadata as Record<string, string>).booking_id === booking.id)).toHaveLength(1);
    expect(await paymentsOf(booking.id)).toHaveLength(1);
    const creations = (await fake.requests()).filter((r) => r.path === '/v1/payment_intents' && r.idempotencyKey?.startsWith(`booking-payment-${booking.id}-`));
    expect(creations.filter((r) => !r.replayed).length).toBe(1);
    expect(await objectsAbout('customer', (c) => (c.metadata as Record<string, string>).staybase_user_id === guest.id)).toHaveLength(1);
  });

  it('refusals: a stranger 404, the host 403, no token 401, a bad body 400, not payable 409', async () => {
    const booking = await book();
    expect((await checkout(stranger.token, { booking_id: booking.id }))).toMatchObject({ status: 404, body: { error: { code: 'booking_not_found' } } });
    expect((await checkout(guest.token, { booking_id: crypto.randomUUID() })).status).toBe(404);
    expect((await checkout(host.token, { booking_id: booking.id }))).toMatchObject({ status: 403, body: { error: { code: 'not_booking_guest' } } });
    expect((await checkout(null, { booking_id: booking.id })).status).toBe(401);
    expect((await checkout(env.anonKey, { booking_id: booking.id })).status).toBe(401);
    expect((await checkout(guest.token, { booking_id: 'nope' })).status).toBe(400);
    expect((await checkout(guest.token, '{not json')).status).toBe(400);

    const { booking: paid } = await paidBooking();
    expect(await checkout(guest.token, { booking_id: paid.id })).toMatchObject({ status: 409, body: { error: { code: 'already_paid' } } });

    await sql`update public.bookings set expires_at = now() - interval '1 second' where id = ${booking.id}`;
    expect(await checkout(guest.token, { booking_id: booking.id })).toMatchObject({ status: 409, body: { error: { code: 'hold_expired' } } });

    const { data: cancelled } = await clientAs(guest).rpc('cancel_booking', { booking_id: (await book()).id });
    expect(await checkout(guest.token, { booking_id: cancelled!.id })).toMatchObject({ status: 409, body: { error: { code: 'not_payable' } } });
  });

  it('Stripe down: 502 and nothing recorded; the retry creates the one PaymentIntent', async () => {
    const booking = await book();
    await fake.injectFailure({ kind: 'http_500', method: 'POST', path: '/v1/payment_intents', idempotencyKey: `booking-payment-${booking.id}-*`, times: 3 });
    expect(await checkout(guest.token, { booking_id: booking.id })).toMatchObject({ status: 502, body: { error: { code: 'stripe_unavailable' } } });
    expect(await paymentsOf(booking.id)).toEqual([]);
    const retry = await checkout(guest.token, { booking_id: booking.id });
    expect(retry.status).toBe(200);
    expect(await objectsAbout('payment_intent', (p) => (p.metadata as Record<string, string>).booking_id === booking.id)).toHaveLength(1);
  });
});

describe('stripe-webhook: payment events', () => {
  it('payment_intent.succeeded delivered 10 more times at once: one confirmation, no refund', async () => {
    const booking = await book();
    const { body } = await checkout(guest.token, { booking_id: booking.id });
    await pay(body.payment_intent_id);
    const event = stripeEvent('payment_intent.succeeded', await fake.object(body.payment_intent_id));
    expect((await deliver(event)).body).toMatchObject({ outcome: 'processed' });
    const [before] = await sql<{ confirmed_at: Date; updated_at: Date }[]>`select confirmed_at, updated_at from public.bookings where id = ${booking.id}`;
    const replays = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
    expect(replays.every((r) => r.status === 200 && r.body?.duplicate === true)).toBe(true);
    // The same success announced by another event id (a resend) is recognised too.
    expect((await notify('payment_intent.succeeded', body.payment_intent_id)).body).toMatchObject({ outcome: 'ignored' });
    const [after] = await sql<typeof before[]>`select confirmed_at, updated_at from public.bookings where id = ${booking.id}`;
    expect(after).toEqual(before);
    expect(await paymentsOf(booking.id)).toHaveLength(1);
    expect(await outboxOf(booking.id)).toEqual([]);
    expect((await sql`select 1 from payments.stripe_events where id = ${event.id}`)).toHaveLength(1);
  });

  it('payment_failed, charge.refunded and charge.dispute.created, each 10 times: one effect each', async () => {
    const booking = await book();
    const { body } = await checkout(guest.token, { booking_id: booking.id });
    await expect(pay(body.payment_intent_id, 'pm_card_chargeDeclined')).rejects.toThrow(/declined/);
    const failed = stripeEvent('payment_intent.payment_failed', await fake.object(body.payment_intent_id));
    const failures = await Promise.all(Array.from({ length: 10 }, () => deliver(failed)));
    expect(failures.filter((r) => r.body?.outcome === 'processed')).toHaveLength(1);
    expect(await paymentsOf(booking.id)).toMatchObject([{ status: 'failed', failure_code: 'generic_decline' }]);
    expect(await bookingStatus(booking.id)).toBe('pending_payment'); // the hold stands: the guest may try again

    await pay(body.payment_intent_id);
    await notify('payment_intent.succeeded', body.payment_intent_id);
    expect(await bookingStatus(booking.id)).toBe('confirmed');

    const paymentIntent = await fake.object(body.payment_intent_id);
    await stripeSdk().refunds.create({ payment_intent: body.payment_intent_id, amount: 1000 }); // an operator's partial refund
    const refunded = stripeEvent('charge.refunded', await fake.object(String(paymentIntent.latest_charge)));
    const refunds = await Promise.all(Array.from({ length: 10 }, () => deliver(refunded)));
    expect(refunds.filter((r) => r.body?.outcome === 'processed')).toHaveLength(1);

    const dispute = { id: `dp_${crypto.randomUUID().replace(/-/g, '')}`, object: 'dispute', amount: booking.total_cents, currency: 'nzd',
      charge: paymentIntent.latest_charge, payment_intent: body.payment_intent_id, reason: 'fraudulent', status: 'needs_response' };
    const disputed = stripeEvent('charge.dispute.created', dispute);
    const disputes = await Promise.all(Array.from({ length: 10 }, () => deliver(disputed)));
    expect(disputes.filter((r) => r.body?.outcome === 'processed')).toHaveLength(1);
    expect(await paymentsOf(booking.id)).toMatchObject([{ status: 'succeeded', refunded_cents: '1000', disputed: true, flags: ['disputed'] }]);
    expect(await bookingStatus(booking.id)).toBe('confirmed');
  });

  it('out of order: refund and dispute before the success, a failure after it: the same end state', async () => {
    const booking = await book();
    const { body } = await checkout(guest.token, { booking_id: booking.id });
    await pay(body.payment_intent_id);
    const paymentIntent = await fake.object(body.payment_intent_id);
    await stripeSdk().refunds.create({ payment_intent: body.payment_intent_id, amount: 500 });
    const now = Math.floor(Date.now() / 1000);

    expect((await notify('charge.refunded', String(paymentIntent.latest_charge), { created: now })).body).toMatchObject({ outcome: 'processed' });
    const dispute = { id: `dp_${crypto.randomUUID().replace(/-/g, '')}`, object: 'dispute', charge: paymentIntent.latest_charge, payment_intent: body.payment_intent_id };
    expect((await deliver(stripeEvent('charge.dispute.created', dispute, { created: now }))).body).toMatchObject({ outcome: 'processed' });
    expect((await notify('payment_intent.succeeded', body.payment_intent_id, { created: now - 30 })).body).toMatchObject({ outcome: 'processed' });
    // A failure of an earlier attempt, delivered last: the success stands.
    const staleFailure = { ...paymentIntent, status: 'requires_payment_method', last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds' } };
    expect((await deliver(stripeEvent('payment_intent.payment_failed', staleFailure, { created: now - 60 }))).body).toMatchObject({ outcome: 'ignored' });
    // An older charge.refunded (less refunded) arriving late changes nothing.
    const olderRefund = { ...(await fake.object(String(paymentIntent.latest_charge))), amount_refunded: 0, refunded: false };
    expect((await deliver(stripeEvent('charge.refunded', olderRefund, { created: now - 90 }))).body).toMatchObject({ outcome: 'ignored' });

    expect(await bookingStatus(booking.id)).toBe('confirmed');
    expect(await paymentsOf(booking.id)).toMatchObject([{ status: 'succeeded', outcome: 'confirmed', refunded_cents: '500', disputed: true, failure_code: null }]);
    expect(await outboxOf(booking.id)).toEqual([]);
  });

  it('a wrong amount: not confirmed, flagged for a human, refunded once; checkout then says payment_under_review', async () => {
    const booking = await book();
    // A PaymentIntent for the booking that Staybase did not create (say, made by hand in the Dashboard).
    const wrong = await stripeSdk().paymentIntents.create({ amount: booking.total_cents - 100, currency: 'nzd', metadata: { booking_id: booking.id } });
    await pay(wrong.id);
    const event = stripeEvent('payment_intent.succeeded', await fake.object(wrong.id));
    for (let i = 0; i < 10; i++) expect((await deliver(event)).status).toBe(200);
    expect(await bookingStatus(booking.id)).toBe('pending_payment');
    expect(await paymentsOf(booking.id)).toMatchObject([{ status: 'succeeded', outcome: 'amount_mismatch', flags: ['amount_mismatch'] }]);
    expect(await outboxOf(booking.id)).toMatchObject([{ kind: 'refund', reason: 'amount_mismatch', amount_cents: String(booking.total_cents - 100), status: 'pending' }]);
    expect(await checkout(guest.token, { booking_id: booking.id })).toMatchObject({ status: 409, body: { error: { code: 'payment_under_review' } } });

    expect((await runWorker()).status).toBe(200);
    expect(await outboxOf(booking.id)).toMatchObject([{ status: 'done' }]);
    expect(await refundsOf(wrong.id)).toMatchObject([{ amount: booking.total_cents - 100 }]);
  });

  it('late payments (hold expired, booking cancelled): refunded once, automatically', async () => {
    const expired = await book();
    const cancelled = await book();
    const late: string[] = [];
    for (const booking of [expired, cancelled]) {
      const { body } = await checkout(guest.token, { booking_id: booking.id });
      late.push(body.payment_intent_id);
    }
    await sql`update public.bookings set expires_at = now() - interval '1 second' where id = ${expired.id}`;
    expect((await clientAs(guest).rpc('cancel_booking', { booking_id: cancelled.id })).data?.refund_cents).toBe(0);

    for (const [i, booking] of [expired, cancelled].entries()) {
      await pay(late[i]!);
      const event = stripeEvent('payment_intent.succeeded', await fake.object(late[i]!));
      const deliveries = await Promise.all(Array.from({ length: 10 }, () => deliver(event)));
      expect(deliveries.every((d) => d.status === 200)).toBe(true);
      expect(await paymentsOf(booking.id)).toMatchObject([{ status: 'succeeded', outcome: i === 0 ? 'hold_expired' : 'cancelled' }]);
      expect(await outboxOf(booking.id)).toMatchObject([{ kind: 'refund', reason: 'late_payment', amount_cents: String(booking.total_cents) }]);
    }
    expect(await bookingStatus(expired.id)).toBe('expired');
    expect(await bookingStatus(cancelled.id)).toBe('cancelled');

    await runWorker();
    await runWorker();
    for (const [i, booking] of [expired, cancelled].entries()) {
      expect(await outboxOf(booking.id)).toMatchObject([{ status: 'done', attempts: 1 }]);
      expect(await refundsOf(late[i]!)).toMatchObject([{ amount: booking.total_cents }]);
    }
  });
});

describe('the outbox worker', () => {
  it('answers the service role only', async () => {
    const call = (token: string | null) => fetch(`${env.apiUrl}/functions/v1/payments-worker`, {
      method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {},
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect((await call(guest.token)).status).toBe(403);
    expect((await call(env.anonKey)).status).toBe(403);
    expect((await call(null)).status).toBe(401);
  });

  it('a cancellation is refunded once even when the worker is killed (kill -9) after Stripe acted', async () => {
    const { booking, paymentIntentId } = await paidBooking();
    const { data: cancelled } = await clientAs(guest).rpc('cancel_booking', { booking_id: booking.id, reason: 'plans changed' });
    expect(cancelled?.refund_cents).toBe(booking.total_cents); // flexible, weeks ahead: everything
    const [row] = await outboxOf(booking.id);
    expect(row).toMatchObject({ kind: 'refund', reason: 'cancellation', status: 'pending', amount_cents: String(booking.total_cents), attempts: 0 });

    // Stripe makes the refund, then the connection hangs: the worker is waiting for an answer when it dies.
    await fake.injectFailure({ kind: 'timeout', method: 'POST', path: '/v1/refunds', idempotencyKey: row!.id, afterEffect: true });
    const worker = spawn(join(root, 'node_modules', '.bin', 'deno'),
      ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'scripts/payments-worker.ts', '--once', '--lease-seconds=1'],
      { cwd: root, stdio: 'ignore', env: { ...process.env, SUPABASE_DB_URL: env.databaseUrl, STRIPE_SECRET_KEY: env.stripeSecretKey, STRIPE_API_URL: env.stripeUrl } });
    const exited = new Promise((resolve) => worker.once('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 45_000;
    while (!(await fake.requests()).some((r) => r.idempotencyKey === row!.id) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    worker.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(await refundsOf(paymentIntentId)).toHaveLength(1); // Stripe acted...
    expect(await outboxOf(booking.id)).toMatchObject([{ status: 'pending', attempts: 1, stripe_object_id: null }]); // ...the row does not know

    await new Promise((resolve) => setTimeout(resolve, 1100)); // the dead worker's lease runs out
    expect((await runWorker()).body).toMatchObject({ done: expect.any(Number) });
    const refunds = await refundsOf(paymentIntentId);
    expect(refunds).toHaveLength(1);
    expect(await outboxOf(booking.id)).toMatchObject([{ status: 'done', attempts: 2, stripe_object_id: refunds[0]!.id }]);
    const calls = (await fake.requests()).filter((r) => r.idempotencyKey === row!.id);
    expect(calls.map((c) => c.replayed)).toEqual([false, true]);

    await runWorker();
    expect(await refundsOf(paymentIntentId)).toHaveLength(1);
    expect((await fake.requests()).filter((r) => r.idempotencyKey === row!.id)).toHaveLength(2);
  });

  it('Stripe failing: the row is retried with backoff, then done with one refund', async () => {
    const { booking, paymentIntentId } = await paidBooking();
    await clientAs(host).rpc('cancel_booking', { booking_id: booking.id });
    const [row] = await outboxOf(booking.id);
    // Three 500s: the SDK's own two retries (same key) fail too, and the worker gives the row back.
    await fake.injectFailure({ kind: 'http_500', path: '/v1/refunds', idempotencyKey: row!.id, times: 3 });
    await runWorker();
    const [failed] = await sql<{ attempts: number; status: string; due_in: number; last_error: string }[]>`
      select attempts, status::text, extract(epoch from next_attempt_at - now())::int as due_in, last_error from payments.outbox where id = ${row!.id}`;
    expect(failed).toMatchObject({ attempts: 1, status: 'pending' });
    expect(failed!.due_in).toBeGreaterThan(5);
    expect(failed!.last_error).toMatch(/StripeAPIError/);
    await runWorker();
    expect(await outboxOf(booking.id)).toMatchObject([{ attempts: 1, status: 'pending' }]); // not due yet

    await makeDue(booking.id);
    await runWorker();
    expect(await outboxOf(booking.id)).toMatchObject([{ attempts: 2, status: 'done' }]);
    expect(await refundsOf(paymentIntentId)).toHaveLength(1);
  });

  it('a payout exactly once, 24 h after check-in, once payouts are enabled; a later cancellation reverses it', async () => {
    const { host: payoutHost, listing: hostListing, guest: payoutGuest } = await marketplace('payout');
    const onboarding = await fetch(`${env.apiUrl}/functions/v1/host-onboarding`, { method: 'POST', headers: { authorization: `Bearer ${payoutHost.token}` } });
    const { account_id: accountId } = (await onboarding.json()) as { account_id: string };

    const booking = await guestBooking(payoutGuest, hostListing, 5, 3);
    const { body } = await checkout(payoutGuest.token, { booking_id: booking.id });
    await pay(body.payment_intent_id);
    await notify('payment_intent.succeeded', body.payment_intent_id);
    expect(await bookingStatus(booking.id)).toBe('confirmed');
    const transfers = () => objectsAbout('transfer', (t) => t.destination === accountId);

    await sql`update public.bookings set check_in_at = now() - interval '23 hours' where id = ${booking.id}`;
    await fake.update(accountId, { payouts_enabled: true, charges_enabled: true, details_submitted: true });
    await runWorker();
    expect(await transfers()).toEqual([]); // not yet 24 h after check-in

    await sql`update public.bookings set check_in_at = now() - interval '25 hours' where id = ${booking.id}`;
    await fake.update(accountId, { payouts_enabled: false });
    await notify('account.updated', accountId);
    await runWorker();
    expect(await transfers()).toEqual([]); // payouts not enabled

    await fake.update(accountId, { payouts_enabled: true });
    expect((await notify('account.updated', accountId)).body).toMatchObject({ outcome: 'processed' });
    const runs = await Promise.all([runWorker(), runWorker(), runWorker()]);
    expect(runs.map((r) => r.status)).toEqual([200, 200, 200]);
    await runWorker();
    expect(await transfers()).toMatchObject([{ amount: booking.host_payout_cents, currency: 'nzd', transfer_group: `booking-${booking.id}` }]);
    expect(await outboxOf(booking.id)).toMatchObject([{ kind: 'payout', status: 'done', attempts: 1 }]);

    // The host cancels mid-stay: the guest gets everything back, and the host's transfer is reversed.
    const { data: cancelled } = await clientAs(payoutHost).rpc('cancel_booking', { booking_id: booking.id });
    expect(cancelled?.refund_cents).toBe(booking.total_cents);
    await runWorker();
    const rows = (await outboxOf(booking.id)).map((r) => ({ kind: r.kind, status: r.status, amount_cents: r.amount_cents }));
    expect(rows.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'payout', status: 'done', amount_cents: String(booking.host_payout_cents) },
      { kind: 'payout_reversal', status: 'done', amount_cents: String(booking.host_payout_cents) },
      { kind: 'refund', status: 'done', amount_cents: String(booking.total_cents) },
    ]);
    const [transfer] = await transfers();
    expect(transfer).toMatchObject({ amount_reversed: booking.host_payout_cents, reversed: true });
    expect(await refundsOf(body.payment_intent_id)).toHaveLength(1);
    await runWorker();
    expect(await transfers()).toHaveLength(1);
    expect((await outboxOf(booking.id)).filter((r) => r.kind === 'payout')).toHaveLength(1);
  });

  it('a cancellation before the payout refunds only (no transfer, no reversal)', async () => {
    const { host: payoutHost, listing: hostListing, guest: payoutGuest } = await marketplace('early-cancel');
    const onboarding = await fetch(`${env.apiUrl}/functions/v1/host-onboarding`, { method: 'POST', headers: { authorization: `Bearer ${payoutHost.token}` } });
    const { account_id: accountId } = (await onboarding.json()) as { account_id: string };
    await fake.update(accountId, { payouts_enabled: true });
    await notify('account.updated', accountId);

    const booking = await guestBooking(payoutGuest, hostListing, 8, 2);
    const { body } = await checkout(payoutGuest.token, { booking_id: booking.id });
    await pay(body.payment_intent_id);
    await notify('payment_intent.succeeded', body.payment_intent_id);
    await clientAs(payoutGuest).rpc('cancel_booking', { booking_id: booking.id });
    await sql`update public.bookings set check_in_at = now() - interval '25 hours' where id = ${booking.id}`;
    await runWorker();
    expect(await outboxOf(booking.id)).toMatchObject([{ kind: 'refund', status: 'done' }]);
    expect(await objectsAbout('transfer', (t) => t.destination === accountId)).toEqual([]);
  });
});
