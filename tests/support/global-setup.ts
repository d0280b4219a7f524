// vitest global setup: the fake Stripe API the edge functions were started with (scripts/test.mjs chose its
// port and gave the functions STRIPE_API_URL). Test files, in their own workers, drive it with fakeStripeControl().
import { startFakeStripe } from './fake-stripe.ts';

export default async function setup() {
  const url = process.env.STAYBASE_TEST_STRIPE_URL;
  if (!url) return undefined; // a single file run by hand (say, fake-stripe.test.ts) needs no shared fake
  const fake = await startFakeStripe({ port: Number(new URL(url).port) });
  return () => fake.stop();
}
