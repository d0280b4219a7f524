// One run of the calendar sync: claims the feeds that are due (private.calendars_to_sync marks them attempted, so
// an overlapping run skips them), fetches and parses each, and hands the events to private.apply_calendar_feed, the
// one write, which replaces the feed's events atomically. Whatever goes wrong with one feed (unreachable, refused,
// unparsable, refused by the database) is recorded on it with private.record_calendar_sync_failure, and nothing
// else about it changes; the run goes on with the next. Used by the calendar-sync function.
import { asServiceRole } from '../_shared/db.ts';
import { FeedError, fetchFeed, type FetchOptions, fetchOptionsFromEnv } from './fetch-feed.ts';
import { parseFeed } from './parse-feed.ts';

export type CalendarResult = {
  calendar_id: string;
  ok: boolean;
  events?: number;
  nights_blocked?: number;
  open_conflicts?: number;
  error?: string;
};
export type SyncResult = { synced: number; failed: number; calendars: CalendarResult[] };
export type SyncOptions = {
  /** Exactly these feeds (whether due or not); otherwise every due feed, oldest attempt first. */
  calendarIds?: string[];
  /** Stop claiming feeds after this long (edge functions have a wall-clock limit). */
  budgetMs?: number;
  /** Feeds fetched at once. */
  concurrency?: number;
  fetch?: FetchOptions;
};

type DueCalendar = { id: string; url: string; today: string; expand_until: string };

// The refusals the database answers a feed's events with (invalid_event, too_many_events, duplicate_uid, ...).
function isDatabaseRefusal(error: unknown): error is Error & { code: string } {
  return error instanceof Error && error.name === 'PostgresError' && ['22023', 'PT404'].includes((error as { code?: string }).code ?? '');
}

async function claim(max: number, calendarIds: string[] | null): Promise<DueCalendar[]> {
  return await asServiceRole((tx) => tx<DueCalendar[]>`
    select id, url, today::text as today, expand_until::text as expand_until
      from private.calendars_to_sync(${max}, ${calendarIds}::uuid[])`);
}

async function syncOne(calendar: DueCalendar, fetchOptions: FetchOptions): Promise<CalendarResult> {
  try {
    const text = await fetchFeed(calendar.url, fetchOptions);
    const events = parseFeed(text, { today: calendar.today, expandUntil: calendar.expand_until });
    const applied = await asServiceRole(async (tx) => {
      const [row] = await tx<{ result: Omit<CalendarResult, 'calendar_id' | 'ok'> }[]>`
        select private.apply_calendar_feed(${calendar.id}::uuid, ${tx.json(events as unknown as Parameters<typeof tx.json>[0])}) as result`;
      return row!.result;
    });
    return { calendar_id: calendar.id, ok: true, events: applied.events, nights_blocked: applied.nights_blocked, open_conflicts: applied.open_conflicts };
  } catch (error) {
    let message: string;
    if (error instanceof FeedError || isDatabaseRefusal(error)) {
      message = error.message;
    } else {
      console.error(`calendar sync of ${calendar.id} failed`, error);
      message = 'the sync failed on our side; it will be retried';
    }
    await asServiceRole((tx) => tx`select private.record_calendar_sync_failure(${calendar.id}::uuid, ${message})`);
    return { calendar_id: calendar.id, ok: false, error: message };
  }
}

export async function syncCalendars(options: SyncOptions = {}): Promise<SyncResult> {
  const { budgetMs = 50_000, concurrency = 4 } = options;
  const fetchOptions = { ...fetchOptionsFromEnv(), ...options.fetch };
  const started = Date.now();
  const calendars: CalendarResult[] = [];
  if (options.calendarIds) {
    const named = await claim(options.calendarIds.length, options.calendarIds);
    for (let i = 0; i < named.length; i += concurrency) {
      calendars.push(...await Promise.all(named.slice(i, i + concurrency).map((c) => syncOne(c, fetchOptions))));
    }
  } else {
    while (Date.now() - started < budgetMs) {
      const batch = await claim(concurrency, null);
      if (batch.length === 0) break;
      calendars.push(...await Promise.all(batch.map((c) => syncOne(c, fetchOptions))));
    }
  }
  const synced = calendars.filter((c) => c.ok).length;
  return { synced, failed: calendars.length - synced, calendars };
}
