// POST /functions/v1/calendar-sync (the secret key or the legacy service role key only): one run of the calendar sync (sync.ts). pg_cron calls it
// every 15 minutes where it exists (private.request_calendar_sync, scheduled by a data migration), `npm start` does
// locally (scripts/lib/worker.mjs). Body, optional: { calendar_ids?: uuid[] } to sync exactly those feeds now.
// A feed that fails is recorded on the feed and reported in the answer, which is still 200: no feed, however
// broken or hostile, makes the run fail.
import { serviceRoleCaller } from '../_shared/auth.ts';
import { endpoint, json, readJson, z } from '../_shared/http.ts';
import { syncCalendars } from './sync.ts';

const Body = z.object({
  calendar_ids: z.array(z.uuid()).min(1).max(100).optional(),
}).strict();

export default endpoint(['POST'], async (request) => {
  await serviceRoleCaller(request);
  const body = await readJson(request, Body);
  return json(await syncCalendars({ calendarIds: body.calendar_ids }));
});
