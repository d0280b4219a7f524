// A small fake of the Stripe API for tests (the real API cannot be reached here and stripe-mock does not exist).
// It answers the endpoints Staybase uses, with Stripe's object shapes and error shapes, parses the form-encoded
// bodies the SDK sends (`metadata[booking_id]=...`, `expand[0]=...`), enforces Idempotency-Key as Stripe does
// (same key + same parameters -> the saved response, replayed; same key + other parameters -> 400
// idempotency_error), records every request so tests can count effects, and injects failures on demand.
//
// Used in-process (`startFakeStripe()`), or from other processes through its control API under /_fake/ (the test
// stack starts one for the edge functions; test files in vitest workers drive it with `fakeStripeControl(url)`).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type StripeObject = Record<string, unknown> & { id: string; object: string };

export type RecordedRequest = {
  seq: number;
  method: string;
  path: string;
  params: Record<string, unknown>;
  idempotencyKey: string | null;
  stripeAccount: string | null;
  status: number;
  /** True when the response was a saved idempotent result (no new effect). */
  replayed: boolean;
  /** The injected failure that shaped this response, if any. */
  injected: FailureKind | null;
  at: string;
};

export type FailureKind = 'http_500' | 'timeout' | 'card_declined';

export type FailureSpec = {
  kind: FailureKind;
  /** Match on the method (default: any). */
  method?: string;
  /** Match on the path: exact, or with `*` for one path segment (`/v1/payment_intents/*\/cancel`). */
  path?: string;
  /** Match on the Idempotency-Key: exact, or a prefix ending in `*`. */
  idempotencyKey?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
  /**
   * For http_500 and timeout: perform the request first (the effect happens and its result is saved for the
   * idempotency key), then fail the response, as when a connection drops after Stripe did the work. Without it
   * the request fails before anything happens and nothing is saved.
   */
  afterEffect?: boolean;
};

type Failure = FailureSpec & { remaining: number };

type Reply = { status: number; body: unknown };

type SavedResult = { endpoint: string; paramsKey: string; reply: Reply };

class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly error: Record<string, unknown>,
  ) {
    super(String(error.message));
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const randomId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 24)}`;

/** Parses Stripe's form encoding (`a[b][0]=x`) into nested objects and arrays. Values stay strings. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    const segments = match ? [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)] : [rawKey];
    let node: Record<string, unknown> = root;
    segments.forEach((segment, index) => {
      if (index === segments.length - 1) {
        node[segment] = value;
      } else {
        if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = {};
        node = node[segment] as Record<string, unknown>;
      }
    });
  }
  const arrays = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, arrays(v)] as const);
    if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
      return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
    }
    return Object.fromEntries(entries);
  };
  return arrays(root) as Record<string, unknown>;
}

/** A canonical string of parameters: equal parameters give equal strings whatever their order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const invalid = (message: string, param?: string, code = 'parameter_invalid_empty') =>
  new StripeError(400, { type: 'invalid_request_error', code, message, ...(param ? { param } : {}) });
const missing = (kind: string, id: string, param = 'id') =>
  new StripeError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${kind}: '${id}'`, param });

function requireString(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
  return value;
}

function positiveInteger(params: Record<string, unknown>, name: string, required: boolean): number | null {
  const value = params[name];
  if (value === undefined) {
    if (required) throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
    return null;
  }
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1) {
    throw invalid(`Invalid integer: ${String(value)}`, name, 'parameter_invalid_integer');
  }
  return Number(value);
}

