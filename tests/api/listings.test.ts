// Listings through the gateway and the real PostgREST, with the typed client as a frontend uses it: a host lists a
// place with photos and amenities, a guest reads it and asks for a quote, and forbidden writes get the right status.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TablesInsert } from '../../types/database.ts';
import { anonClient, clientAs, createUser, type TestUser } from '../support/clients.ts';

let host: TestUser;
let guest: TestUser;
let otherHost: TestUser;
let admin: TestUser;
let listingId: string;

/** A date n days from today (UTC). Sixty days out is in the future in every time zone. */
function daysFromToday(days: number): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Where the loft really is: only its host, admins and guests with a confirmed stay read this. */
const harbourLoftPlace = { address_line: '1 Quay Street', postal_code: '1010', latitude: -36.8433, longitude: 174.7661 };

/** Great-circle distance in metres (haversine on the mean Earth radius, as the search measures). */
function metresBetween(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const h = Math.sin(radians(b.latitude - a.latitude) / 2) ** 2
    + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(radians(b.longitude - a.longitude) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const harbourLoft: TablesInsert<'properties'> = {
  title: 'Harbour Loft',
  description: 'Two rooms above the ferry terminal.',
  property_type: 'loft',
  city: 'Auckland',
  country_code: 'NZ',
  time_zone: 'Pacific/Auckland',
  max_guests: 3,
  nightly_price_cents: 12500,
  cleaning_fee_cents: 3000,
  currency: 'NZD',
};

beforeAll(async () => {
  [host, guest, otherHost, admin] = await Promise.all([
    createUser('host', { displayName: 'Hana Host' }),
    createUser('guest'),
    createUser('other-host'),
    createUser('admin', { admin: true }),
  ]);
});

describe('a host lists a place', () => {
  it('creates a listing that belongs to them, a draft without a public point', async () => {
    const { data, error, status } = await clientAs(host).from('properties').insert(harbourLoft).select().single();
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toMatchObject({ host_id: host.id, status: 'draft', rating_avg: null, rating_count: 0, latitude: null, longitude: null });
    listingId = data!.id;
  });

  it('cannot publish it before placing it (409 location_required)', async () => {
    const { error, status } = await clientAs(host).from('properties').update({ status: 'published' }).eq('id', listingId);
    expect(status).toBe(409);
    expect(error?.hint).toBe('location_required');
  });

  it('places it at its exact address and publishes it; the database derives the public point 150-500 m away', async () => {
    const placed = await clientAs(host).from('property_locations')
      .insert({ property_id: listingId, ...harbourLoftPlace }).select().single();
    expect(placed.error).toBeNull();
    expect(placed.status).toBe(201);
    expect(placed.data).toMatchObject(harbourLoftPlace);
    const { data, error } = await clientAs(host).from('properties').update({ status: 'published' }).eq('id', listingId)
      .select('status, latitude, longitude').single();
    expect(error).toBeNull();
    expect(data?.status).toBe('published');
    const offset = metresBetween(harbourLoftPlace, { latitude: data!.latitude!, longitude: data!.longitude! });
    expect(offset).toBeGreaterThanOrEqual(150);
    expect(offset).toBeLessThanOrEqual(500);
  });

  it('cannot write the public point (403)', async () => {
    const { error, status } = await clientAs(host).from('properties')
      .update({ latitude: harbourLoftPlace.latitude, longitude: harbourLoftPlace.longitude }).eq('id', listingId);
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });

  it('adds photo rows in the listing folder and amenities from the catalogue', async () => {
    const photos = await clientAs(host).from('property_photos').insert([
      { property_id: listingId, storage_path: `${listingId}/${crypto.randomUUID()}.jpg`, position: 0, caption: 'The view' },
      { property_id: listingId, storage_path: `${listingId}/${crypto.randomUUID()}.jpg`, position: 1, caption: 'Bedroom' },
    ]);
    expect(photos.error).toBeNull();
    expect(photos.status).toBe(201);
    const amenities = await clientAs(host).from('property_amenities').insert([
      { property_id: listingId, amenity_code: 'wifi' },
      { property_id: listingId, amenity_code: 'kitchen' },
    ]);
    expect(amenities.error).toBeNull();
    expect(amenities.status).toBe(201);
  });
});

describe('a guest browses and asks for a price', () => {
  it('reads the listing with its photos in order and its amenities embedded', async () => {
    const { data, error } = await clientAs(guest)
      .from('properties')
      .select('id, title, host_id, property_photos(storage_path, position, caption), property_amenities(amenity_code, amenities(label))')
      .eq('id', listingId)
      .order('position', { referencedTable: 'property_photos' })
      .single();
    expect(error).toBeNull();
    expect(data?.title).toBe('Harbour Loft');
    expect(data?.host_id).toBe(host.id);
    expect(data?.property_photos.map((photo) => photo.caption)).toEqual(['The view', 'Bedroom']);
    expect(data?.property_amenities.map((amenity) => amenity.amenities?.label).sort()).toEqual(['Kitchen', 'Wi-Fi']);
  });

  it('gets an exact quote through rpc(quote_stay)', async () => {
    const checkIn = daysFromToday(60);
    const { data, error, status } = await clientAs(guest).rpc('quote_stay', {
      property_id: listingId,
      check_in: checkIn,
      check_out: daysFromToday(63),
      guests: 2,
    });
    expect(error).toBeNull();
    expect(status).toBe(200);
    // 3 × 125.00 = 375.00 + 30.00 cleaning = 405.00; service 14% = 56.70; host 3% = 12.15.
    expect(data).toMatchObject({
      bookable: true,
      reason: null,
      nights: 3,
      currency: 'NZD',
      accommodation_cents: 37500,
      discount_cents: 0,
      cleaning_fee_cents: 3000,
      service_fee_cents: 5670,
      total_cents: 46170,
      host_fee_cents: 1215,
      host_payout_cents: 39285,
    });
    expect((data?.nightly as Array<{ night: string; price_cents: number }>)[0]).toEqual({ night: checkIn, price_cents: 12500 });
  });

  it('an impossible stay is an answer, not an error', async () => {
    const { data, error, status } = await anonClient().rpc('quote_stay', {
      property_id: listingId,
      check_in: daysFromToday(60),
      check_out: daysFromToday(61),
      guests: 9,
    });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toMatchObject({ bookable: false, reason: 'too_many_guests' });
  });

  it('reads the calendar through rpc(property_calendar)', async () => {
    const { data, error } = await anonClient().rpc('property_calendar', {
      property_id: listingId,
      from_date: daysFromToday(60),
      to_date: daysFromToday(63),
    });
    expect(error).toBeNull();
    expect(data).toEqual([
      { night: daysFromToday(60), available: true, price_cents: 12500 },
      { night: daysFromToday(61), available: true, price_cents: 12500 },
      { night: daysFromToday(62), available: true, price_cents: 12500 },
    ]);
  });

  it('a calendar longer than a year is a 400 (22023)', async () => {
    const { error, status } = await anonClient().rpc('property_calendar', {
      property_id: listingId,
      from_date: daysFromToday(1),
      to_date: daysFromToday(400),
    });
    expect(status).toBe(400);
    expect(error?.code).toBe('22023');
  });

  it('the calendar of an unknown listing is a 404', async () => {
    const { error, status } = await anonClient().rpc('property_calendar', {
      property_id: crypto.randomUUID(),
      from_date: daysFromToday(1),
      to_date: daysFromToday(8),
    });
    expect(status).toBe(404);
    expect(error?.code).toBe('PT404');
  });
});

describe('forbidden writes get the right HTTP status', () => {
  it('anon cannot create a listing: 401', async () => {
    const { error, status } = await anonClient().from('properties').insert({ ...harbourLoft, title: 'Anon Shack' });
    expect(status).toBe(401);
    expect(error?.code).toBe('42501');
  });

  it("another member's update touches no row", async () => {
    const { data, error } = await clientAs(otherHost).from('properties').update({ title: 'Defaced' }).eq('id', listingId).select();
    expect(error).toBeNull();
    expect(data).toEqual([]);
    const { data: after } = await anonClient().from('properties').select('title').eq('id', listingId).single();
    expect(after?.title).toBe('Harbour Loft');
  });

  it("another member's delete removes nothing", async () => {
    const { data, error } = await clientAs(otherHost).from('properties').delete().eq('id', listingId).select();
    expect(error).toBeNull();
    expect(data).toEqual([]);
  });

  it('a forged host_id is refused with 403', async () => {
    const { error, status } = await clientAs(otherHost).from('properties').insert({ ...harbourLoft, host_id: host.id });
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });

  it('the rating columns are refused with 403 (column privilege)', async () => {
    const { error, status } = await clientAs(host).from('properties').update({ rating_avg: 5, rating_count: 1000 }).eq('id', listingId);
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });

  it('a photo for another host\'s listing is refused with 403', async () => {
    const { error, status } = await clientAs(otherHost)
      .from('property_photos')
      .insert({ property_id: listingId, storage_path: `${listingId}/${crypto.randomUUID()}.jpg`, position: 5 });
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });

  it('a check-constraint violation is a 400 naming the constraint', async () => {
    const { error, status } = await clientAs(host).from('properties').update({ nightly_price_cents: 0 }).eq('id', listingId);
    expect(status).toBe(400);
    expect(error?.code).toBe('23514');
    expect(error?.message).toContain('nightly_price_positive');
  });

  it('min_nights above max_nights is a 400 naming nights_within_policy', async () => {
    const { error, status } = await clientAs(host).from('properties').update({ min_nights: 9, max_nights: 3 }).eq('id', listingId);
    expect(status).toBe(400);
    expect(error?.code).toBe('23514');
    expect(error?.message).toContain('nights_within_policy');
  });

  it('an unknown currency or time zone is bad input: a 400 with 22023 and its hint (before the foreign keys)', async () => {
    const currency = await clientAs(host).from('properties').insert({ ...harbourLoft, title: 'Priced in Doubloons', currency: 'XDB' });
    expect(currency.status).toBe(400);
    expect(currency.error).toMatchObject({ code: '22023', hint: 'unknown_currency' });
    const zone = await clientAs(host).from('properties').update({ time_zone: 'posixrules' }).eq('id', listingId);
    expect(zone.status).toBe(400);
    expect(zone.error).toMatchObject({ code: '22023', hint: 'unknown_time_zone' });
  });

  it('an over-long title is a 400 with 22023 and text_too_long, naming the column', async () => {
    const { error, status } = await clientAs(host).from('properties').update({ title: 'T'.repeat(121) }).eq('id', listingId);
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '22023', hint: 'text_too_long', message: 'title has at most 120 characters' });
  });

  it('an overlapping block is a 400 naming nights_already_claimed (exclusion constraint)', async () => {
    const first = await clientAs(host)
      .from('availability_blocks')
      .insert({ property_id: listingId, start_date: daysFromToday(90), end_date: daysFromToday(95) });
    expect(first.error).toBeNull();
    const { error, status } = await clientAs(host)
      .from('availability_blocks')
      .insert({ property_id: listingId, start_date: daysFromToday(94), end_date: daysFromToday(97) });
    expect(status).toBe(400);
    expect(error?.code).toBe('23P01');
    expect(error?.message).toContain('nights_already_claimed');
  });
});

