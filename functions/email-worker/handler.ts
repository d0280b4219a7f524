// POST /functions/v1/email-worker (service role only): one run of the e-mail worker (drain.ts): the notifications'
// e-mails sent through Resend, each exactly once. A scheduler calls it every minute or so on a hosted project;
// `npm start` calls it every few seconds (scripts/lib/worker.mjs). Body, optional: { lease_seconds?, max_rows? }.
import { serviceRoleCaller } from '../_shared/auth.ts';
import { endpoint, json, readJson, z } from '../_shared/http.ts';
import { drainEmails } from './drain.ts';

const Body = z.object({
  lease_seconds: z.number().int().min(1).max(900).optional(),
  max_rows: z.number().int().min(1).max(500).optional(),
}).strict();

export default endpoint(['POST'], async (request) => {
  await serviceRoleCaller(request);
  const body = await readJson(request, Body);
  return json(await drainEmails({ leaseSeconds: body.lease_seconds, maxRows: body.max_rows }));
});
