// Search through the gateway and the real PostgREST, with the typed client as a frontend uses it (seed listings).
import { describe, expect, it } from 'vitest';
import { anonClient } from '../support/clients.ts';

const paris = { latitude: 48.8566, longitude: 2.3522 };

function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe('search_properties through the Data API', () => {
  it('anon finds free listings near a point, nearest first, each priced as quote_stay prices it', async () => {
    const stay = { check_in: daysFromNow(200), check_out: daysFromNow(203) };
    const { data, error, status } = await anonClient().rpc('search_properties', { ...stay, guests: 2, ...paris, radius_km: 25 });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data!.length).toBeGreaterThan(0);
    for (const row of data!) {
      expect(row.city).toBe('Paris');
      expect(row.distance_km).toBeLessThanOrEqual(25);
      expect(Math.round(row.distance_km! * 10) / 10).toBe(row.distance_km); // measured to the public point, rounded to 0.1 km
      expect(row.cover_photo).toMatch(new RegExp(`^${row.id}/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.jpg$`));
      const { data: quote } = await anonClient().rpc('quote_stay', { property_id: row.id!, ...stay, guests: 2 });
      expect(row.total_cents).toBe(quote!.total_cents);
    }
    const distances = data!.map((row) => row.distance_km!);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
  });

  it('pages by cursor without gaps or duplicates', async () => {
    // The first 100 listings in price order, then the same read 7 at a time (suites running beside this one on the
    // server may have published more than 100 listings: the pages are compared with the first 100).
    const { data: all } = await anonClient().rpc('search_properties', { sort: 'price_asc', page_size: 100 });
    const seen: string[] = [];
    let after: string | undefined;
    while (seen.length < all!.length) {
      const { data: page, error } = await anonClient().rpc('search_properties', { sort: 'price_asc', page_size: 7, after });
      expect(error).toBeNull();
      seen.push(...page!.map((row) => row.id!));
      if (page!.length < 7) break;
      after = page![page!.length - 1]!.cursor!;
    }
    expect(seen.slice(0, all!.length)).toEqual(all!.map((row) => row.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('finds listings by text, with amenities all required', async () => {
    const { data, error } = await anonClient().rpc('search_properties', { query: 'loft tokyo', amenities: ['wifi'] });
    expect(error).toBeNull();
    expect(data!.map((row) => row.title)).toEqual(
      data!.filter((row) => row.title!.includes('Tokyo')).map((row) => row.title),
    );
  });

  it('bad input is a 400 with code 22023 and a hint naming the reason', async () => {
    const cases = [
      [{ check_in: daysFromNow(10), check_out: daysFromNow(9) }, 'invalid_dates'],
      [{ min_latitude: 1, max_latitude: 2, min_longitude: 3 }, 'incomplete_box'],
      [{ radius_km: 10 }, 'radius_without_point'],
      [{ sort: 'cheapest' }, 'unknown_sort'],
      [{ page_size: 500 }, 'invalid_page_size'],
      [{ after: 'garbage' }, 'invalid_cursor'],
    ] as const;
    for (const [args, hint] of cases) {
      const { error, status } = await anonClient().rpc('search_properties', args);
      expect(status, hint).toBe(400);
      expect(error?.code, hint).toBe('22023');
      expect(error?.hint, hint).toBe(hint);
    }
  });
});
