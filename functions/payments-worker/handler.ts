// POST /functions/v1/payments-worker (service role only): one run of the outbox worker (drain.ts): due payouts
// enqueued, then refunds, payouts and reversals sent to Stripe, each exactly once. A scheduler calls it every minute
// or so on a hosted project (docs/payments.md); `npm start` calls it every few seconds (scripts/lib/worker.mjs).
// Body, optional: { lease_seconds?, max_rows? }.
import { serviceRoleCaller } from '../_shared/auth.ts';
import { endpoint, json, readJson, z } from '../_shared/http.ts';
import { drainOutbox } from './drain.ts';

const Body = z.object({
  lease_seconds: z.number().int().min(1).max(900).optional(),
  max_rows: z.number().int().min(1).max(500).optional(),
}).strict();

export default endpoint(['POST'], async (request) => {
  await serviceRoleCaller(request);
  const body = await readJson(request, Body);
  return json(await drainOutbox({ leaseSeconds: body.lease_seconds, maxRows: body.max_rows }));
});
