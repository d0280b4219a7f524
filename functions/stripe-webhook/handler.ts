// POST /functions/v1/stripe-webhook: Stripe's webhook deliveries. No JWT (verify_jwt = false in config.toml):
// the Stripe signature over the raw body is the authentication, checked before anything else is read or written.
//
// Exactly once: each event id is recorded in payments.stripe_events in the same transaction as its effect, so a
// replay (Stripe retries for days, and may deliver twice) is answered 200 with no new effect; if handling fails the
// transaction rolls back, the failure is recorded, and the 500 makes Stripe deliver the event again.
// Bad input (no or forged signature, a delivery older than 300 s, a body that is not an event) is answered 400 and
// writes nothing; it is never a 5xx.
import { asServiceRole, type Transaction } from '../_shared/db.ts';
import { endpoint, errorBody, HttpError, json, z } from '../_shared/http.ts';
import { type Stripe, verifiedEvent } from '../_shared/stripe.ts';

/** What handling an event did; stored as the event's outcome. */
type Outcome = 'processed' | 'ignored';
type EventHandler = (tx: Transaction, event: Stripe.Event) => Promise<Outcome>;

// A signed event is Stripe's, but its shape is still checked before it reaches SQL.
const Envelope = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_]+$/).max(255),
  object: z.literal('event'),
  type: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/).max(100),
  created: z.number().int().min(0).max(4_102_444_800),
  livemode: z.boolean(),
  account: z.string().regex(/^acct_[A-Za-z0-9]+$/).nullish(),
  data: z.object({ object: z.looseObject({ id: z.string().max(255).optional() }) }),
});
type Envelope = z.infer<typeof Envelope>;

const AccountObject = z.looseObject({
  id: z.string().regex(/^acct_[A-Za-z0-9]+$/),
  charges_enabled: z.boolean(),
  payouts_enabled: z.boolean(),
  details_submitted: z.boolean(),
});

/** account.updated: records whether the host can be charged for and paid out; older events than the last applied are ignored. */
async function accountUpdated(tx: Transaction, event: Stripe.Event): Promise<Outcome> {
  const account = AccountObject.safeParse(event.data.object);
  if (!account.success) return 'ignored';
  const [row] = await tx<{ applied: boolean }[]>`
    select payments.record_account_update(
      ${account.data.id}, ${account.data.charges_enabled}, ${account.data.payouts_enabled},
      ${account.data.details_submitted}, ${new Date(event.created * 1000)}) as applied`;
  return row?.applied ? 'processed' : 'ignored';
}

// The payment objects, as far as Staybase reads them. A PaymentIntent is a booking's when its metadata names one
// (payments-checkout puts booking_id there); anything else is recorded as ignored.
const bookingIdOf = (metadata: Record<string, unknown> | null | undefined): string | null => {
  const value = metadata?.booking_id;
  return typeof value === 'string' && z.uuid().safeParse(value).success ? value : null;
};
const Currency = z.string().regex(/^[A-Za-z]{3}$/);
const Metadata = z.record(z.string(), z.unknown()).nullish();
const PaymentIntentId = z.string().regex(/^pi_[A-Za-z0-9_]+$/).max(255);
const ChargeId = z.string().regex(/^(ch|py)_[A-Za-z0-9_]+$/).max(255);
const idOf = (value: unknown) => (typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : value);

const PaymentIntentObject = z.looseObject({
  id: PaymentIntentId,
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  amount_received: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  currency: Currency,
  metadata: Metadata,
  latest_charge: z.preprocess(idOf, ChargeId.nullish()),
  last_payment_error: z.looseObject({ code: z.string().max(100).nullish(), decline_code: z.string().max(100).nullish() }).nullish(),
});

const ChargeObject = z.looseObject({
  id: ChargeId,
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  amount_refunded: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: Currency,
  payment_intent: z.preprocess(idOf, PaymentIntentId.nullish()),
  metadata: Metadata,
});

const DisputeObject = z.looseObject({
  id: z.string().regex(/^(dp|du)_[A-Za-z0-9_]+$/).max(255),
  charge: z.preprocess(idOf, ChargeId.nullish()),
  payment_intent: z.preprocess(idOf, PaymentIntentId.nullish()),
});

/**
 * payment_intent.succeeded: confirms the booking through public.confirm_booking_payment (amount and currency
 * checked in SQL); a payment that cannot confirm (late, cancelled, wrong amount, duplicate) gets its refund written
 * to the outbox in this same transaction. A success already applied is ignored.
 */
