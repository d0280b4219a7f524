// Under `npm start`, the outbox workers run as they would with a scheduler on a hosted project: a POST to
// /functions/v1/payments-worker (and one to /functions/v1/email-worker) with the service role key every few seconds
// (the edge functions do the work). One call at a time: a run still going when the next tick comes is not doubled.
export function startWorkerLoop({ apiUrl, serviceRoleKey, intervalMs = 5000 }) {
  const loops = ['payments-worker', 'email-worker'].map((name) => workerLoop({ name, apiUrl, serviceRoleKey, intervalMs }));
  return { stop: () => loops.forEach((loop) => loop.stop()) };
}

function workerLoop({ name, apiUrl, serviceRoleKey, intervalMs }) {
  let running = false;
  let lastError = null;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const response = await fetch(`${apiUrl}/functions/v1/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serviceRoleKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = await response.json().catch(() => null);
      const error = response.ok ? null : `${response.status} ${body?.error?.code ?? ''}`.trim();
      // Quiet unless something happened or the state changed (say, Stripe keys missing: 503 once, not every tick).
      if (error && error !== lastError) console.error(`[${name}] ${error}: ${body?.error?.message ?? ''}`);
      if (!error && (body.claimed > 0 || body.payouts_enqueued > 0)) console.log(`[${name}] ${JSON.stringify(body)}`);
      lastError = error;
    } catch (error) {
      if (String(error) !== lastError) console.error(`[${name}] ${error.message}`);
      lastError = String(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  return { stop: () => clearInterval(timer) };
}
