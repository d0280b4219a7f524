// Payments in tests: a guest's booking, payments-checkout, paying the PaymentIntent at the fake Stripe with the
// real SDK, the webhook Stripe would send about it (signed for real), and runs of the outbox worker.
import Stripe from 'stripe';
import { clientAs, createUser, type TestUser } from './clients.ts';
import { database, env } from './env.ts';
import { fakeStripeControl, type StripeObject } from './fake-stripe.ts';
import { createListing, daysFromToday } from './fixtures.ts';
import { deliver, stripeEvent } from './stripe-webhooks.ts';

export const fake = fakeStripeControl(env.stripeUrl);

/** The SDK as a Stripe client outside Staybase (the guest's browser confirming, an operator), against the fake. */
export const stripeSdk = () => {
  const url = new URL(env.stripeUrl);
  return new Stripe(env.stripeSecretKey, { host: url.hostname, port: url.port, protocol: 'http', maxNetworkRetries: 0 });
};

export type Booking = { id: string; total_cents: number; currency: string; status: string; host_payout_cents: number };

export async function guestBooking(guest: TestUser, listing: string, fromDay: number, nights = 2): Promise<Booking> {
  const { data, error } = await clientAs(guest).rpc('request_booking', {
    property_id: listing, check_in: daysFromToday(fromDay), check_out: daysFromToday(fromDay + nights), guests: 1,
  });
  if (error || !data) throw new Error(`request_booking: ${JSON.stringify(error)}`);
  return data as Booking;
}

/** A host with a published instant-book listing and a guest. */
export async function marketplace(label: string) {
  const [host, guest, stranger] = await Promise.all([createUser(`${label}-host`), createUser(`${label}-guest`), createUser(`${label}-stranger`)]);
  const listing = await createListing(host.id, { instant_book: true, cancellation_policy: 'flexible' });
  return { host, guest, stranger, listing };
}

export async function checkout(token: string | null, body: unknown) {
  const response = await fetch(`${env.apiUrl}/functions/v1/payments-checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The guest's card is charged: the PaymentIntent succeeds at the fake Stripe. */
export async function pay(paymentIntentId: string, paymentMethod = 'pm_card_visa') {
  return stripeSdk().paymentIntents.confirm(paymentIntentId, { payment_method: paymentMethod });
}

/** The event Stripe sends about an object, as it is now at the fake Stripe, delivered signed. */
export async function notify(type: string, objectId: string, overrides: { created?: number } = {}) {
  const object = await fake.object(objectId);
  const event = stripeEvent(type, object, overrides);
  return { event, ...(await deliver(event)) };
}

export async function runWorker(body: Record<string, unknown> = {}) {
  const response = await fetch(`${env.apiUrl}/functions/v1/payments-worker`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${env.serviceRoleKey}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export const sql = database();

export const bookingStatus = async (id: string) =>
  (await sql<{ status: string }[]>`select status::text from public.bookings where id = ${id}`)[0]!.status;

export type PaymentRow = {
  payment_intent_id: string; status: string; outcome: string | null; amount_cents: string; refunded_cents: string;
  disputed: boolean; flags: string[]; failure_code: string | null;
};
export const paymentsOf = (bookingId: string) => sql<PaymentRow[]>`
  select payment_intent_id, status::text, outcome::text, amount_cents, refunded_cents, disputed, flags, failure_code
    from payments.payments where booking_id = ${bookingId} order by created_at`;

export type OutboxRow = {
  id: string; kind: string; reason: string; status: string; amount_cents: string; attempts: number; stripe_object_id: string | null;
  last_error: string | null;
};
export const outboxOf = (bookingId: string) => sql<OutboxRow[]>`
  select id, kind::text, reason, status::text, amount_cents, attempts, stripe_object_id, last_error
    from payments.outbox where booking_id = ${bookingId} order by created_at`;

/** Makes every pending row of a booking due now and unleased (time passing, without waiting for it). */
export const makeDue = (bookingId: string) => sql`
  update payments.outbox set next_attempt_at = now(), locked_until = null where booking_id = ${bookingId} and status = 'pending'`;

export const objectsAbout = async (type: string, predicate: (object: StripeObject) => boolean) =>
  (await fake.objects(type)).filter(predicate);
