// The outbox worker: enqueues due payouts, then claims outbox rows one at a time (payments.claim_outbox: a lease,
// an attempt counter, `for update skip locked`), makes each row's one Stripe call (a refund, a transfer, a reversal,
// or the deletion of an erased member's Customer) with the row id as the idempotency key, and marks the row done
// with the Stripe object id (or failed, retried with backoff).
//
// Exactly one effect per row whatever happens: if the worker dies after Stripe acted but before the row is marked
// done, the lease runs out, the row is claimed again, and Stripe answers the same idempotency key with the saved
// result instead of acting twice. Used by the payments-worker function and by scripts/payments-worker.ts.
import { asServiceRole } from '../_shared/db.ts';
import { Stripe, stripe } from '../_shared/stripe.ts';

type Task = {
  id: string;
  kind: 'refund' | 'payout' | 'payout_reversal' | 'customer_deletion';
  booking_id: string | null;
  amount_cents: string | null; // bigint
  currency: string | null;
  payment_intent_id: string | null;
  destination: string | null;
  source_transaction: string | null;
  transfer_id: string | null;
  attempts: number;
  customer_id: string | null;
};

export type DrainOptions = {
  /** How long a claimed row is reserved for this worker; must exceed one Stripe call with the SDK's retries. */
  leaseSeconds?: number;
  /** At most this many rows per run. */
  maxRows?: number;
  /** Stop claiming new rows after this long (edge functions have a wall-clock limit). */
  budgetMs?: number;
  /** Run private.enqueue_due_payouts() first (the scheduler-free default). */
  enqueuePayouts?: boolean;
};

export type DrainResult = { payouts_enqueued: number; claimed: number; done: number; retrying: number; dead: number };

/** The one Stripe call of a row; returns the id of the object Stripe made (or had made, on a replay). */
async function perform(task: Task): Promise<string> {
  const idempotencyKey = task.id;
  const amount = Number(task.amount_cents);
  const metadata = { booking_id: task.booking_id ?? '', outbox_id: task.id };
  switch (task.kind) {
    case 'refund': {
      const refund = await stripe().refunds.create(
        { payment_intent: task.payment_intent_id!, amount, reason: 'requested_by_customer', metadata },
        { idempotencyKey },
      );
      return refund.id;
    }
    case 'payout': {
      const transfer = await stripe().transfers.create({
        amount,
        currency: task.currency!.toLowerCase(),
        destination: task.destination!,
        transfer_group: `booking-${task.booking_id}`,
        ...(task.source_transaction ? { source_transaction: task.source_transaction } : {}),
        metadata,
      }, { idempotencyKey });
      return transfer.id;
    }
    case 'payout_reversal': {
      const reversal = await stripe().transfers.createReversal(task.transfer_id!, { amount, metadata }, { idempotencyKey });
      return reversal.id;
    }
    case 'customer_deletion': {
      // An erased member's Customer (and the payment methods saved on it) goes from Stripe. A Customer Stripe no
      // longer has (deleted by an earlier attempt whose answer was lost, or by hand) is the outcome wanted: done.
      try {
        const deleted = await stripe().customers.del(task.customer_id!, {}, { idempotencyKey });
        return deleted.id;
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing') return task.customer_id!;
        throw error;
      }
    }
  }
}

/** Refusals that retrying with the same request cannot fix: a human looks at the row (status dead). */
function isPermanent(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeIdempotencyError ||
    error instanceof Stripe.errors.StripePermissionError;
}

export async function drainOutbox(options: DrainOptions = {}): Promise<DrainResult> {
  const { leaseSeconds = 120, maxRows = 50, budgetMs = 60_000, enqueuePayouts = true } = options;
  const started = Date.now();
  const result: DrainResult = { payouts_enqueued: 0, claimed: 0, done: 0, retrying: 0, dead: 0 };
  stripe(); // without Stripe keys, answer 503 before claiming (and spending attempts on) any row
  if (enqueuePayouts) {
    const [row] = await asServiceRole((tx) => tx<{ count: number }[]>`select private.enqueue_due_payouts() as count`);
    result.payouts_enqueued = row?.count ?? 0;
  }
  while (result.claimed < maxRows && Date.now() - started < budgetMs) {
    const [task] = await asServiceRole((tx) => tx<Task[]>`select * from payments.claim_outbox(${leaseSeconds}) where id is not null`);
    if (!task) break;
    result.claimed += 1;
    try {
      const stripeObjectId = await perform(task);
      await asServiceRole((tx) => tx`select payments.complete_outbox(${task.id}::uuid, ${stripeObjectId})`);
      result.done += 1;
    } catch (error) {
      const kind = error instanceof Stripe.errors.StripeError ? error.type : error instanceof Error ? error.name : 'Error';
      const message = error instanceof Error ? `${kind}: ${error.message}` : String(error);
      console.error(`outbox ${task.kind} ${task.id} (attempt ${task.attempts}) failed`, message);
      const [row] = await asServiceRole((tx) => tx<{ status: string }[]>`
        select payments.fail_outbox(${task.id}::uuid, ${message}, ${isPermanent(error)}) as status`);
      if (row?.status === 'dead') result.dead += 1;
      else result.retrying += 1;
    }
  }
  return result;
}
