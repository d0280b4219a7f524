// A listing's export feed as iCalendar text: one all-day VEVENT per booking ("Reserved") and host block ("Not
// available"), as private.calendar_feed chose them. Written with ical.js: CRLF line endings, lines folded at 75
// octets, text escaped.
import { ICAL } from '../_shared/ical.ts';

export type FeedEvent = { uid: string; start: string; end: string; summary: string; stamp: string };
export type Feed = { name: string; events: FeedEvent[] };

export const PRODUCT_ID = '-//Staybase//Calendar feed 1.0//EN';

export function renderFeed(feed: Feed): string {
  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('prodid', PRODUCT_ID);
  calendar.addPropertyWithValue('version', '2.0');
  calendar.addPropertyWithValue('calscale', 'GREGORIAN');
  calendar.addPropertyWithValue('method', 'PUBLISH');
  // The name calendar apps show; TEXT (escaped like SUMMARY), which ical.js cannot know for an X- property.
  const name = new ICAL.Property('x-wr-calname');
  name.resetType('text');
  name.setValue(`${feed.name} (Staybase)`);
  calendar.addProperty(name);
  for (const event of feed.events) {
    const vevent = new ICAL.Component('vevent');
    vevent.addPropertyWithValue('uid', event.uid);
    vevent.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(event.stamp), true));
    // All-day values (VALUE=DATE); DTEND is the check-out day, exclusive, as RFC 5545 reads an all-day DTEND.
    vevent.addPropertyWithValue('dtstart', ICAL.Time.fromDateString(event.start));
    vevent.addPropertyWithValue('dtend', ICAL.Time.fromDateString(event.end));
    vevent.addPropertyWithValue('summary', event.summary);
    vevent.addPropertyWithValue('transp', 'OPAQUE');
    calendar.addSubcomponent(vevent);
  }
  // Every content line ends with CRLF, the last one included.
  return `${calendar.toString()}\r\n`;
}
