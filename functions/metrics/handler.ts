// GET /functions/v1/metrics: Prometheus scrapes Staybase's metrics here. No Supabase JWT (verify_jwt = false):
// Prometheus sends `Authorization: Bearer <METRICS_TOKEN>`, a secret of its own, compared in constant time.
// The database computes every sample (private.prometheus_metrics); this only authenticates and serves the text.
import { asServiceRole } from '../_shared/db.ts';
import { endpoint, HttpError } from '../_shared/http.ts';

const encoder = new TextEncoder();

function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

export default endpoint(['GET'], async (request) => {
  const token = Deno.env.get('METRICS_TOKEN');
  if (!token) throw new HttpError(503, 'metrics_not_configured', 'set METRICS_TOKEN to serve metrics');
  const given = request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? '';
  if (!sameSecret(given, token)) throw new HttpError(401, 'invalid_metrics_token', 'a valid metrics token is required');
  const text = await asServiceRole(async (tx) => {
    const [row] = await tx<{ metrics: string }[]>`select private.prometheus_metrics() as metrics`;
    return row!.metrics;
  });
  return new Response(text, { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
});
