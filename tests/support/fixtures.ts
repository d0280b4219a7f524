// Fixtures made through the database owner, for API tests that need a world to act in.
import type { Database } from '../../types/database.ts';
import { database } from './env.ts';

type PropertyInsert = Database['public']['Tables']['properties']['Insert'];

/** A published listing of `hostId`, inserted as the owner (defaults: UTC, 100.00 NZD a night, instant book). */
export async function createListing(hostId: string, overrides: Partial<PropertyInsert> = {}): Promise<string> {
  const sql = database({ max: 1 });
  try {
    const listing = {
      host_id: hostId, title: `Test listing ${crypto.randomUUID().slice(0, 8)}`, city: 'Testville', country_code: 'NZ',
      latitude: -36.85, longitude: 174.76, time_zone: 'UTC', currency: 'NZD', nightly_price_cents: 10000,
      cleaning_fee_cents: 2000, instant_book: true, status: 'published', max_guests: 4, ...overrides,
    };
    const [row] = await sql<{ id: string }[]>`insert into public.properties ${sql(listing)} returning id`;
    return row!.id;
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
