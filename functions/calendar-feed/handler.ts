// GET /functions/v1/calendar-feed?token=...: a listing's calendar as text/calendar (RFC 5545), for Airbnb, Vrbo,
// Booking.com and calendar apps to poll. No Supabase JWT (verify_jwt = false): the secret token, minted by the host
// with rotate_calendar_token, is the authentication. The database decides what the feed holds
// (private.calendar_feed: bookings and host blocks, never imported events or guest details); this writes it out.
// A token that is malformed, wrong, rotated away or whose listing is gone gets the same 404.
import { asServiceRole } from '../_shared/db.ts';
import { endpoint, HttpError } from '../_shared/http.ts';
import { type Feed, renderFeed } from './render.ts';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function notFound(): HttpError {
  return new HttpError(404, 'not_found', 'no calendar feed here');
}

export default endpoint(['GET', 'HEAD'], async (request) => {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  if (!TOKEN.test(token)) throw notFound();
  const feed = await asServiceRole(async (tx) => {
    const [row] = await tx<{ feed: Feed | null }[]>`select private.calendar_feed(${token}) as feed`;
    return row?.feed ?? null;
  });
  if (!feed) throw notFound();
  return new Response(request.method === 'HEAD' ? null : renderFeed(feed), {
    headers: {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': 'inline; filename="calendar.ics"',
      // The feed changes with every booking: platforms poll it, caches must not keep it.
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
});