describe('an admin unpublishes', () => {
  it("cannot change the title of a host's listing: 403", async () => {
    const { error, status } = await clientAs(admin).from('properties').update({ title: 'Renamed' }).eq('id', listingId);
    expect(status).toBe(403);
    expect(error?.code).toBe('42501');
  });

  it('cannot archive without a reason the host can read: 400 moderation_reason_required', async () => {
    const { error, status } = await clientAs(admin).from('properties').update({ status: 'archived' }).eq('id', listingId);
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: '22023', hint: 'moderation_reason_required' });
  });

  it("archives a host's listing with a reason: a moderation lock", async () => {
    const { data, error } = await clientAs(admin).from('properties')
      .update({ status: 'archived', moderation_reason: 'The photos show another place.' }).eq('id', listingId)
      .select('status, host_id, title, moderation_reason').single();
    expect(error).toBeNull();
    expect(data).toEqual({ status: 'archived', host_id: host.id, title: 'Harbour Loft', moderation_reason: 'The photos show another place.' });
  });

  it('the host reads the reason, and cannot publish again: 409 listing_under_moderation', async () => {
    const { data } = await clientAs(host).from('properties').select('moderation_reason').eq('id', listingId).single();
    expect(data).toEqual({ moderation_reason: 'The photos show another place.' });
    const { error, status } = await clientAs(host).from('properties').update({ status: 'published' }).eq('id', listingId);
    expect(status).toBe(409);
    expect(error).toMatchObject({ code: 'PT409', hint: 'listing_under_moderation' });
  });

  it('an archived listing is gone for guests and its quote is not_found', async () => {
    const { data } = await clientAs(guest).from('properties').select('id').eq('id', listingId);
    expect(data).toEqual([]);
    const quote = await clientAs(guest).rpc('quote_stay', { property_id: listingId, check_in: daysFromToday(60), check_out: daysFromToday(62) });
    expect(quote.data).toMatchObject({ bookable: false, reason: 'not_found' });
  });
});
