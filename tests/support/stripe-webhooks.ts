// Stripe webhook deliveries as Stripe makes them: an event object, its raw JSON body, and a Stripe-Signature
// header signed for real (the SDK's generateTestHeaderStringAsync) with the webhook secret the functions verify.
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { env } from './env.ts';

export type StripeEventBody = {
  id: string;
  object: 'event';
  type: string;
  api_version: string;
  created: number;
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: Record<string, unknown> };
  account?: string;
};

export const webhookUrl = () => `${env.apiUrl}/functions/v1/stripe-webhook`;

export function eventId(): string {
  return `evt_${randomBytes(12).toString('hex')}`;
}

export function stripeEvent(type: string, object: Record<string, unknown>, overrides: Partial<StripeEventBody> = {}): StripeEventBody {
  return {
    id: eventId(), object: 'event', type, api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000),
    livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object }, ...overrides,
  };
}

export async function signature(payload: string, options: { secret?: string; timestamp?: number } = {}): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? env.stripeWebhookSecret,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}

/** Delivers a body to the webhook through the gateway, signed unless a header is given. */
export async function deliver(
  body: string | StripeEventBody,
  options: { signatureHeader?: string | null; secret?: string; timestamp?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const header = options.signatureHeader === undefined ? await signature(payload, options) : options.signatureHeader;
  const response = await fetch(webhookUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header === null ? {} : { 'stripe-signature': header }), ...options.headers },
    body: payload,
  });
  const text = await response.text();
  let parsed: Record<string, unknown> | null = null;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = null;
  }
  return { status: response.status, body: parsed };
}
