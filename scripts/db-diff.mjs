// npm run db:diff: the schema changes made by hand in the running database (the embedded one on :54322, or
// DATABASE_URL) that no migration has yet, as SQL to review. To change the database, edit supabase/schemas and run
// `npm run db:migration -- <name>` instead; this is for finding what was changed by hand.
// It builds a reference database from supabase/migrations in memory and runs `supabase db diff --from --to`.
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname;
ensureDependencies(root);
const { connect, migrate, recreateServerDatabase, supabase } = await import('./lib/database.mjs');
const { startEmbeddedDatabase } = await import('./lib/embedded-db.mjs');
const { freePort } = await import('./lib/processes.mjs');

// The reference is built where the live database runs (a server's catalogues differ across major versions, so a
// PGlite reference against a PostgreSQL 15 server would report version noise): in memory for the embedded database,
// in a sibling database `<name>_reference` on the same server for DATABASE_URL.
const live = process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:54322/postgres?sslmode=disable';
const reference = process.env.DATABASE_URL ? await serverReference(live) : await startEmbeddedDatabase({ dataDir: null, port: await freePort() });
try {
  await migrate(reference.url, { seed: false });
  const { stdout, stderr } = await supabase(['db', 'diff', '--from', reference.url, '--to', live, '--schema', 'public,private,payments,storage']);
  console.log(stdout.trim() || 'no differences: the database matches supabase/migrations');
  if (stderr.trim()) console.error(stderr.trim());
} finally {
  await reference.stop();
}

async function serverReference(url) {
  const target = new URL(url);
  target.pathname = `${target.pathname}_reference`;
  await recreateServerDatabase(target.toString());
  return {
    url: target.toString(),
    async stop() {
      const maintenance = new URL(url);
      maintenance.pathname = '/postgres';
      const sql = connect(maintenance.toString());
      try {
        await sql.unsafe(`drop database if exists "${decodeURIComponent(target.pathname.slice(1))}" with (force)`);
      } finally {
        await sql.end();
      }
    },
  };
}
