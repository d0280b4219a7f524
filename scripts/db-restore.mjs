// npm run db:restore -- <file> [--force]: restores a backup made by `npm run db:backup` into DATABASE_URL (the
// database is created when missing) or into the embedded database in .staybase/db. The target is bootstrapped
// first (roles, auth, storage: sql/bootstrap.sql, idempotent), then receives what the backup holds. A target that
// already holds Staybase data is refused; --force replaces it: the server database is dropped and recreated, the
// embedded folder is moved aside (never deleted) to .staybase/db.before-restore-<time>.
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
ensureDependencies(root);
const { existsSync, mkdirSync, renameSync } = await import('node:fs');
const { assertRestorable, restoreBackup, tableFingerprints } = await import('./lib/backup.mjs');
const { connect, recreateServerDatabase } = await import('./lib/database.mjs');
const { startEmbeddedDatabase } = await import('./lib/embedded-db.mjs');
const { EMBEDDED_DATA_DIR, embeddedIsRunning } = await import('./lib/embedded-target.mjs');
const { freePort } = await import('./lib/processes.mjs');

const args = process.argv.slice(2);
const force = args.includes('--force');
const files = args.filter((a) => a !== '--force');
if (files.length !== 1 || files[0].startsWith('-')) fail('usage: npm run db:restore -- <backup file> [--force]');
const file = files[0];
if (!existsSync(file)) fail(`no such file: ${file}`);
if (!/\.(dump|sql\.gz)$/.test(file)) fail('a backup is a .dump (server) or .sql.gz (embedded) file made by `npm run db:backup`');

const url = process.env.DATABASE_URL;
const started = Date.now();
let summary;
try {
  if (url) {
    await createDatabaseIfMissing(url);
    await assertRestorable(file, url);
    if (force) await recreateServerDatabase(url);
    summary = await restoreAndCount(url);
  } else {
    // pg_restore over PGlite's socket stalls (seen): a server's custom-format backup goes to a server.
    if (!file.endsWith('.sql.gz')) fail('a server backup (.dump) restores into a PostgreSQL server: set DATABASE_URL');
    if (await embeddedIsRunning()) fail('the embedded database is in use by `npm start`: stop it first');
    if (force && existsSync(EMBEDDED_DATA_DIR)) {
      const aside = `${EMBEDDED_DATA_DIR}.before-restore-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      renameSync(EMBEDDED_DATA_DIR, aside);
      console.log(`moved the previous embedded database to ${aside}`);
    }
    mkdirSync(EMBEDDED_DATA_DIR, { recursive: true });
    const db = await startEmbeddedDatabase({ dataDir: EMBEDDED_DATA_DIR, port: await freePort() });
    try {
      summary = await restoreAndCount(db.url);
    } finally {
      await db.stop();
    }
  }
} catch (error) {
  fail(`${error.stderr || error.message}${/not empty/.test(error.message) ? '\n(--force replaces it)' : ''}`);
}
console.log(`restored ${file}: ${summary.tables} tables, ${summary.rows} rows in ${((Date.now() - started) / 1000).toFixed(2)} s`);

async function restoreAndCount(target) {
  await restoreBackup(file, target);
  const sql = connect(target);
  try {
    const fingerprints = Object.values(await tableFingerprints(sql));
    return { tables: fingerprints.length, rows: fingerprints.reduce((sum, f) => sum + f.rows, 0) };
  } finally {
    await sql.end();
  }
}

async function createDatabaseIfMissing(target) {
  const name = decodeURIComponent(new URL(target).pathname.slice(1));
  const maintenance = new URL(target);
  maintenance.pathname = '/postgres';
  const sql = connect(maintenance.toString());
  try {
    const [exists] = await sql`select from pg_catalog.pg_database where datname = ${name}`;
    if (!exists) await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await sql.end();
  }
}

function fail(message) {
  console.error(`db:restore: ${message}`);
  process.exit(1);
}
