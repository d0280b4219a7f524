// `npm start` on a database that already exists: it applies the migrations that database has not applied and
// serves its data as it is; the seed (dev users with known passwords, demo listings and bookings) goes only into a
// database the start creates (the first embedded start; `npm run db:reset` rebuilds any database with it).
// start.mjs calls startStack with `seed: 'if-created'`, as these tests do. On the server run, the existing
// database is a server database of its own, next to the test database.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, migrate, recreateServerDatabase, root } from '../../scripts/lib/database.mjs';
import { devUsers } from '../../scripts/lib/dev-users.mjs';
import { startEmbeddedDatabase } from '../../scripts/lib/embedded-db.mjs';
import { freePort } from '../../scripts/lib/processes.mjs';
import { startStack } from '../../scripts/lib/stack.mjs';
import { env } from '../support/env.ts';

const folders: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
const folder = () => {
  const path = mkdtempSync(join(tmpdir(), 'staybase-start-'));
  folders.push(path);
  return join(path, 'db');
};
const migrationCount = readdirSync(join(root, 'supabase', 'migrations')).filter((f) => f.endsWith('.sql')).length;

/** A database with every migration and no seed, as the bench builds its own. */
async function existingUnseededDatabase(): Promise<{ startWith: { databaseUrl?: string; dataDir?: string } }> {
  if (env.onServer) {
    const url = new URL(env.databaseUrl);
    url.pathname = `${url.pathname}_existing`;
    await recreateServerDatabase(url.toString());
    cleanups.push(async () => {
      const maintenance = new URL(url);
      maintenance.pathname = '/postgres';
      const sql = connect(maintenance.toString());
      try {
        await sql.unsafe(`drop database if exists "${decodeURIComponent(url.pathname.slice(1))}" with (force)`);
      } finally {
        await sql.end();
      }
    });
    await migrate(url.toString(), { seed: false });
    return { startWith: { databaseUrl: url.toString() } };
  }
  const dataDir = folder();
  const db = await startEmbeddedDatabase({ dataDir, port: await freePort() });
  try {
    await migrate(db.url, { seed: false });
  } finally {
    await db.stop();
  }
  return { startWith: { dataDir } };
}

async function readThroughTheApi(apiUrl: string, publishableKey: string) {
  const response = await fetch(`${apiUrl}/rest/v1/properties?select=id&limit=100`, { headers: { apikey: publishableKey } });
  expect(response.status).toBe(200);
  return (await response.json()) as unknown[];
}

describe('npm start and the seed', () => {
  it('an existing database that was never seeded is served as it is: no migration to apply, no dev users, no demo listings', async () => {
    const { startWith } = await existingUnseededDatabase();
    const stack = await startStack({ ...startWith, seed: 'if-created' });
    try {
      expect(stack.database).toEqual({ created: false, seeded: false, migrationsApplied: [] });
      expect(await devUsers(stack.dbUrl)).toEqual([]);
      expect(await readThroughTheApi(stack.apiUrl, stack.keys.publishableKey)).toEqual([]);
    } finally {
      await stack.stop();
    }
  }, 300_000);

  it('the first start of an embedded database creates it with every migration and the seed; the next start changes nothing', async () => {
    const dataDir = folder();
    const first = await startStack({ dataDir, seed: 'if-created' });
    let listings: unknown[];
    try {
      expect(first.database.created).toBe(true);
      expect(first.database.seeded).toBe(true);
      expect(first.database.migrationsApplied).toHaveLength(migrationCount);
      expect((await devUsers(first.dbUrl)).map((u) => u.email)).toContain('guest.gus@staybase.test');
      listings = await readThroughTheApi(first.apiUrl, first.keys.publishableKey);
      expect(listings.length).toBeGreaterThan(0);
    } finally {
      await first.stop();
    }
    const second = await startStack({ dataDir, seed: 'if-created' });
    try {
      expect(second.database).toEqual({ created: false, seeded: false, migrationsApplied: [] });
      expect(await readThroughTheApi(second.apiUrl, second.keys.publishableKey)).toEqual(listings);
    } finally {
      await second.stop();
    }
  }, 300_000);
});
