// Fixtures made through the database owner, for API tests that need a world to act in.
import type { Database } from '../../types/database.ts';
import { database } from './env.ts';

type PropertyInsert = Database['public']['Tables']['properties']['Insert'];
type LocationInsert = Database['public']['Tables']['property_locations']['Insert'];
/** A listing's columns, with its exact place (latitude, longitude, address_line, postal_code: property_locations). */
export type ListingFixture = Omit<Partial<PropertyInsert>, 'latitude' | 'longitude'> &
  Partial<Omit<LocationInsert, 'property_id'>>;

/**
 * A listing of `hostId` (published unless told otherwise), inserted as the owner and placed at its exact location
 * (defaults: UTC, 100.00 NZD a night, instant book, in Auckland); the database derives its public point.
 */
export async function createListing(hostId: string, overrides: ListingFixture = {}): Promise<string> {
  const sql = database({ max: 1 });
  try {
    const { latitude = -36.85, longitude = 174.76, address_line = '1 Test Street', postal_code = '', status = 'published',
      ...columns } = overrides;
    const listing = {
      host_id: hostId, title: `Test listing ${crypto.randomUUID().slice(0, 8)}`, city: 'Testville', country_code: 'NZ',
      time_zone: 'UTC', currency: 'NZD', nightly_price_cents: 10000, cleaning_fee_cents: 2000, instant_book: true,
      max_guests: 4, ...columns, status: status === 'published' ? 'draft' : status,
    };
    return await sql.begin(async (tx) => {
      const [row] = await tx<{ id: string }[]>`insert into public.properties ${tx(listing)} returning id`;
      const location = { property_id: row!.id, latitude, longitude, address_line, postal_code };
      await tx`insert into public.property_locations ${tx(location)}`;
      if (status === 'published') await tx`update public.properties set status = 'published' where id = ${row!.id}`;
      return row!.id;
    });
  } finally {
    await sql.end();
  }
}

/** An ISO date `days` from today (UTC), for stays in UTC listings. */
export function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A completed stay of `guestId` at `listingId` (inserted as the owner by tests.create_completed_stay: past stays
 * cannot be requested). `checkIn` keeps stays of one listing apart; `checkedOutHoursAgo` places the review window.
 */
export async function createCompletedStay(
  listingId: string, guestId: string, options: { checkIn: string; checkedOutHoursAgo?: number },
): Promise<string> {
  const sql = database({ max: 1 });
  try {
    const hours = options.checkedOutHoursAgo ?? 24;
    const [row] = await sql<{ id: string }[]>`
      select tests.create_completed_stay(${listingId}, ${guestId}, ${options.checkIn}::date, 2,
                                         now() - make_interval(hours => ${hours})) as id`;
    return row!.id;
  } finally {
    await sql.end();
  }
}
