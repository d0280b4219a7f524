// Reading a fetched feed with ical.js into the events private.apply_calendar_feed takes. The database decides what an
// event blocks (nights in the listing's time zone, past events dropped); this only reads the feed faithfully:
// each event or occurrence with its UID, its recurrence id, and its start and end as written (DTEND, or DTSTART +
// DURATION, or RFC 5545's default), in UTC when the feed says so or defines the zone, otherwise with the zone's
// name (or none: floating time). Recurring events (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides) are expanded up
// to the booking window's end; cancelled events are left out.
//
// A feed that is not a whole, well-formed calendar is refused (FeedError) rather than read in part: an empty body, a
// page that is not iCalendar, a truncated or binary one, more events than a listing's calendar can hold, an event
// without UID or DTSTART, or a recurrence rule that cannot be expanded cheaply.
import { ICAL } from '../_shared/ical.ts';
import { FeedError } from './fetch-feed.ts';

type Time = InstanceType<typeof ICAL.Time>;
type Component = InstanceType<typeof ICAL.Component>;

export type Moment = { date: string } | { time: string; zone: string | null };
export type ImportedEvent = { uid: string; recurrence_id?: string; start: Moment; end: Moment };

export type ParseOptions = {
  /** The listing's local today (YYYY-MM-DD): occurrences that ended before it are not sent. */
  today: string;
  /** The booking window's last day (YYYY-MM-DD): occurrences of recurring events starting after it are not expanded. */
  expandUntil: string;
  maxEvents?: number;
  maxIterations?: number;
  budgetMs?: number;
};

export const PARSE_DEFAULTS = { maxEvents: 5000, maxIterations: 50_000, budgetMs: 5000 };

