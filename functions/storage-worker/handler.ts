// POST /functions/v1/storage-worker (service role only): one run of the storage worker (drain.ts): the Storage files
// of erased members removed through the Storage API, once. pg_cron asks for a run every minute while removals are due
// (private.request_storage_removals, through pg_net); `npm start` calls it every few seconds (scripts/lib/worker.mjs).
// Body, optional: { lease_seconds?, batch_size? }.
import { serviceRoleCaller } from '../_shared/auth.ts';
import { endpoint, json, readJson, z } from '../_shared/http.ts';
import { drainStorageRemovals } from './drain.ts';

const Body = z.object({
  lease_seconds: z.number().int().min(1).max(900).optional(),
  batch_size: z.number().int().min(1).max(1000).optional(),
}).strict();

export default endpoint(['POST'], async (request) => {
  await serviceRoleCaller(request);
  const body = await readJson(request, Body);
  return json(await drainStorageRemovals({ leaseSeconds: body.lease_seconds, batchSize: body.batch_size }));
});
