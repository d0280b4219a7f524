// npm run db:backup: a timestamped, compressed logical backup of what Staybase owns (see scripts/lib/backup.mjs)
// into backups/, keeping the newest BACKUP_KEEP (default 7). From DATABASE_URL with pg_dump (custom format), or
// from the embedded database in .staybase/db with PGlite's pg_dump (gzipped SQL). Prints size and duration.
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
ensureDependencies(root);
const { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } = await import('node:fs');
const { join } = await import('node:path');
const { backupPglite, backupServer, fileSize, humanSize } = await import('./lib/backup.mjs');
const { openPglite } = await import('./lib/embedded-db.mjs');
const { EMBEDDED_DATA_DIR, embeddedExists, embeddedIsRunning } = await import('./lib/embedded-target.mjs');

const keep = Number(process.env.BACKUP_KEEP ?? 7);
if (!Number.isInteger(keep) || keep < 1) fail(`BACKUP_KEEP must be a whole number of backups, at least 1 (got "${process.env.BACKUP_KEEP}")`);

const url = process.env.DATABASE_URL;
const dir = join(root, 'backups');
// Backups hold personal data (e-mails, password hashes): readable by their owner only.
mkdirSync(dir, { recursive: true, mode: 0o700 });
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const source = url ? decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres' : 'embedded';
const name = `staybase-${source.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}.${url ? 'dump' : 'sql.gz'}`;
const file = join(dir, name);
// Written under a temporary name and renamed when complete, so a failed backup never counts as one.
const partial = `${file}.partial`;

const started = Date.now();
try {
  if (url) {
    await backupServer(url, partial);
  } else {
    if (await embeddedIsRunning()) fail('the embedded database is in use by `npm start`: stop it first (PGlite is one process\'s files)');
    if (!embeddedExists()) fail(`no embedded database in ${EMBEDDED_DATA_DIR}: run \`npm run db:reset\` or \`npm start\` first`);
    const db = await openPglite(EMBEDDED_DATA_DIR);
    try {
      await backupPglite(db, partial);
    } finally {
      await db.close();
    }
  }
  chmodSync(partial, 0o600);
  renameSync(partial, file);
} catch (error) {
  rmSync(partial, { force: true });
  fail(error.stderr || error.message);
}
const seconds = ((Date.now() - started) / 1000).toFixed(2);
console.log(`backups/${name}  ${humanSize(fileSize(file))} in ${seconds} s`);

// Retention: the newest `keep` backups stay (names sort by time within a source; mtime orders across sources).
const backups = readdirSync(dir)
  .filter((f) => /^staybase-.+\.(dump|sql\.gz)$/.test(f))
  .map((f) => ({ f, mtime: statSync(join(dir, f)).mtimeMs }))
  .sort((a, b) => b.mtime - a.mtime || b.f.localeCompare(a.f));
for (const { f } of backups.slice(keep)) {
  rmSync(join(dir, f));
  console.log(`removed backups/${f} (keeping the newest ${keep})`);
}

function fail(message) {
  console.error(`db:backup: ${message}`);
  process.exit(1);
}
