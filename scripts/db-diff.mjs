// npm run db:diff: the schema changes made by hand in the running database (the embedded one on :54322, or
// DATABASE_URL) that no migration has yet, as SQL to review and turn into a migration (`npm run db:new -- name`).
// It builds a reference database from supabase/migrations in memory and runs `supabase db diff --from --to`.
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname;
ensureDependencies(root);
const { migrate, supabase } = await import('./lib/database.mjs');
const { startEmbeddedDatabase } = await import('./lib/embedded-db.mjs');
const { freePort } = await import('./lib/processes.mjs');

const live = process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:54322/postgres?sslmode=disable';
const reference = await startEmbeddedDatabase({ dataDir: null, port: await freePort() });
try {
  await migrate(reference.url, { seed: false });
  const { stdout, stderr } = await supabase(['db', 'diff', '--from', reference.url, '--to', live, '--schema', 'public,private']);
  console.log(stdout.trim() || 'no differences: the database matches supabase/migrations');
  if (stderr.trim()) console.error(stderr.trim());
} finally {
  await reference.stop();
}