async function paymentSucceeded(tx: Transaction, event: Stripe.Event): Promise<Outcome> {
  const paymentIntent = PaymentIntentObject.safeParse(event.data.object);
  if (!paymentIntent.success) return 'ignored';
  const { id, amount, amount_received, currency, metadata, latest_charge } = paymentIntent.data;
  const [row] = await tx<{ outcome: string | null }[]>`
    select payments.record_payment_succeeded(${id}, ${bookingIdOf(metadata)}::uuid, ${amount_received || amount},
                                             ${currency}, ${latest_charge ?? null}) as outcome`;
  return row?.outcome ? 'processed' : 'ignored';
}

/** payment_intent.payment_failed: noted on the payment; the booking keeps its hold and the guest may retry. */
async function paymentFailed(tx: Transaction, event: Stripe.Event): Promise<Outcome> {
  const paymentIntent = PaymentIntentObject.safeParse(event.data.object);
  if (!paymentIntent.success) return 'ignored';
  const { id, amount, currency, metadata, last_payment_error } = paymentIntent.data;
  const [row] = await tx<{ applied: boolean }[]>`
    select payments.record_payment_failed(${id}, ${bookingIdOf(metadata)}::uuid, ${amount}, ${currency},
                                          ${last_payment_error?.decline_code ?? last_payment_error?.code ?? null}) as applied`;
  return row?.applied ? 'processed' : 'ignored';
}

/** charge.refunded: the charge's refunded total, which only grows (an older event changes nothing). */
async function chargeRefunded(tx: Transaction, event: Stripe.Event): Promise<Outcome> {
  const charge = ChargeObject.safeParse(event.data.object);
  if (!charge.success || !charge.data.payment_intent) return 'ignored';
  const { id, amount, amount_refunded, currency, payment_intent, metadata } = charge.data;
  const [row] = await tx<{ applied: boolean }[]>`
    select payments.record_charge_refunded(${payment_intent}, ${bookingIdOf(metadata)}::uuid, ${id}, ${amount},
                                           ${currency}, ${amount_refunded}) as applied`;
  return row?.applied ? 'processed' : 'ignored';
}

/** charge.dispute.created: the payment is flagged as disputed, for operators. */
async function disputeCreated(tx: Transaction, event: Stripe.Event): Promise<Outcome> {
  const dispute = DisputeObject.safeParse(event.data.object);
  if (!dispute.success || (!dispute.data.payment_intent && !dispute.data.charge)) return 'ignored';
  const [row] = await tx<{ applied: boolean }[]>`
    select payments.record_dispute(${dispute.data.payment_intent ?? null}, ${dispute.data.charge ?? null}, ${dispute.data.id}) as applied`;
  return row?.applied ? 'processed' : 'ignored';
}

/**
 * Event type → handler. Types not listed are recorded as `ignored`. Every handler is idempotent and
 * order-independent: Stripe retries for days and does not keep order.
 */
export const eventHandlers: Record<string, EventHandler> = {
  'account.updated': accountUpdated,
  'payment_intent.succeeded': paymentSucceeded,
  'payment_intent.payment_failed': paymentFailed,
  'charge.refunded': chargeRefunded,
  'charge.dispute.created': disputeCreated,
};

function ledgerFields(event: Envelope) {
  return [event.id, event.type, event.data.object.id ?? null, event.account ?? null, event.livemode, new Date(event.created * 1000)] as const;
}

export default endpoint(['POST'], async (request) => {
  const rawBody = await request.text();
  const stripeEvent = await verifiedEvent(rawBody, request.headers.get('stripe-signature'));
  const parsed = Envelope.safeParse(stripeEvent);
  if (!parsed.success) throw new HttpError(400, 'invalid_event', 'the signed body is not a Stripe event');
  const envelope = parsed.data;
  const [id, type, objectId, account, livemode, createdAt] = ledgerFields(envelope);

  try {
    const result = await asServiceRole(async (tx) => {
      const [recorded] = await tx<{ must_handle: boolean }[]>`
        select payments.record_stripe_event(${id}, ${type}, ${objectId}, ${account}, ${livemode}, ${createdAt}) as must_handle`;
      if (!recorded?.must_handle) return { duplicate: true };
      const handle = eventHandlers[type] ?? (() => Promise.resolve<Outcome>('ignored'));
      const outcome = await handle(tx, stripeEvent);
      await tx`select payments.finish_stripe_event(${id}, ${outcome})`;
      return { duplicate: false, outcome };
    });
    return json({ received: true, event_id: id, ...result });
  } catch (error) {
    console.error(`handling Stripe event ${id} (${type}) failed`, error);
    await asServiceRole((tx) => tx`
      select payments.record_stripe_event_failure(${id}, ${type}, ${objectId}, ${account}, ${livemode}, ${createdAt},
                                                  ${error instanceof Error ? error.message : String(error)})`)
      .catch((ledgerError) => console.error('recording the failure failed too', ledgerError));
    // A 5xx here is deliberate: the input was a genuine event, and Stripe retries it.
    return json(errorBody('event_handling_failed', 'the event could not be handled; Stripe will retry it'), 500);
  }
});
