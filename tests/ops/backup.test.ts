// The restore drill: a backup is only as good as its restore. On the server (DATABASE_URL) the database under
// test is backed up from an exported snapshot while the other suites keep writing, restored into a fresh database,
// and must then hold the same rows (count and content checksum of every table) and pass the whole pgTAP suite.
// On embedded PGlite the same drill runs on PGlite's own path: its pg_dump, restored into a fresh PGlite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupPglite, backupServer, restoreBackup, schemaFingerprint, tableFingerprints } from '../../scripts/lib/backup.mjs';
import { connect, migrate, recreateServerDatabase, runSqlFile } from '../../scripts/lib/database.mjs';
import { startEmbeddedDatabase } from '../../scripts/lib/embedded-db.mjs';
import { freePort } from '../../scripts/lib/processes.mjs';
import { database, env } from '../support/env.ts';
import { failures, pgtapSuites, runPgtapSuite } from '../support/pgtap.ts';
import { needsSystemTool } from '../support/system-tools.ts';

// A drill builds a database, dumps, restores and runs every pgTAP suite on the copy: it grows with the schema and
// the suites, and on two shared cores it can take more than vitest's default minute.
const DRILL_TIMEOUT_MS = 180_000;

type Fingerprints = Record<string, { rows: number; checksum: string }>;

const dir = mkdtempSync(join(tmpdir(), 'staybase-drill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fingerprintsOf(url: string): Promise<Fingerprints> {
  const sql = connect(url);
  try {
    return await tableFingerprints(sql);
  } finally {
    await sql.end();
  }
}

async function schemaOf(url: string): Promise<string> {
  const sql = connect(url);
  try {
    return await schemaFingerprint(sql);
  } finally {
    await sql.end();
  }
}

/** What a restored database must also prove: the whole pgTAP suite passes on it, and a refused second restore. */
async function proveRestored(url: string, file: string, expected: Fingerprints) {
  await expect(restoreBackup(file, url), 'a restore into a database that is not empty').rejects.toThrow(/not empty/);

  await runSqlFile(url, 'sql/tests/helpers.sql');
  const problems: string[] = [];
  for (const suite of pgtapSuites()) problems.push(...failures(suite, await runPgtapSuite(url, suite)));
  expect(problems, 'pgTAP on the restored database').toEqual([]);

  // The comparison can fail: one changed character in one row changes the fingerprints.
  const sql = connect(url);
  await sql`update auth.users set email = email || '.changed' where id = (select id from auth.users order by id limit 1)`;
  await sql.end();
  expect(await fingerprintsOf(url), 'fingerprints after changing one row').not.toEqual(expected);
}

// One drill per run, for the database the run is on (so neither shows as skipped).
if (env.onServer) describe('restore drill on the server (pg_dump custom format, pg_restore)', () => {
  const target = new URL(env.databaseUrl);
  target.pathname = `${target.pathname}_restore`;
  afterAll(async () => {
    const maintenance = new URL(env.databaseUrl);
    maintenance.pathname = '/postgres';
    const sql = connect(maintenance.toString());
    await sql.unsafe(`drop database if exists "${decodeURIComponent(target.pathname.slice(1))}" with (force)`);
    await sql.end();
  });

  it('restores every row of the database under test into a fresh database, which passes the pgTAP suite', async (context) => {
    needsSystemTool(context, 'pg_dump', 'postgresql-client-15');
    needsSystemTool(context, 'pg_restore', 'postgresql-client-15');
    const file = join(dir, 'drill.dump');
    let expected: Fingerprints = {};
    let expectedSchema = '';
    // The other suites write while this runs: pg_dump and the fingerprints read the same exported snapshot.
    const source = database({ max: 1 });
    await source.begin('isolation level repeatable read read only', async (tx) => {
      const [row] = await tx`select pg_catalog.pg_export_snapshot() as snapshot`;
      await backupServer(env.databaseUrl, file, { snapshot: row!.snapshot });
      expected = await tableFingerprints(tx);
      expectedSchema = await schemaFingerprint(tx);
    });
    await source.end();
    expect(expected['auth.users']?.rows, 'users in the backup').toBeGreaterThan(0);
    expect(expected['public.profiles']?.rows, 'profiles in the backup').toBeGreaterThan(0);

    await recreateServerDatabase(target.toString());
    await restoreBackup(file, target.toString());
    expect(await fingerprintsOf(target.toString())).toEqual(expected);
    expect(await schemaOf(target.toString()), 'structure and privileges').toBe(expectedSchema);

    await proveRestored(target.toString(), file, expected);
  }, DRILL_TIMEOUT_MS);
});
else describe('restore drill on embedded PGlite (PGlite\'s pg_dump, gzipped SQL)', () => {
  it('restores every row of a seeded PGlite into a fresh PGlite, which passes the pgTAP suite', async () => {
    const file = join(dir, 'drill.sql.gz');
    const source = await startEmbeddedDatabase({ dataDir: null, port: await freePort() });
    const target = await startEmbeddedDatabase({ dataDir: null, port: await freePort() });
    try {
      await migrate(source.url, { seed: true });
      // Rows in every kind of place a backup must carry, with text that tests the dump's quoting.
      const sql = connect(source.url);
      await sql`insert into storage.buckets (id, name) values ('drill', 'drill')`;
      await sql`insert into storage.objects (bucket_id, name, metadata) values ('drill', 'a/b''c.jpg', '{"size": 1}')`;
      await sql`update public.profiles set bio = ${"O'Brien \\ \"quoted\"\nsecond line, ünïcode"} where display_name = 'Hana Host'`;
      await sql.end();
      const expected = await fingerprintsOf(source.url);
      const expectedSchema = await schemaOf(source.url);

      await backupPglite(source.db, file);
      await restoreBackup(file, target.url);
      expect(await fingerprintsOf(target.url)).toEqual(expected);
      expect(await schemaOf(target.url), 'structure and privileges').toBe(expectedSchema);
      expect(expected['storage.objects']?.rows, 'storage objects in the backup').toBeGreaterThan(0);

      await proveRestored(target.url, file, expected);
    } finally {
      await source.stop();
      await target.stop();
    }
  }, DRILL_TIMEOUT_MS);
});
