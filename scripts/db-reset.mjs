// npm run db:reset: rebuilds the database from scratch: bootstrap, every migration, seed. On DATABASE_URL the
// database is dropped and recreated; otherwise the embedded database in .staybase/db is deleted and rebuilt.
// (`supabase db reset` is for real Supabase: on plain Postgres it drops the bootstrap's auth and storage schemas.)
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname;
ensureDependencies(root);
const { rmSync, mkdirSync } = await import('node:fs');
const { migrate, recreateServerDatabase } = await import('./lib/database.mjs');
const { startEmbeddedDatabase } = await import('./lib/embedded-db.mjs');
const { freePort } = await import('./lib/processes.mjs');

const url = process.env.DATABASE_URL;
if (url) {
  await recreateServerDatabase(url);
  console.log(await migrate(url, { seed: true }));
} else {
  const dataDir = `${root}.staybase/db`;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // A free port, not 54322: a running `npm start` holds the data folder and must be stopped first.
  const db = await startEmbeddedDatabase({ dataDir, port: await freePort() });
  try {
    console.log(await migrate(db.url, { seed: true }));
  } finally {
    await db.stop();
  }
}
console.log('database reset: bootstrap, migrations and seed applied');
