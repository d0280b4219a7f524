// Under `npm start`, the outbox worker runs as it would with a scheduler on a hosted project: a POST to
// /functions/v1/payments-worker with the service role key every few seconds (the edge function does the work).
// One call at a time: a run still going when the next tick comes is not doubled.
export function startWorkerLoop({ apiUrl, serviceRoleKey, intervalMs = 5000 }) {
  let running = false;
  let lastError = null;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const response = await fetch(`${apiUrl}/functions/v1/payments-worker`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serviceRoleKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = await response.json().catch(() => null);
      const error = response.ok ? null : `${response.status} ${body?.error?.code ?? ''}`.trim();
      // Quiet unless something happened or the state changed (say, Stripe keys missing: 503 once, not every tick).
      if (error && error !== lastError) console.error(`[payments-worker] ${error}: ${body?.error?.message ?? ''}`);
      if (!error && (body.claimed > 0 || body.payouts_enqueued > 0)) console.log(`[payments-worker] ${JSON.stringify(body)}`);
      lastError = error;
    } catch (error) {
      if (String(error) !== lastError) console.error(`[payments-worker] ${error.message}`);
      lastError = String(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  return { stop: () => clearInterval(timer) };
}
