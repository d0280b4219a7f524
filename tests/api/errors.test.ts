// The error table against the real PostgREST: every SQLSTATE in functions/_shared/error-statuses.ts (the table the
// README and docs/conventions.md list) is provoked through /rest/v1, and PostgREST must answer it with the table's
// status. A code added to the table needs a request here that provokes it.
import { beforeAll, describe, expect, it } from 'vitest';
import { statusBySqlState } from '../../functions/_shared/error-statuses.ts';
import type { TablesInsert } from '../../types/database.ts';
import { anonClient, clientAs, createUser, type TestUser } from '../support/clients.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';

type Answer = { status: number; error: { code: string; message: string } | null };

let host: TestUser;
let otherHost: TestUser;
let guest: TestUser;
let rival: TestUser;
let listing: string;
let cover: string; // a photo file name, as uploads name them

const untitledListing = {
  city: 'Testville', country_code: 'NZ', time_zone: 'UTC', currency: 'NZD',
  nightly_price_cents: 10000,
};

beforeAll(async () => {
  [host, otherHost, guest, rival] = await Promise.all([
    createUser('errors-host'), createUser('errors-other-host'), createUser('errors-guest'), createUser('errors-rival'),
  ]);
  listing = await createListing(host.id);
  cover = `${listing}/${crypto.randomUUID()}.jpg`;
  // What the refusals below collide with: a booked stay, a block, a photo.
  const booked = await clientAs(guest).rpc('request_booking', { property_id: listing, check_in: daysFromToday(10), check_out: daysFromToday(13), guests: 1 });
  expect(booked.error).toBeNull();
  const blocked = await clientAs(host).from('availability_blocks').insert({ property_id: listing, start_date: daysFromToday(90), end_date: daysFromToday(95) });
  expect(blocked.error).toBeNull();
  const photo = await clientAs(host).from('property_photos').insert({ property_id: listing, storage_path: cover, position: 0 });
  expect(photo.error).toBeNull();
});

/** One request per SQLSTATE of the table, each provoking it as a client could. */
const provocations: Record<string, { what: string; request: () => PromiseLike<Answer> }> = {
  '22023': {
    what: 'a stay that ends the day it starts',
    request: () => clientAs(guest).rpc('request_booking', { property_id: listing, check_in: daysFromToday(20), check_out: daysFromToday(20), guests: 1 }),
  },
  '23514': {
    what: 'a nightly price of zero (nightly_price_positive)',
    request: () => clientAs(host).from('properties').update({ nightly_price_cents: 0 }).eq('id', listing),
  },
  '23502': {
    what: 'a listing without a title',
    request: () => clientAs(host).from('properties').insert(untitledListing as TablesInsert<'properties'>),
  },
  '23P01': {
    what: 'a block overlapping another (nights_already_claimed)',
    request: () => clientAs(host).from('availability_blocks').insert({ property_id: listing, start_date: daysFromToday(94), end_date: daysFromToday(97) }),
  },
  '42501': {
    what: "a photo added to another host's listing",
    request: () => clientAs(otherHost).from('property_photos').insert({ property_id: listing, storage_path: `${listing}/${crypto.randomUUID()}.jpg`, position: 5 }),
  },
  PT404: {
    what: 'a booking of a listing that does not exist',
    request: () => clientAs(guest).rpc('request_booking', { property_id: crypto.randomUUID(), check_in: daysFromToday(20), check_out: daysFromToday(22), guests: 1 }),
  },
  PT409: {
    what: 'a stay overlapping a booked one (dates_unavailable)',
    request: () => clientAs(rival).rpc('request_booking', { property_id: listing, check_in: daysFromToday(12), check_out: daysFromToday(14), guests: 1 }),
  },
  '23505': {
    what: 'a second photo at the same storage path (photo_path_unique)',
    request: () => clientAs(host).from('property_photos').insert({ property_id: listing, storage_path: cover, position: 1 }),
  },
  '23503': {
    what: 'an amenity the catalogue does not have (property_amenities_amenity_code_fkey)',
    request: () => clientAs(host).from('property_amenities').insert({ property_id: listing, amenity_code: 'moat' }),
  },
};

describe('PostgREST answers each SQLSTATE of the error table with the table\'s status', () => {
  for (const [code, status] of Object.entries(statusBySqlState)) {
    it(`${code} is a ${status}`, async () => {
      const provocation = provocations[code];
      expect(provocation, `a request here that provokes ${code}`).toBeDefined();
      const answer = await provocation!.request();
      expect(answer.error?.code, provocation!.what).toBe(code);
      expect(answer.status, provocation!.what).toBe(status);
    });
  }

  it('every provocation here is for a code of the table', () => {
    expect(Object.keys(provocations).sort()).toEqual(Object.keys(statusBySqlState).sort());
  });

  it('42501 is a 401 when the caller is anon (the table\'s "401 for anon")', async () => {
    const { error, status } = await anonClient()
      .from('property_photos')
      .insert({ property_id: listing, storage_path: `${listing}/${crypto.randomUUID()}.jpg`, position: 6 });
    expect(error?.code).toBe('42501');
    expect(status).toBe(401);
  });
});
