// Reviews through the Data API: the RPC verbs as a frontend calls them, double-blind reads through the table API
// (the parties' full rows in reviews, the public's in public_reviews, without stay history), and the HTTP status and
// hint of every refusal.
import { beforeAll, describe, expect, it } from 'vitest';
import { anonClient, clientAs, createUser, type TestUser } from '../support/clients.ts';
import { createCompletedStay, createListing, daysFromToday } from '../support/fixtures.ts';

let host: TestUser;
let guest: TestUser;
let stranger: TestUser;
let admin: TestUser;
let listing: string;
let stay: string;
let guestReviewId: string;

const allAspects = { cleanliness: 5, accuracy: 4, communication: 5, location: 5, check_in: 4, value: 4 };

beforeAll(async () => {
  // One at a time: on the embedded database every connection shares one session.
  host = await createUser('review-host');
  guest = await createUser('review-guest');
  stranger = await createUser('review-stranger');
  admin = await createUser('review-admin', { admin: true });
  listing = await createListing(host.id);
  stay = await createCompletedStay(listing, guest.id, { checkIn: '2021-01-01' });
});

type Client = ReturnType<typeof anonClient>;
/** A party's (or an admin's) full rows of the stay's reviews. */
const reviewsOfStay = (client: Client) =>
  client.from('reviews').select('id, direction, rating, reply').eq('booking_id', stay).order('direction');
/** What anyone reads of the listing's reviews (the only stay of the listing with reviews is `stay`). */
const publicReviewsOfListing = (client: Client) =>
  client.from('public_reviews').select('*').eq('property_id', listing).order('direction');

