// The e-mail worker: claims private.email_outbox rows one at a time (private.claim_email: a lease, an attempt
// counter, `for update skip locked`), sends each through Resend's HTTP API with the row id as the Idempotency-Key,
// and marks the row sent with the provider's id (or failed, retried with backoff).
//
// Exactly one e-mail per row whatever happens: if the worker dies after the provider accepted the e-mail but before
// the row is marked sent, the lease runs out, the row is claimed again, and the provider answers the same
// idempotency key with the first answer instead of sending again. Without RESEND_API_KEY the e-mail goes to
// EMAIL_API_URL or the local stack's inbox (which speaks the same API); with neither the row is recorded as not_sent,
// kept for private.resend_unsent_emails(), never dropped.
import { asServiceRole } from '../_shared/db.ts';

type Task = { id: string; to_address: string; subject: string; text_body: string; attempts: number };

export type DrainOptions = {
  /** How long a claimed row is reserved for this worker; must exceed one provider call. */
  leaseSeconds?: number;
  /** At most this many rows per run. */
  maxRows?: number;
  /** Stop claiming new rows after this long (edge functions have a wall-clock limit). */
  budgetMs?: number;
};

export type DrainResult = { claimed: number; sent: number; not_sent: number; retrying: number; dead: number };

type Provider = { url: string; apiKey: string | null } | null;

/**
 * Resend when RESEND_API_KEY is set (EMAIL_API_URL overrides its address); without a key, EMAIL_API_URL or the local
 * stack's inbox (STAYBASE_LOCAL_INBOX_URL, set by npm start); or none.
 */
export function emailProvider(): Provider {
  const apiKey = Deno.env.get('RESEND_API_KEY')?.trim() || null;
  const url = Deno.env.get('EMAIL_API_URL')?.trim() ||
    (apiKey ? 'https://api.resend.com' : Deno.env.get('STAYBASE_LOCAL_INBOX_URL')?.trim() || '');
  return url ? { url: url.replace(/\/+$/, ''), apiKey } : null;
}

class SendError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
  }
}

/** POST /emails as Resend defines it; returns the provider's e-mail id. */
async function send(provider: NonNullable<Provider>, task: Task): Promise<string> {
  const response = await fetch(`${provider.url}/emails`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': task.id,
      ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
    },
    body: JSON.stringify({
      from: Deno.env.get('EMAIL_FROM') ?? 'Staybase <notifications@staybase.test>',
      to: [task.to_address],
      subject: task.subject,
      text: task.text_body,
    }),
    signal: AbortSignal.timeout(20_000),
  });
  const body = await response.json().catch(() => ({})) as { id?: string; message?: string; name?: string };
  if (!response.ok || !body.id) {
    // 4xx other than 429 will fail the same way again (validation, a conflicting idempotency key): a human looks.
    const permanent = response.status >= 400 && response.status < 500 && response.status !== 429;
    throw new SendError(`HTTP ${response.status}: ${body.name ?? ''} ${body.message ?? ''}`.trim(), permanent);
  }
  return body.id;
}

export async function drainEmails(options: DrainOptions = {}): Promise<DrainResult> {
  const { leaseSeconds = 120, maxRows = 100, budgetMs = 60_000 } = options;
  const started = Date.now();
  const provider = emailProvider();
  const result: DrainResult = { claimed: 0, sent: 0, not_sent: 0, retrying: 0, dead: 0 };
  while (result.claimed < maxRows && Date.now() - started < budgetMs) {
    const [task] = await asServiceRole((tx) => tx<Task[]>`select * from private.claim_email(${leaseSeconds}) where id is not null`);
    if (!task) break;
    result.claimed += 1;
    if (!provider) {
      await asServiceRole((tx) => tx`select private.complete_email(${task.id}::uuid, null, false)`);
      result.not_sent += 1;
      continue;
    }
    try {
      const providerId = await send(provider, task);
      await asServiceRole((tx) => tx`select private.complete_email(${task.id}::uuid, ${providerId})`);
      result.sent += 1;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      console.error(`e-mail ${task.id} (attempt ${task.attempts}) failed`, message);
      const permanent = error instanceof SendError && error.permanent;
      const [row] = await asServiceRole((tx) => tx<{ status: string }[]>`
        select private.fail_email(${task.id}::uuid, ${message}, ${permanent}) as status`);
      if (row?.status === 'dead') result.dead += 1;
      else result.retrying += 1;
    }
  }
  return result;
}
