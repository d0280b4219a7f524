// POST /functions/v1/payments-checkout { booking_id }: the PaymentIntent a signed-in guest pays a pending_payment
// booking with (amount and currency from the booking's frozen price), and the hold's deadline.
//
// Exactly one PaymentIntent per booking: an open one recorded for the booking is reused; otherwise it is created
// with the idempotency key booking-payment-<booking>-<amount>-<currency> and parameters that never vary, so a double
// click, a retry or a crash between Stripe's answer and our insert yields the same PaymentIntent. The guest's
// Stripe Customer is created once (key guest-customer-<user id>) and recorded in payments.stripe_customers.
// Who may pay what is decided in SQL (payments.checkout_booking), which raises the refusals (404, 403, 409).
import { signedInCaller } from '../_shared/auth.ts';
import { asServiceRole } from '../_shared/db.ts';
import { endpoint, HttpError, json, readJson, z } from '../_shared/http.ts';
import { stripe, stripeFailure, type Stripe } from '../_shared/stripe.ts';

const Body = z.object({ booking_id: z.uuid() }).strict();

type Checkout = {
  booking_id: string;
  amount_cents: string; // bigint
  currency: string;
  hold_expires_at: Date;
  stripe_customer_id: string | null;
  payment_intent_id: string | null;
};

async function stripeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof HttpError ? error : stripeFailure(error);
  }
}

async function customerOf(userId: string, recorded: string | null): Promise<string> {
  if (recorded) return recorded;
  const customer = await stripeCall(() =>
    stripe().customers.create({ metadata: { staybase_user_id: userId } }, { idempotencyKey: `guest-customer-${userId}` })
  );
  const [row] = await asServiceRole((tx) => tx<{ id: string }[]>`select payments.record_stripe_customer(${userId}::uuid, ${customer.id}) as id`);
  return row!.id;
}

export default endpoint(['POST'], async (request) => {
  const caller = await signedInCaller(request);
  const { booking_id: bookingId } = await readJson(request, Body);
  const [checkout] = await asServiceRole((tx) => tx<Checkout[]>`
    select booking_id, amount_cents, currency, hold_expires_at, stripe_customer_id, payment_intent_id
      from payments.checkout_booking(${caller.userId}::uuid, ${bookingId}::uuid)`);
  if (!checkout) throw new HttpError(404, 'booking_not_found', 'no such booking');
  const amount = Number(checkout.amount_cents);
  const currency = checkout.currency.toLowerCase();

  let paymentIntent: Stripe.PaymentIntent;
  if (checkout.payment_intent_id) {
    const reused = checkout.payment_intent_id;
    paymentIntent = await stripeCall(() => stripe().paymentIntents.retrieve(reused));
  } else {
    const customer = await customerOf(caller.userId, checkout.stripe_customer_id);
    paymentIntent = await stripeCall(() =>
      stripe().paymentIntents.create({
        amount,
        currency,
        customer,
        automatic_payment_methods: { enabled: true },
        description: `Staybase booking ${bookingId}`,
        metadata: { booking_id: bookingId },
      }, { idempotencyKey: `booking-payment-${bookingId}-${amount}-${currency}` })
    );
    await asServiceRole((tx) => tx`
      select payments.record_payment_intent(${bookingId}::uuid, ${paymentIntent.id}, ${paymentIntent.amount}, ${paymentIntent.currency})`);
  }
  if (!paymentIntent.client_secret) throw new HttpError(502, 'stripe_unavailable', 'Stripe returned no client secret');

  return json({
    booking_id: bookingId,
    payment_intent_id: paymentIntent.id,
    client_secret: paymentIntent.client_secret,
    status: paymentIntent.status,
    amount_cents: amount,
    currency: checkout.currency,
    hold_expires_at: new Date(checkout.hold_expires_at).toISOString(),
  });
});
