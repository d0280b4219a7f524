// /functions/v1/metrics: Prometheus text, only with the metrics token, checked by promtool (skipped where it is not
// installed, failed there under .ci/run), and moving with the marketplace (a refused double booking increments its
// counter).
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientAs, createUser, type TestUser } from '../support/clients.ts';
import { env } from '../support/env.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';
import { needsSystemTool } from '../support/system-tools.ts';

const url = `${env.apiUrl}/functions/v1/metrics`;

async function scrape(): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${env.metricsToken}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return await response.text();
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no sample ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

let guest: TestUser;
let rival: TestUser;
let listing: string;

beforeAll(async () => {
  const host = await createUser('metrics-host');
  [guest, rival] = await Promise.all([createUser('metrics-guest'), createUser('metrics-rival')]);
  listing = await createListing(host.id);
});

describe('metrics', () => {
  it('refuses a scrape without the metrics token, or with a Supabase key instead', async () => {
    expect((await fetch(url)).status).toBe(401);
    const withAnonKey = await fetch(url, { headers: { authorization: `Bearer ${env.anonKey}` } });
    expect(withAnonKey.status).toBe(401);
    await withAnonKey.body?.cancel();
  });

  it('serves every family', async () => {
    const text = await scrape();
    for (const family of ['staybase_bookings', 'staybase_holds_expiring_soon', 'staybase_double_bookings_refused_total',
      'staybase_webhook_events', 'staybase_outbox_depth', 'staybase_outbox_oldest_pending_age_seconds', 'staybase_reviews_awaiting_publication', 'staybase_db_connections', 'staybase_db_cache_hit_ratio',
      'staybase_db_oldest_transaction_seconds', 'staybase_db_lock_waits', 'staybase_db_dead_tuples', 'staybase_db_size_bytes']) {
      expect(text, family).toContain(`# TYPE ${family} `);
    }
  });

  it('serves text that promtool accepts (promtool check metrics)', async (context) => {
    needsSystemTool(context, 'promtool', 'prometheus');
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: await scrape(), encoding: 'utf8' });
    expect(promtool.error).toBeUndefined();
    expect(`${promtool.stdout}${promtool.stderr}`.trim()).toBe('');
    expect(promtool.status).toBe(0);
  });

  it('counts a refused double booking and the new hold', async () => {
    const before = await scrape();
    const stay = { property_id: listing, check_in: daysFromToday(5), check_out: daysFromToday(7), guests: 1 };
    expect((await clientAs(guest).rpc('request_booking', stay)).status).toBe(200);
    expect((await clientAs(rival).rpc('request_booking', stay)).status).toBe(409);
    const after = await scrape();
    const refused = (text: string) => sample(text, 'staybase_double_bookings_refused_total');
    const pending = (text: string) => sample(text, 'staybase_bookings{status="pending_payment"}');
    if (env.onServer) {
      // Other test files book and race at the same time on the server: the counters can only have grown.
      expect(refused(after)).toBeGreaterThanOrEqual(refused(before) + 1);
    } else {
      expect(refused(after)).toBe(refused(before) + 1);
      expect(pending(after)).toBe(pending(before) + 1);
    }
  });
});