// Recurrence rules a stay calendar can need. Sub-daily rules expand to millions of instances a year, and ical.js
// never returns from a DAILY rule whose BYMONTHDAY or BYYEARDAY can never match (say BYMONTH=2;BYMONTHDAY=30), so
// those are refused before expanding.
const EXPANDABLE_FREQUENCIES = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const dateOf = (t: Time) => `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
const wallTime = (t: Time) => `${dateOf(t)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;

function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function printable(text: string, max = 200): string {
  // deno-lint-ignore no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
  return cleaned.length > max ? `${cleaned.slice(0, max)}...` : cleaned;
}

/** A start or end as the database reads it: a date, a UTC date-time, or a wall time with its zone's name (or none). */
function moment(time: Time, tzid: string | null): Moment {
  if (time.isDate) return { date: dateOf(time) };
  const zone = time.zone;
  if (zone === ICAL.Timezone.utcTimezone) return { time: wallTime(time), zone: 'UTC' };
  // A zone the feed defines in a VTIMEZONE: converted with that definition.
  if (zone && zone !== ICAL.Timezone.localTimezone && zone.component) {
    return { time: wallTime(time.convertToZone(ICAL.Timezone.utcTimezone)), zone: 'UTC' };
  }
  return { time: wallTime(time), zone: tzid };
}

function tzidOf(component: Component, property: 'dtstart' | 'dtend'): string | null {
  const value = component.getFirstProperty(property)?.getParameter('tzid');
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

function isCancelled(component: Component): boolean {
  return String(component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

function checkRecurrenceRules(component: Component, uid: string) {
  for (const property of component.getAllProperties('rrule')) {
    const rule = property.getFirstValue() as InstanceType<typeof ICAL.Recur>;
    const freq = String(rule.freq ?? '');
    if (!EXPANDABLE_FREQUENCIES.has(freq)) {
      throw new FeedError(`the event ${printable(uid, 80)} repeats ${freq.toLowerCase() || 'without a frequency'}: only daily, weekly, monthly and yearly rules are read`);
    }
    if (freq === 'DAILY' && (rule.parts.BYMONTHDAY || rule.parts.BYYEARDAY)) {
      throw new FeedError(`the event ${printable(uid, 80)} has a daily rule limited by BYMONTHDAY or BYYEARDAY, which is not read`);
    }
  }
}

/** The root VCALENDAR of a feed's text, or a FeedError. */
function calendarOf(text: string, maxEvents: number): Component {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new FeedError('the feed is empty');
  if (!/^BEGIN:VCALENDAR\r?$/im.test(body.slice(0, 200).split('\n')[0] ?? '')) {
    throw new FeedError('the feed is not an iCalendar file (it does not start with BEGIN:VCALENDAR)');
  }
  if (!/(^|\n)END:VCALENDAR$/i.test(body)) throw new FeedError('the feed is truncated (it does not end with END:VCALENDAR)');
  // A cheap count before the parser builds anything: a feed with far too many events is refused unread.
  const declared = body.match(/^BEGIN:VEVENT\r?$/gim)?.length ?? 0;
  if (declared > maxEvents) throw new FeedError(`the feed has ${declared} events; at most ${maxEvents} are read`);
  let parsed: unknown;
  try {
    parsed = ICAL.parse(body);
  } catch (error) {
    throw new FeedError(`the feed is not valid iCalendar: ${printable(error instanceof Error ? error.message : String(error))}`);
  }
  // One top-level component is returned as itself, several as a list of them.
  const components = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed : [parsed];
  if (components.length !== 1) throw new FeedError('the feed holds more than one calendar');
  const root = new ICAL.Component(components[0] as unknown[]);
  if (root.name !== 'vcalendar') throw new FeedError('the feed is not an iCalendar file');
  return root;
}

/** The events of a feed, for private.apply_calendar_feed. Throws FeedError when the feed cannot be read whole. */
export function parseFeed(text: string, options: ParseOptions): ImportedEvent[] {
  const { maxEvents, maxIterations, budgetMs } = { ...PARSE_DEFAULTS, ...options };
  const started = performance.now();
  const notBefore = dayBefore(options.today); // a day of slack for zones: the database drops the rest exactly
  const root = calendarOf(text, maxEvents);

  const events: ImportedEvent[] = [];
  let iterations = 0;
  const add = (event: ImportedEvent) => {
    if (events.length >= maxEvents) throw new FeedError(`the feed has more than ${maxEvents} events (recurrences expanded)`);
    events.push(event);
  };
  const endsInTime = (end: Moment) => ('date' in end ? end.date : end.time.slice(0, 10)) >= notBefore;

  try {
    // Events by UID: the master (no RECURRENCE-ID) and the overrides of its occurrences.
    const byUid = new Map<string, { masters: Component[]; overrides: Component[] }>();
    for (const component of root.getAllSubcomponents('vevent')) {
      const uid = String(component.getFirstPropertyValue('uid') ?? '').trim();
      if (!uid) throw new FeedError('an event has no UID');
      if (uid.length > 1000) throw new FeedError('an event has a UID longer than 1000 characters');
      if (!component.hasProperty('dtstart')) throw new FeedError(`the event ${printable(uid, 80)} has no DTSTART`);
      checkRecurrenceRules(component, uid);
      const group = byUid.get(uid) ?? { masters: [], overrides: [] };
      (component.hasProperty('recurrence-id') ? group.overrides : group.masters).push(component);
      byUid.set(uid, group);
    }

    for (const [uid, { masters, overrides }] of byUid) {
      // Feeds sometimes repeat an event: the database keeps one copy, and refuses two different events under one UID.
      if (masters.length > 1) {
        for (const duplicate of masters) {
          if (isCancelled(duplicate)) continue;
          const event = new ICAL.Event(duplicate, { exceptions: [] });
          if (event.isRecurring()) throw new FeedError(`two events share the UID ${printable(uid, 80)}`);
          const end = moment(event.endDate, tzidOf(duplicate, duplicate.hasProperty('dtend') ? 'dtend' : 'dtstart'));
          if (endsInTime(end)) add({ uid, start: moment(event.startDate, tzidOf(duplicate, 'dtstart')), end });
        }
        continue;
      }
      const master = masters[0];
      if (!master) {
        // Overrides whose series is not in the feed: each is an event of its own.
        for (const override of overrides) {
          if (isCancelled(override)) continue;
          const event = new ICAL.Event(override);
          const end = moment(event.endDate, tzidOf(override, override.hasProperty('dtend') ? 'dtend' : 'dtstart'));
          if (endsInTime(end)) {
            add({ uid, recurrence_id: event.recurrenceId.toString(), start: moment(event.startDate, tzidOf(override, 'dtstart')), end });
          }
        }
        continue;
      }
      if (isCancelled(master)) continue;
      // Its overrides named explicitly: left to itself, ical.js relates every RECURRENCE-ID event of the calendar.
      const event = new ICAL.Event(master, { strictExceptions: true, exceptions: overrides });
      const startZone = tzidOf(master, 'dtstart');
      const endZone = master.hasProperty('dtend') ? tzidOf(master, 'dtend') : startZone;

      if (!event.isRecurring()) {
        const end = moment(event.endDate, endZone);
        if (endsInTime(end)) add({ uid, start: moment(event.startDate, startZone), end });
        continue;
      }
      const occurrences = event.iterator();
      for (let next = occurrences.next(); next; next = occurrences.next()) {
        if (++iterations > maxIterations || performance.now() - started > budgetMs) {
          throw new FeedError(`the recurrences of the event ${printable(uid, 80)} take too long to expand`);
        }
        if (dateOf(next) > options.expandUntil) break;
        const details = event.getOccurrenceDetails(next);
        const item = details.item;
        if (item && isCancelled(item.component)) continue;
        const source = item ? item.component : master;
        const end = moment(details.endDate, source.hasProperty('dtend') ? tzidOf(source, 'dtend') : tzidOf(source, 'dtstart'));
        if (!endsInTime(end)) continue;
        add({ uid, recurrence_id: next.toString(), start: moment(details.startDate, tzidOf(source, 'dtstart')), end });
      }
    }
  } catch (error) {
    if (error instanceof FeedError) throw error;
    // ical.js refuses malformed values (dates, durations, rules) by throwing: the feed is unreadable as a whole.
    throw new FeedError(`the feed is not valid iCalendar: ${printable(error instanceof Error ? error.message : String(error))}`);
  }
  return events;
}
