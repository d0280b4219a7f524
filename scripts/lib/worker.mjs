// Under `npm start`, background functions run as a scheduler would call them on a hosted project: a POST to
// /functions/v1/<name> with the service role key on a fixed interval (the edge function does the work). The payments
// outbox worker, the e-mail worker and the storage worker run every few seconds, the calendar sync every 15 minutes (first a few seconds after start).
// One call at a time per loop: a run still going when the next tick comes is not doubled.
export function startFunctionLoop({ apiUrl, serviceRoleKey, name, intervalMs, firstRunMs = intervalMs, summarize }) {
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
      const summary = error ? null : summarize(body);
      if (summary) console.log(`[${name}] ${summary}`);
      lastError = error;
    } catch (error) {
      if (String(error) !== lastError) console.error(`[${name}] ${error.message}`);
      lastError = String(error);
    } finally {
      running = false;
    }
  };
  let timer = null;
  const first = setTimeout(() => {
    tick();
    timer = setInterval(tick, intervalMs);
  }, firstRunMs);
  return { stop: () => { clearTimeout(first); if (timer) clearInterval(timer); } };
}

/** The payments outbox worker (refunds, payouts) every 5 s. */
export function startWorkerLoop({ apiUrl, serviceRoleKey, intervalMs = 5000 }) {
  return startFunctionLoop({
    apiUrl, serviceRoleKey, name: 'payments-worker', intervalMs,
    summarize: (body) => (body.claimed > 0 || body.payouts_enqueued > 0 ? JSON.stringify(body) : null),
  });
}

/** The e-mail worker (notifications' e-mails) every 5 s. */
export function startEmailWorkerLoop({ apiUrl, serviceRoleKey, intervalMs = 5000 }) {
  return startFunctionLoop({
    apiUrl, serviceRoleKey, name: 'email-worker', intervalMs,
    summarize: (body) => (body.claimed > 0 ? JSON.stringify(body) : null),
  });
}

/** The storage worker (erased members' Storage files, through the Storage API) every 5 s. */
export function startStorageWorkerLoop({ apiUrl, serviceRoleKey, intervalMs = 5000 }) {
  return startFunctionLoop({
    apiUrl, serviceRoleKey, name: 'storage-worker', intervalMs,
    summarize: (body) => (body.claimed > 0 ? JSON.stringify(body) : null),
  });
}

/** The calendar sync (other platforms' iCal feeds) every 15 minutes, as pg_cron runs it on a hosted project. */
export function startCalendarSyncLoop({ apiUrl, serviceRoleKey, intervalMs = 15 * 60_000, firstRunMs = 5000 }) {
  return startFunctionLoop({
    apiUrl, serviceRoleKey, name: 'calendar-sync', intervalMs, firstRunMs,
    summarize: (body) => {
      if (!body.calendars?.length) return null;
      const failures = body.calendars.filter((c) => !c.ok).map((c) => `${c.calendar_id}: ${c.error}`);
      return `${body.synced} feeds synced, ${body.failed} failed${failures.length ? `\n  ${failures.join('\n  ')}` : ''}`;
    },
  });
}
