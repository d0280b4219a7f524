// The fake Stripe the function tests rely on, driven by the real `stripe` SDK from Node: if the SDK accepts its
// answers (object shapes, errors, idempotency), the edge functions see what they would see from Stripe.
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseStripeForm, startFakeStripe, type FakeStripe } from '../support/fake-stripe.ts';

let fake: FakeStripe;
let stripe: Stripe;

const sdk = (options: Stripe.StripeConfig = {}) =>
  new Stripe('sk_test_fake', { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0, ...options });

beforeAll(async () => {
  fake = await startFakeStripe();
  stripe = sdk();
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

describe('fake Stripe: the endpoints Staybase uses, with Stripe shapes', () => {
  it('parses the SDK form encoding: nested objects and indexed arrays', () => {
    expect(parseStripeForm('amount=100&metadata[booking_id]=b1&expand[0]=latest_charge&expand[1]=customer&a[b][c]=d'))
      .toEqual({ amount: '100', metadata: { booking_id: 'b1' }, expand: ['latest_charge', 'customer'], a: { b: { c: 'd' } } });
  });

  it('creates and retrieves a customer', async () => {
    const customer = await stripe.customers.create({ email: 'ada@example.test', metadata: { user_id: 'u1' } });
    expect(customer).toMatchObject({ object: 'customer', email: 'ada@example.test', metadata: { user_id: 'u1' } });
    expect(customer.id).toMatch(/^cus_/);
    expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);
  });

  it('deletes a customer as Stripe does: { id, object, deleted: true }, then 404 resource_missing', async () => {
    const customer = await stripe.customers.create({ email: 'gone@example.test' });
    const deleted = await stripe.customers.del(customer.id, {}, { idempotencyKey: 'erase-1' });
    expect(deleted).toEqual({ id: customer.id, object: 'customer', deleted: true });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    // The same idempotency key replays the saved result; a new request for a deleted Customer is refused.
    expect(await stripe.customers.del(customer.id, {}, { idempotencyKey: 'erase-1' })).toEqual(deleted);
    await expect(stripe.customers.del(customer.id)).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 404 });
  });

  it('creates, retrieves and cancels a PaymentIntent with a client secret', async () => {
    const paymentIntent = await stripe.paymentIntents.create({
      amount: 45_600, currency: 'EUR', metadata: { booking_id: 'b1' }, automatic_payment_methods: { enabled: true },
    });
    expect(paymentIntent).toMatchObject({ object: 'payment_intent', amount: 45_600, currency: 'eur', status: 'requires_payment_method', metadata: { booking_id: 'b1' } });
    expect(paymentIntent.id).toMatch(/^pi_/);
    expect(paymentIntent.client_secret).toMatch(new RegExp(`^${paymentIntent.id}_secret_`));
    expect((await stripe.paymentIntents.retrieve(paymentIntent.id)).amount).toBe(45_600);
    const cancelled = await stripe.paymentIntents.cancel(paymentIntent.id, { cancellation_reason: 'abandoned' });
    expect(cancelled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
  });

  it('a missing object is a 404 StripeInvalidRequestError with code resource_missing', async () => {
    const error = await stripe.paymentIntents.retrieve('pi_nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('refunds a paid PaymentIntent, fully or in part, and never more than was paid', async () => {
    const paid = await stripe.paymentIntents.create({ amount: 10_000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
    expect(paid.status).toBe('succeeded');
    expect(paid.latest_charge).toMatch(/^ch_/);
    const partial = await stripe.refunds.create({ payment_intent: paid.id, amount: 4_000, metadata: { reason_code: 'policy' } });
    expect(partial).toMatchObject({ object: 'refund', amount: 4_000, currency: 'usd', status: 'succeeded', payment_intent: paid.id });
    expect(partial.id).toMatch(/^re_/);
    const rest = await stripe.refunds.create({ payment_intent: paid.id });
    expect(rest.amount).toBe(6_000);
    await expect(stripe.refunds.create({ payment_intent: paid.id })).rejects.toMatchObject({ code: 'charge_already_refunded' });
  });

  it('creates an Express account, an onboarding link, a transfer and its reversal', async () => {
    const account = await stripe.accounts.create({
      controller: { stripe_dashboard: { type: 'express' }, fees: { payer: 'application' }, losses: { payments: 'application' } },
      metadata: { user_id: 'u1' },
    });
    expect(account).toMatchObject({ object: 'account', type: 'express', charges_enabled: false, payouts_enabled: false, details_submitted: false });
    expect(account.id).toMatch(/^acct_/);
    const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'http://x.test/r', return_url: 'http://x.test/d' });
    expect(link).toMatchObject({ object: 'account_link' });
    expect(link.url).toMatch(/^https:\/\/connect\.stripe\.com\//);
    expect(link.expires_at).toBeGreaterThan(link.created);

    const transfer = await stripe.transfers.create({ amount: 8_000, currency: 'usd', destination: account.id, metadata: { booking_id: 'b1' } });
    expect(transfer).toMatchObject({ object: 'transfer', amount: 8_000, amount_reversed: 0, destination: account.id, reversed: false });
    expect(transfer.id).toMatch(/^tr_/);
    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 8_000 });
    expect(reversal).toMatchObject({ object: 'transfer_reversal', amount: 8_000, transfer: transfer.id });
    expect(reversal.id).toMatch(/^trr_/);
    expect(fake.object(transfer.id)).toMatchObject({ amount_reversed: 8_000, reversed: true });
  });

  it('refuses a request without a test-mode API key with 401', async () => {
    const error = await new Stripe('sk_live_nope', { host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0 })
      .customers.create().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe('fake Stripe: idempotency keys as Stripe enforces them', () => {
  it('the same key with the same parameters replays the first response: one effect', async () => {
    const params = { amount: 5_000, currency: 'usd', metadata: { booking_id: 'b2' } };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'checkout-b2' });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: 'checkout-b2' });
    expect(second.id).toBe(first.id);
    expect(second.client_secret).toBe(first.client_secret);
    expect(fake.objects('payment_intent')).toHaveLength(1);
    const recorded = fake.requests().filter((r) => r.idempotencyKey === 'checkout-b2');
    expect(recorded.map((r) => r.replayed)).toEqual([false, true]);
  });

  it('the same key with other parameters is a 400 idempotency_error and no effect', async () => {
    await stripe.paymentIntents.create({ amount: 5_000, currency: 'usd' }, { idempotencyKey: 'checkout-b3' });
    const error = await stripe.paymentIntents.create({ amount: 6_000, currency: 'usd' }, { idempotencyKey: 'checkout-b3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(fake.objects('payment_intent')).toHaveLength(1);
  });

  it('the same key on another endpoint is also an idempotency_error', async () => {
    await stripe.customers.create({}, { idempotencyKey: 'k-endpoint' });
    await expect(stripe.accounts.create({}, { idempotencyKey: 'k-endpoint' })).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('without an explicit key every POST is a new effect (the SDK sends a random key)', async () => {
    await stripe.customers.create({ email: 'a@b.test' });
    await stripe.customers.create({ email: 'a@b.test' });
    expect(fake.objects('customer')).toHaveLength(2);
    expect(fake.requests().every((r) => r.idempotencyKey?.startsWith('stripe-node-retry-'))).toBe(true);
  });

  it('a request that failed validation saves nothing: the same key can be retried with fixed parameters', async () => {
    await expect(stripe.paymentIntents.create({ amount: 0, currency: 'usd' }, { idempotencyKey: 'k-validate' })).rejects.toMatchObject({ statusCode: 400 });
    const fixed = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' }, { idempotencyKey: 'k-validate' });
    expect(fixed.amount).toBe(100);
  });
});

describe('fake Stripe: injected failures', () => {
  it('HTTP 500 before the effect: the SDK sees an API error and nothing happened', async () => {
    fake.injectFailure({ kind: 'http_500', method: 'POST', path: '/v1/refunds' });
    const paid = await stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', confirm: true, payment_method: 'pm_card_visa' });
    await expect(stripe.refunds.create({ payment_intent: paid.id }, { idempotencyKey: 'refund-1' })).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(fake.objects('refund')).toHaveLength(0);
    const refund = await stripe.refunds.create({ payment_intent: paid.id }, { idempotencyKey: 'refund-1' });
    expect(refund.amount).toBe(1_000);
    expect(fake.objects('refund')).toHaveLength(1);
  });

  it('HTTP 500 after the effect: the SDK retry with the same key gets the saved result, one effect', async () => {
    fake.injectFailure({ kind: 'http_500', path: '/v1/transfers', afterEffect: true });
    const account = await stripe.accounts.create({ type: 'express' });
    const retrying = sdk({ maxNetworkRetries: 2 });
    const transfer = await retrying.transfers.create({ amount: 700, currency: 'usd', destination: account.id }, { idempotencyKey: 'payout-1' });
    expect(transfer.amount).toBe(700);
    expect(fake.objects('transfer')).toHaveLength(1);
    const attempts = fake.requests().filter((r) => r.idempotencyKey === 'payout-1');
    expect(attempts.map((r) => [r.status, r.replayed])).toEqual([[500, false], [200, true]]);
  });

  it('a timeout: the request hangs and the SDK gives up with a connection error', async () => {
    fake.injectFailure({ kind: 'timeout', path: '/v1/payment_intents' });
    const impatient = sdk({ timeout: 300 });
    const error = await impatient.paymentIntents.create({ amount: 100, currency: 'usd' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(fake.objects('payment_intent')).toHaveLength(0);
  });

  it('a decline: 402 card_error card_declined, saved for its key like Stripe does', async () => {
    fake.injectFailure({ kind: 'card_declined', path: '/v1/payment_intents/*/confirm' });
    const paymentIntent = await stripe.paymentIntents.create({ amount: 2_500, currency: 'usd' });
    const error = await stripe.paymentIntents.confirm(paymentIntent.id, { payment_method: 'pm_card_visa' }, { idempotencyKey: 'confirm-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(fake.object(paymentIntent.id)).toMatchObject({ status: 'requires_payment_method' });
    await expect(stripe.paymentIntents.confirm(paymentIntent.id, { payment_method: 'pm_card_visa' }, { idempotencyKey: 'confirm-1' }))
      .rejects.toMatchObject({ code: 'card_declined' });
    const succeeded = await stripe.paymentIntents.confirm(paymentIntent.id, { payment_method: 'pm_card_visa' });
    expect(succeeded.status).toBe('succeeded');
  });

  it('the decline test card declines without any injection', async () => {
    await expect(stripe.paymentIntents.create({ amount: 100, currency: 'usd', confirm: true, payment_method: 'pm_card_chargeDeclined' }))
      .rejects.toMatchObject({ code: 'card_declined' });
  });

  it('failures match by idempotency key prefix and run out after `times`', async () => {
    fake.injectFailure({ kind: 'http_500', idempotencyKey: 'host-account-*', times: 2 });
    await expect(stripe.customers.create({}, { idempotencyKey: 'host-account-u1' })).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await stripe.customers.create({}, { idempotencyKey: 'other-key' });
    await expect(stripe.customers.create({}, { idempotencyKey: 'host-account-u1' })).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await stripe.customers.create({}, { idempotencyKey: 'host-account-u1' });
    expect(fake.objects('customer')).toHaveLength(2);
  });
});
