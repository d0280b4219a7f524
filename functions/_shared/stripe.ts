// The Stripe SDK on Deno: fetch for HTTP and SubtleCrypto for webhook signatures (no Node http or crypto).
// STRIPE_SECRET_KEY authenticates API calls; STRIPE_API_URL (optional) sends them elsewhere than api.stripe.com,
// such as the tests' fake Stripe or stripe-mock; STRIPE_WEBHOOK_SECRET verifies webhook signatures.
// Versioned npm: specifiers deploy as they are, with no import map (the same versions as package.json).
// deno-lint-ignore no-import-prefix
import Stripe from 'npm:stripe@23.1.0';
import { HttpError } from './http.ts';

export { Stripe };

/** Stripe's tolerance for a webhook signature's age, in seconds: older deliveries are refused as replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const cryptoProvider = Stripe.createSubtleCryptoProvider();
let client: Stripe | null = null;

/** host/port/protocol for the SDK from STRIPE_API_URL; empty when unset (the SDK's default is Stripe itself). */
export function apiLocation(apiUrl: string | undefined): { host?: string; port?: string; protocol?: 'http' | 'https' } {
  if (!apiUrl) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? '80' : '443'), protocol };
}

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new HttpError(503, 'payments_not_configured', `payments are not configured: ${name} is not set`);
  return value;
}

export function stripe(): Stripe {
  client ??= new Stripe(required('STRIPE_SECRET_KEY'), {
    httpClient: Stripe.createFetchHttpClient(),
    ...apiLocation(Deno.env.get('STRIPE_API_URL')),
    // The SDK retries network errors, 409s and 5xx with the same idempotency key, so a retry is never a new effect.
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'Staybase' },
  });
  return client;
}

/**
 * The event a webhook delivery carries, after checking its signature on the raw body (300 s tolerance).
 * Throws HttpError 400 for anything that is not a genuine, recent Stripe delivery.
 */
export async function verifiedEvent(rawBody: string, signature: string | null): Promise<Stripe.Event> {
  const secret = required('STRIPE_WEBHOOK_SECRET');
  if (!signature) throw new HttpError(400, 'missing_signature', 'the Stripe-Signature header is missing');
  try {
    return await Stripe.webhooks.constructEventAsync(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS, cryptoProvider);
  } catch {
    // Whatever failed (signature, timestamp, header syntax, JSON), the delivery is refused as a whole.
    throw new HttpError(400, 'invalid_signature', 'the webhook signature is invalid or too old');
  }
}

/** Maps a failed Stripe call to a response: the caller's fault stays 4xx-free of Stripe details; Stripe's is 502. */
export function stripeFailure(error: unknown): HttpError {
  if (error instanceof Stripe.errors.StripeCardError) {
    return new HttpError(402, error.code ?? 'card_error', error.message);
  }
  console.error('Stripe call failed', error);
  return new HttpError(502, 'stripe_unavailable', 'Stripe could not be reached or refused the request; try again');
}
