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
type Outcome = 'processed' | 'ignored' | 'acknowledged';
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

/** Recorded and acknowledged; the handler comes with the bookings it acts on. */
const recordOnly: EventHandler = () => Promise.resolve('acknowledged');

/**
 * Event type → handler. Types not listed are recorded as `ignored`. The payment events are placeholders until
 * public.bookings exists (issue 5); their handlers must stay idempotent and order-independent like accountUpdated.
 */
export const eventHandlers: Record<string, EventHandler> = {
  'account.updated': accountUpdated,
  'payment_intent.succeeded': recordOnly, // confirm the booking (service-role confirmation function), check amount and currency; refund a late payment
  'payment_intent.payment_failed': recordOnly, // note the failure on the booking's payment
  'charge.refunded': recordOnly, // record the refund against the booking's payment
  'charge.dispute.created': recordOnly, // flag the booking's payment as disputed
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
