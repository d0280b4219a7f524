// Search through the gateway and the real PostgREST, with the typed client as a frontend uses it (seed listings).
import { describe, expect, it } from 'vitest';
import { statusBySqlState } from '../../functions/_shared/error-statuses.ts';
import { REST_LIMITS } from '../../scripts/lib/gateway.mjs';
import { anonClient } from '../support/clients.ts';
import { env } from '../support/env.ts';

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

describe('oversized search requests are refused by the gateway before PostgREST reads them', () => {
  const search = `${env.apiUrl}/rest/v1/rpc/search_properties`;
  const headers = { apikey: env.publishableKey, 'content-type': 'application/json' };
  // SQL would refuse these arrays too (too_many_amenities), after PostgREST and PostgreSQL had decoded them; the
  // hint says the gateway answered instead.
  const amenities = (count: number) => Array.from({ length: count }, (_, i) => ['wifi', 'kitchen', 'heating'][i % 3]!);

  async function expectRefused(response: Response, what: string) {
    expect(response.status, what).toBe(statusBySqlState['22023']);
    const body = await response.json();
    expect(body, what).toMatchObject({ code: '22023', hint: 'request_too_large' });
    expect(body.message, what).toEqual(expect.any(String));
    expect(body.details, what).toEqual(expect.any(String));
  }

  it('a POST body of 200,000 amenities (over the body limit) is a 400 with code 22023 and hint request_too_large', async () => {
    const { error, status } = await anonClient().rpc('search_properties', { amenities: amenities(200_000) });
    expect(status).toBe(400);
    expect(error?.code).toBe('22023');
    expect(error?.hint).toBe('request_too_large');
  });

  it('a body over the limit sent without a length (chunked) is refused when the limit is crossed', async () => {
    const chunk = new TextEncoder().encode(`${JSON.stringify(amenities(10_000)).slice(1, -1)},`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"amenities":['));
        if (sent > REST_LIMITS.bodyBytes * 4) return controller.close();
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const response = await fetch(search, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
    await expectRefused(response, 'chunked body');
  });

  it('a GET URL over the URL limit is refused, whether under or over the header parser limit', async () => {
    for (const count of [1_500, 200_000]) {
      const url = `${search}?amenities=${encodeURIComponent(`{${amenities(count).join(',')}}`)}`;
      expect(url.length, `${count} amenities make a URL over the limit`).toBeGreaterThan(REST_LIMITS.urlBytes);
      await expectRefused(await fetch(url, { headers: { apikey: env.publishableKey } }), `${count} amenities in the URL`);
    }
  });

  it('requests under the limits pass through whole: a body padded to near the limit, a long URL', async () => {
    const padded = `{"page_size": 3${' '.repeat(REST_LIMITS.bodyBytes - 100)}}`;
    const post = await fetch(search, { method: 'POST', headers, body: padded });
    expect(post.status).toBe(200);
    expect(Array.isArray(await post.json())).toBe(true);

    // A filter of 800 codes, as supabase-js's .in() writes it: a long URL, under the limit.
    const codes = ['wifi', ...Array.from({ length: 800 }, (_, i) => `code_${i}`)];
    const url = `${env.apiUrl}/rest/v1/amenities?select=code&code=in.(${codes.join(',')})`;
    expect(url.length).toBeGreaterThan(REST_LIMITS.urlBytes / 2);
    expect(url.length).toBeLessThan(REST_LIMITS.urlBytes);
    const get = await fetch(url, { headers: { apikey: env.publishableKey } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual([{ code: 'wifi' }]);
  });
});