describe('reviewing a stay through PostgREST', () => {
  it('bad input is a 400 whose hint names the reason', async () => {
    const outOfRange = await clientAs(guest).rpc('submit_review', { booking_id: stay, rating: 6, comment: 'Great', ...allAspects });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.error).toMatchObject({ code: '22023', hint: 'rating_out_of_range' });
    const missing = await clientAs(guest).rpc('submit_review', { booking_id: stay, rating: 5, comment: 'Great', cleanliness: 5 });
    expect(missing.status).toBe(400);
    expect(missing.error?.hint).toBe('sub_ratings_required');
    const hostWithAspects = await clientAs(host).rpc('submit_review', { booking_id: stay, rating: 5, comment: 'Tidy', value: 5 });
    expect(hostWithAspects.status).toBe(400);
    expect(hostWithAspects.error?.hint).toBe('sub_ratings_not_allowed');
  });

  it('a stranger gets 403, an unknown booking 404, anon 401', async () => {
    const byStranger = await clientAs(stranger).rpc('submit_review', { booking_id: stay, rating: 5, comment: 'Hi', ...allAspects });
    expect(byStranger.status).toBe(403);
    expect(byStranger.error).toMatchObject({ code: '42501', hint: 'not_booking_party' });
    const unknown = await clientAs(guest).rpc('submit_review', { booking_id: crypto.randomUUID(), rating: 5, comment: 'Hi', ...allAspects });
    expect(unknown.status).toBe(404);
    expect(unknown.error?.hint).toBe('booking_not_found');
    const byAnon = await anonClient().rpc('submit_review', { booking_id: stay, rating: 5, comment: 'Hi', ...allAspects });
    expect(byAnon.status).toBe(401);
  });

  it('a stay not completed, or whose 14 days are over, is a 409', async () => {
    const { data: upcoming } = await clientAs(guest).rpc('request_booking', {
      property_id: listing, check_in: daysFromToday(30), check_out: daysFromToday(32), guests: 1,
    });
    const early = await clientAs(guest).rpc('submit_review', { booking_id: upcoming!.id, rating: 5, comment: 'Hi', ...allAspects });
    expect(early.status).toBe(409);
    expect(early.error?.hint).toBe('stay_not_completed');
    const oldStay = await createCompletedStay(listing, guest.id, { checkIn: '2021-02-01', checkedOutHoursAgo: 15 * 24 });
    const late = await clientAs(guest).rpc('submit_review', { booking_id: oldStay, rating: 5, comment: 'Hi', ...allAspects });
    expect(late.status).toBe(409);
    expect(late.error?.hint).toBe('review_window_closed');
  });

  it('the guest reviews: only the author reads it until the host reviews too', async () => {
    const { data, error, status } = await clientAs(guest).rpc('submit_review', {
      booking_id: stay, rating: 5, comment: 'Spotless', ...allAspects,
    });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toMatchObject({ direction: 'guest_to_host', author_id: guest.id, subject_id: host.id, published_at: null });
    guestReviewId = data!.id;

    expect((await reviewsOfStay(clientAs(guest))).data).toHaveLength(1);
    expect((await reviewsOfStay(clientAs(host))).data).toEqual([]);
    expect((await reviewsOfStay(clientAs(stranger))).data).toEqual([]);
    expect((await reviewsOfStay(clientAs(admin))).data).toHaveLength(1);
    for (const reader of [anonClient(), clientAs(stranger), clientAs(host), clientAs(guest)]) {
      expect((await publicReviewsOfListing(reader)).data).toEqual([]);
    }

    const again = await clientAs(guest).rpc('submit_review', { booking_id: stay, rating: 1, comment: 'Changed my mind', ...allAspects });
    expect(again.status).toBe(409);
    expect(again.error?.hint).toBe('already_reviewed');
    const earlyReply = await clientAs(host).rpc('reply_to_review', { review_id: guestReviewId, reply: 'Thanks' });
    expect(earlyReply.status).toBe(409);
    expect(earlyReply.error?.hint).toBe('review_not_published');
  });

  it('the host reviews: both are published at once and the listing shows its rating', async () => {
    const { data, status } = await clientAs(host).rpc('submit_review', { booking_id: stay, rating: 4, comment: 'Kind guest' });
    expect(status).toBe(200);
    expect(data?.published_at).not.toBeNull();
    const { data: forAnon } = await publicReviewsOfListing(anonClient());
    expect(forAnon?.map((r) => [r.direction, r.rating])).toEqual([['guest_to_host', 5], ['host_to_guest', 4]]);

    const { data: ratings } = await anonClient().from('properties')
      .select('rating_count, rating_avg, cleanliness_avg, accuracy_avg, check_in_avg, value_avg').eq('id', listing).single();
    expect(ratings).toEqual({ rating_count: 1, rating_avg: 5, cleanliness_avg: 5, accuracy_avg: 4, check_in_avg: 4, value_avg: 4 });
    const { data: hostProfile } = await anonClient().from('profiles').select('host_rating_avg, host_rating_count').eq('id', host.id).single();
    expect(hostProfile).toEqual({ host_rating_avg: 5, host_rating_count: 1 });
    const { data: guestProfile } = await anonClient().from('profiles').select('guest_rating_avg, guest_rating_count').eq('id', guest.id).single();
    expect(guestProfile).toEqual({ guest_rating_avg: 4, guest_rating_count: 1 });
  });

  it('only the reviewed host replies, once', async () => {
    const byAuthor = await clientAs(guest).rpc('reply_to_review', { review_id: guestReviewId, reply: 'Me again' });
    expect(byAuthor.status).toBe(403);
    expect(byAuthor.error?.hint).toBe('not_review_subject');
    const { data, status } = await clientAs(host).rpc('reply_to_review', { review_id: guestReviewId, reply: 'Come back soon!' });
    expect(status).toBe(200);
    expect(data?.reply).toBe('Come back soon!');
    const twice = await clientAs(host).rpc('reply_to_review', { review_id: guestReviewId, reply: 'Really' });
    expect(twice.status).toBe(409);
    expect(twice.error?.hint).toBe('already_replied');
    const unknown = await clientAs(host).rpc('reply_to_review', { review_id: crypto.randomUUID(), reply: 'Hm' });
    expect(unknown.status).toBe(404);
  });

  it('the public reads no booking, member id or exact time; the parties read their reviews in full', async () => {
    const ids = [stay, guest.id, host.id];
    for (const reader of [anonClient(), clientAs(stranger)]) {
      const { data, error } = await publicReviewsOfListing(reader);
      expect(error).toBeNull();
      expect(data).toHaveLength(2);
      for (const row of data!) {
        expect(Object.keys(row).sort()).toEqual(['accuracy', 'author_avatar_url', 'author_name', 'check_in', 'cleanliness',
          'comment', 'communication', 'direction', 'id', 'location', 'property_id', 'rating', 'reply', 'stay_month', 'value']);
        for (const value of Object.values(row)) {
          expect(ids).not.toContain(value);
          expect(String(value)).not.toMatch(/^\d{4}-\d{2}-\d{2}T/);  // no timestamp
        }
        expect(row.stay_month).toBe('2021-01-01');
      }
      expect(data!.map((r) => r.author_name)).toEqual(['review-guest', 'review-host']);
    }
    // The full rows are not the public's: anon has no access, a stranger reads none.
    const byAnon = await anonClient().from('reviews').select('id').eq('booking_id', stay);
    expect(byAnon.status).toBe(401);
    expect(byAnon.error?.code).toBe('42501');
    expect((await clientAs(stranger).from('reviews').select('id').eq('property_id', listing)).data).toEqual([]);
    // Each party reads both reviews of the stay in full.
    for (const party of [guest, host]) {
      const { data } = await clientAs(party).from('reviews')
        .select('booking_id, author_id, subject_id, created_at, published_at').eq('booking_id', stay).order('direction');
      expect(data?.map((r) => [r.booking_id, r.author_id, r.subject_id])).toEqual([[stay, guest.id, host.id], [stay, host.id, guest.id]]);
      expect(data?.every((r) => r.created_at && r.published_at)).toBe(true);
    }
  });

  it('clients never write review rows', async () => {
    const update = await clientAs(guest).from('reviews').update({ rating: 1 }).eq('id', guestReviewId);
    expect(update.status).toBe(403);
    const remove = await clientAs(guest).from('reviews').delete().eq('id', guestReviewId);
    expect(remove.status).toBe(403);
    const rating = await clientAs(host).from('properties').update({ title: 'Renamed loft' }).eq('id', listing).select('rating_count').single();
    expect(rating.data?.rating_count).toBe(1);
  });

  it('an admin hides an abusive review (and unhides it); nobody else may', async () => {
    const byHost = await clientAs(host).rpc('hide_review', { review_id: guestReviewId, reason: 'I disagree' });
    expect(byHost.status).toBe(403);
    expect(byHost.error?.hint).toBe('not_admin');
    const noReason = await clientAs(admin).rpc('hide_review', { review_id: guestReviewId, reason: '' });
    expect(noReason.status).toBe(400);
    expect(noReason.error?.hint).toBe('reason_required');

    const hidden = await clientAs(admin).rpc('hide_review', { review_id: guestReviewId, reason: 'Abusive' });
    expect(hidden.status).toBe(200);
    expect((await publicReviewsOfListing(anonClient())).data?.map((r) => r.direction)).toEqual(['host_to_guest']);
    expect((await reviewsOfStay(clientAs(guest))).data).toHaveLength(2);
    const { data: ratings } = await anonClient().from('properties').select('rating_count, rating_avg').eq('id', listing).single();
    expect(ratings).toEqual({ rating_count: 0, rating_avg: null });
    const twice = await clientAs(admin).rpc('hide_review', { review_id: guestReviewId, reason: 'Abusive' });
    expect(twice.status).toBe(409);
    expect(twice.error?.hint).toBe('already_hidden');

    const restored = await clientAs(admin).rpc('unhide_review', { review_id: guestReviewId });
    expect(restored.status).toBe(200);
    const { data: after } = await anonClient().from('properties').select('rating_count, rating_avg').eq('id', listing).single();
    expect(after).toEqual({ rating_count: 1, rating_avg: 5 });
  });
});