function currency(params: Record<string, unknown>): string {
  const value = requireString(params, 'currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(value)) throw invalid(`Invalid currency: ${value}.`, 'currency', 'parameter_invalid_string');
  return value;
}

const metadataOf = (params: Record<string, unknown>) =>
  typeof params.metadata === 'object' && params.metadata !== null ? (params.metadata as Record<string, string>) : {};

function pathMatches(pattern: string, path: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
  return regex.test(path);
}

function keyMatches(pattern: string, key: string | null): boolean {
  if (key === null) return false;
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
}

export type FakeStripe = {
  url: string;
  port: number;
  /** Every request received, in order (control requests excluded). */
  requests(): RecordedRequest[];
  /** Objects created, optionally of one `object` type (`payment_intent`, `account`, ...). */
  objects(type?: string): StripeObject[];
  object(id: string): StripeObject | undefined;
  /** Changes an object as Stripe would (say, an account finishing onboarding); returns the new object. */
  update(id: string, fields: Record<string, unknown>): StripeObject;
  injectFailure(spec: FailureSpec): void;
  clearFailures(): void;
  reset(): void;
  stop(): Promise<void>;
};

export async function startFakeStripe({ port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {}): Promise<FakeStripe> {
  const objects = new Map<string, StripeObject>();
  const idempotent = new Map<string, SavedResult>();
  let requests: RecordedRequest[] = [];
  let failures: Failure[] = [];
  let seq = 0;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const store = <T extends StripeObject>(object: T): T => {
    objects.set(object.id, object);
    return object;
  };
  const find = (id: string, object: string, kind: string, param = 'id'): StripeObject => {
    const found = objects.get(id);
    if (!found || found.object !== object) throw missing(kind, id, param);
    return found;
  };
  const listOf = (url: string) => ({ object: 'list', data: [] as unknown[], has_more: false, total_count: 0, url });

  function charge(paymentIntent: StripeObject): StripeObject {
    return store({
      id: randomId('ch'), object: 'charge', amount: paymentIntent.amount, amount_captured: paymentIntent.amount, amount_refunded: 0,
      currency: paymentIntent.currency, customer: paymentIntent.customer ?? null, payment_intent: paymentIntent.id,
      paid: true, refunded: false, status: 'succeeded', captured: true, disputed: false,
      metadata: paymentIntent.metadata, created: nowSeconds(), livemode: false,
    });
  }

  function confirm(paymentIntent: StripeObject, paymentMethod: string, declined: boolean): Reply {
    paymentIntent.payment_method = paymentMethod;
    if (declined || paymentMethod === 'pm_card_chargeDeclined' || paymentMethod === 'pm_card_visa_chargeDeclined') {
      const error = {
        type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.',
        doc_url: 'https://stripe.com/docs/error-codes/card-declined', payment_intent: null as unknown,
      };
      paymentIntent.status = 'requires_payment_method';
      paymentIntent.last_payment_error = { ...error, payment_intent: undefined };
      error.payment_intent = { ...paymentIntent };
      return { status: 402, body: { error } };
    }
    const created = charge(paymentIntent);
    Object.assign(paymentIntent, { status: 'succeeded', amount_received: paymentIntent.amount, latest_charge: created.id, last_payment_error: null });
    return { status: 200, body: paymentIntent };
  }

  /** The API itself: returns the reply, or throws a StripeError. */
  function handle(method: string, path: string, params: Record<string, unknown>, declined: boolean): Reply {
    const ok = (body: unknown): Reply => ({ status: 200, body });
    const segments = path.split('/').filter(Boolean); // ['v1', resource, id?, action?, ...]
    if (segments[0] !== 'v1') throw missing('route', path);
    const [, resource, id, action, subId] = segments;
    const route = `${method} ${resource}${id ? '/:id' : ''}${action ? `/${action}` : ''}${subId ? '/:sub' : ''}`;

    switch (route) {
      case 'POST customers':
        return ok(store({
          id: randomId('cus'), object: 'customer', email: params.email ?? null, name: params.name ?? null,
          description: params.description ?? null, metadata: metadataOf(params), created: nowSeconds(), livemode: false,
          balance: 0, currency: null, default_source: null, delinquent: false, invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
        }));
      case 'GET customers/:id':
        return ok(find(id!, 'customer', 'customer'));
      case 'DELETE customers/:id': {
        // Stripe: { id, object: 'customer', deleted: true }; the Customer then reads as deleted, and deleting it
        // again is 404 resource_missing ("No such customer").
        const customer = find(id!, 'customer', 'customer');
        if (customer.deleted === true) throw missing('customer', id!);
        return ok(store({ id: id!, object: 'customer', deleted: true }));
      }

      case 'POST payment_intents': {
        const amount = positiveInteger(params, 'amount', true)!;
        const paymentIntentCurrency = currency(params);
        if (typeof params.customer === 'string') find(params.customer, 'customer', 'customer', 'customer');
        const paymentIntentId = randomId('pi');
        const paymentIntent = store({
          id: paymentIntentId, object: 'payment_intent', amount, amount_capturable: 0, amount_received: 0,
          currency: paymentIntentCurrency, customer: params.customer ?? null, description: params.description ?? null,
          metadata: metadataOf(params), status: 'requires_payment_method', capture_method: params.capture_method ?? 'automatic',
          confirmation_method: 'automatic', client_secret: `${paymentIntentId}_secret_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`,
          automatic_payment_methods: params.automatic_payment_methods ? { allow_redirects: 'always', enabled: true } : null,
          payment_method: null, payment_method_types: ['card'], latest_charge: null, last_payment_error: null,
          canceled_at: null, cancellation_reason: null, receipt_email: params.receipt_email ?? null,
          transfer_group: params.transfer_group ?? null, created: nowSeconds(), livemode: false,
        });
        if (params.confirm === 'true') return confirm(paymentIntent, String(params.payment_method ?? 'pm_card_visa'), declined);
        return ok(paymentIntent);
      }
      case 'GET payment_intents/:id':
        return ok(find(id!, 'payment_intent', 'payment_intent'));
      case 'POST payment_intents/:id/confirm': {
        const paymentIntent = find(id!, 'payment_intent', 'payment_intent');
        if (!['requires_payment_method', 'requires_confirmation'].includes(String(paymentIntent.status))) {
          throw new StripeError(400, {
            type: 'invalid_request_error', code: 'payment_intent_unexpected_state',
            message: `This PaymentIntent's status is ${String(paymentIntent.status)}, so it cannot be confirmed.`,
          });
        }
        return confirm(paymentIntent, String(params.payment_method ?? 'pm_card_visa'), declined);
      }
      case 'POST payment_intents/:id/cancel': {
        const paymentIntent = find(id!, 'payment_intent', 'payment_intent');
        if (['succeeded', 'canceled'].includes(String(paymentIntent.status))) {
          throw new StripeError(400, {
            type: 'invalid_request_error', code: 'payment_intent_unexpected_state',
            message: `You cannot cancel this PaymentIntent because it has a status of ${String(paymentIntent.status)}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
          });
        }
        Object.assign(paymentIntent, { status: 'canceled', canceled_at: nowSeconds(), cancellation_reason: params.cancellation_reason ?? null });
        return ok(paymentIntent);
      }

      case 'POST refunds': {
        let target: StripeObject;
        if (typeof params.payment_intent === 'string') {
          const paymentIntent = find(params.payment_intent, 'payment_intent', 'payment_intent', 'payment_intent');
          if (paymentIntent.status !== 'succeeded' || typeof paymentIntent.latest_charge !== 'string') {
            throw new StripeError(400, {
              type: 'invalid_request_error', code: 'payment_intent_unexpected_state',
              message: `This PaymentIntent (${paymentIntent.id}) does not have a successful charge to refund.`,
            });
          }
          target = find(paymentIntent.latest_charge, 'charge', 'charge');
        } else if (typeof params.charge === 'string') {
          target = find(params.charge, 'charge', 'charge', 'charge');
        } else {
          throw invalid('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent', 'parameter_missing');
        }
        const refundable = Number(target.amount) - Number(target.amount_refunded);
        if (refundable <= 0) {
          throw new StripeError(400, { type: 'invalid_request_error', code: 'charge_already_refunded', message: `Charge ${target.id} has already been refunded.` });
        }
        const amount = positiveInteger(params, 'amount', false) ?? refundable;
        if (amount > refundable) {
          throw new StripeError(400, {
            type: 'invalid_request_error', code: 'amount_too_large', param: 'amount',
            message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`,
          });
        }
        target.amount_refunded = Number(target.amount_refunded) + amount;
        target.refunded = target.amount_refunded === target.amount;
        return ok(store({
          id: randomId('re'), object: 'refund', amount, currency: target.currency, charge: target.id,
          payment_intent: target.payment_intent, status: 'succeeded', reason: params.reason ?? null,
          metadata: metadataOf(params), created: nowSeconds(),
        }));
      }

      case 'POST accounts': {
        const controller = (params.controller ?? {}) as Record<string, Record<string, unknown>>;
        const type = params.type ?? (controller.stripe_dashboard?.type === 'express' ? 'express' : controller.stripe_dashboard?.type === 'none' ? 'custom' : 'standard');
        return ok(store({
          id: randomId('acct'), object: 'account', type, country: params.country ?? 'US', email: params.email ?? null,
          default_currency: params.default_currency ?? 'usd', business_type: params.business_type ?? null,
          charges_enabled: false, payouts_enabled: false, details_submitted: false,
          capabilities: {}, requirements: { currently_due: ['external_account', 'tos_acceptance.date'], disabled_reason: 'requirements.past_due' },
          controller: { type: 'application', is_controller: true, ...controller }, metadata: metadataOf(params), created: nowSeconds(),
        }));
      }
      case 'GET accounts/:id':
        return ok(find(id!, 'account', 'account'));

      case 'POST account_links': {
        const account = requireString(params, 'account');
        find(account, 'account', 'account', 'account');
        requireString(params, 'type');
        const created = nowSeconds();
        return ok({
          object: 'account_link', created, expires_at: created + 300,
          url: `https://connect.stripe.com/setup/e/${account}/${randomBytes(9).toString('base64url')}`,
        });
      }

      case 'POST transfers': {
        const amount = positiveInteger(params, 'amount', true)!;
        const transferCurrency = currency(params);
        const destination = requireString(params, 'destination');
        find(destination, 'account', 'account', 'destination');
        const transferId = randomId('tr');
        return ok(store({
          id: transferId, object: 'transfer', amount, amount_reversed: 0, currency: transferCurrency, destination,
          description: params.description ?? null, metadata: metadataOf(params), reversed: false,
          reversals: listOf(`/v1/transfers/${transferId}/reversals`), source_transaction: params.source_transaction ?? null,
          transfer_group: params.transfer_group ?? null, created: nowSeconds(), livemode: false,
        }));
      }
      case 'POST transfers/:id/reversals': {
        const transfer = find(id!, 'transfer', 'transfer');
        const reversible = Number(transfer.amount) - Number(transfer.amount_reversed);
        const amount = positiveInteger(params, 'amount', false) ?? reversible;
        if (reversible <= 0 || amount > reversible) {
          throw new StripeError(400, {
            type: 'invalid_request_error', code: 'transfer_reversal_amount_too_large', param: 'amount',
            message: `Reversal amount (${amount}) is greater than the amount remaining on the transfer (${reversible}).`,
          });
        }
        const reversal = store({
          id: randomId('trr'), object: 'transfer_reversal', amount, currency: transfer.currency, transfer: transfer.id,
          metadata: metadataOf(params), created: nowSeconds(),
        });
        transfer.amount_reversed = Number(transfer.amount_reversed) + amount;
        transfer.reversed = transfer.amount_reversed === transfer.amount;
        const reversals = transfer.reversals as ReturnType<typeof listOf>;
        reversals.data.unshift(reversal);
        reversals.total_count += 1;
        return ok(reversal);
      }
      default:
        throw new StripeError(404, {
          type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}). The fake Stripe answers only what Staybase uses.`,
        });
    }
  }

  function takeFailure(method: string, path: string, key: string | null): Failure | null {
    const failure = failures.find((f) =>
      f.remaining > 0 && (!f.method || f.method.toUpperCase() === method) && (!f.path || pathMatches(f.path, path)) &&
      (!f.idempotencyKey || keyMatches(f.idempotencyKey, key)));
    if (!failure) return null;
    failure.remaining -= 1;
    failures = failures.filter((f) => f.remaining > 0);
    return failure;
  }

  function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}) {
    res.writeHead(reply.status, { 'content-type': 'application/json', 'request-id': randomId('req'), 'stripe-version': '2026-10-28.endive', ...headers });
    res.end(JSON.stringify(reply.body));
  }

  async function control(req: IncomingMessage, res: ServerResponse, url: URL, body: string) {
    const [, , what, id] = url.pathname.split('/'); // /_fake/<what>/<id>
    const json = (status: number, value: unknown) => send(res, { status, body: value });
    if (req.method === 'GET' && what === 'requests') return json(200, requests);
    if (req.method === 'GET' && what === 'objects' && id) return objects.has(id) ? json(200, objects.get(id)) : json(404, { error: 'no such object' });
    if (req.method === 'GET' && what === 'objects') {
      const type = url.searchParams.get('type');
      return json(200, [...objects.values()].filter((o) => !type || o.object === type));
    }
    if (req.method === 'POST' && what === 'objects' && id) return json(200, api.update(id, JSON.parse(body)));
    if (req.method === 'POST' && what === 'failures') {
      api.injectFailure(JSON.parse(body) as FailureSpec);
      return json(200, { ok: true });
    }
    if (req.method === 'DELETE' && what === 'failures') {
      api.clearFailures();
      return json(200, { ok: true });
    }
    if (req.method === 'POST' && what === 'reset') {
      api.reset();
      return json(200, { ok: true });
    }
    return json(404, { error: 'unknown control route' });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake-stripe');
      if (url.pathname.startsWith('/_fake/')) {
        control(req, res, url, body).catch((error: Error) => send(res, { status: 400, body: { error: error.message } }));
        return;
      }
      const method = (req.method ?? 'GET').toUpperCase();
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' && value !== '' ? value : null;
      };
      // Stripe honours Idempotency-Key on POST and DELETE requests (GET is idempotent by definition).
      const idempotencyKey = method === 'POST' || method === 'DELETE' ? header('idempotency-key') : null;
      const stripeAccount = header('stripe-account');
      const params = method === 'GET' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(body);
      const entry: RecordedRequest = {
        seq: ++seq, method, path: url.pathname, params, idempotencyKey, stripeAccount, status: 0, replayed: false, injected: null,
        at: new Date().toISOString(),
      };
      requests.push(entry);
      const respond = (reply: Reply, headers: Record<string, string> = {}) => {
        entry.status = reply.status;
        send(res, reply, headers);
      };

      const apiKey = (header('authorization') ?? '').replace(/^Bearer\s+/i, '');
      if (!/^(sk|rk)_test_\S+$/.test(apiKey)) {
        return respond({
          status: 401,
          body: { error: { type: 'invalid_request_error', message: apiKey ? `Invalid API Key provided: ${apiKey.slice(0, 8)}****` : 'You did not provide an API key.' } },
        });
      }

      const failure = takeFailure(method, url.pathname, idempotencyKey);
      entry.injected = failure?.kind ?? null;
      const hang = () => {
        entry.status = -1; // never answered
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
      };
      if (failure && !failure.afterEffect && failure.kind !== 'card_declined') {
        if (failure.kind === 'timeout') return hang();
        return respond({ status: 500, body: { error: { type: 'api_error', message: 'An unknown error occurred (injected by the fake Stripe).' } } });
      }

      // Stripe keys idempotent results per account (the API key) and connected account.
      const scope = idempotencyKey ? `${apiKey}|${stripeAccount ?? ''}|${idempotencyKey}` : null;
      const endpoint = `${method} ${url.pathname}`;
      const paramsKey = canonical(params);
      if (scope) {
        const saved = idempotent.get(scope);
        if (saved) {
          if (saved.endpoint !== endpoint || saved.paramsKey !== paramsKey) {
            return respond({
              status: 400,
              body: {
                error: {
                  type: 'idempotency_error',
                  message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
                },
              },
            });
          }
          entry.replayed = true;
          return respond(saved.reply, { 'idempotent-replayed': 'true', 'original-request': 'req_fake' });
        }
      }

      let reply: Reply;
      let save = true;
      try {
        reply = handle(method, url.pathname, params, failure?.kind === 'card_declined');
      } catch (error) {
        reply = error instanceof StripeError
          ? { status: error.status, body: { error: error.error } }
          : { status: 500, body: { error: { type: 'api_error', message: `fake Stripe bug: ${(error as Error).message}` } } };
        // Stripe saves no idempotent result when the request failed validation (nothing was executed).
        save = false;
      }
      if (scope && save) idempotent.set(scope, { endpoint, paramsKey, reply: structuredClone(reply) });
      if (failure?.afterEffect) {
        if (failure.kind === 'timeout') return hang();
        return respond({ status: 500, body: { error: { type: 'api_error', message: 'An unknown error occurred (injected by the fake Stripe, after the effect).' } } });
      }
      respond(reply);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  const api: FakeStripe = {
    url: `http://${host}:${boundPort}`,
    port: boundPort,
    requests: () => structuredClone(requests),
    objects: (type) => [...objects.values()].filter((o) => !type || o.object === type).map((o) => structuredClone(o)),
    object: (id) => (objects.has(id) ? structuredClone(objects.get(id)!) : undefined),
    update(id, fields) {
      const object = objects.get(id);
      if (!object) throw new Error(`no object ${id}`);
      Object.assign(object, fields, { id: object.id, object: object.object });
      return structuredClone(object);
    },
    injectFailure: (spec) => {
      failures.push({ ...spec, remaining: spec.times ?? 1 });
    },
    clearFailures: () => {
      failures = [];
    },
    reset() {
      objects.clear();
      idempotent.clear();
      requests = [];
      failures = [];
    },
    stop: () => new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
  return api;
}

/** Drives a fake Stripe running in another process (the one the test stack gives the edge functions). */
export function fakeStripeControl(url: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/_fake/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`fake Stripe control ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url,
    requests: () => call<RecordedRequest[]>('GET', 'requests'),
    objects: (type?: string) => call<StripeObject[]>('GET', `objects${type ? `?type=${encodeURIComponent(type)}` : ''}`),
    object: (id: string) => call<StripeObject>('GET', `objects/${encodeURIComponent(id)}`),
    update: (id: string, fields: Record<string, unknown>) => call<StripeObject>('POST', `objects/${encodeURIComponent(id)}`, fields),
    injectFailure: (spec: FailureSpec) => call<{ ok: true }>('POST', 'failures', spec),
    clearFailures: () => call<{ ok: true }>('DELETE', 'failures'),
  };
}
