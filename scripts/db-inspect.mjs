// npm run db:inspect [-- <report> ...]: the DBA's one command for outliers, index usage, bloat, locks and vacuum
// state, built on `supabase inspect db <report> --remote=<url>` (no Docker needed). On DATABASE_URL, or on the
// embedded database (the running `npm start`'s, else .staybase/db opened here). `supabase inspect db --help` lists
// every report; any of them can be named.
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
ensureDependencies(root);
const { connect, supabase } = await import('./lib/database.mjs');
const { startEmbeddedDatabase } = await import('./lib/embedded-db.mjs');
const { EMBEDDED_DATA_DIR, RUNNING_EMBEDDED_URL, embeddedExists, embeddedIsRunning } = await import('./lib/embedded-target.mjs');
const { freePort } = await import('./lib/processes.mjs');

const DEFAULT_REPORTS = ['db-stats', 'outliers', 'calls', 'index-stats', 'table-stats', 'bloat', 'vacuum-stats',
  'locks', 'blocking', 'long-running-queries'];
// These read pg_stat_statements (db-stats does when it is installed; seen), whose view answers only when
// shared_preload_libraries loads it.
const NEED_STATEMENTS = new Set(['db-stats', 'outliers', 'calls']);

const reports = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_REPORTS;
let url = process.env.DATABASE_URL;
let embedded = null;
if (!url) {
  if (await embeddedIsRunning()) url = RUNNING_EMBEDDED_URL;
  else if (embeddedExists()) {
    embedded = await startEmbeddedDatabase({ dataDir: EMBEDDED_DATA_DIR, port: await freePort() });
    url = embedded.url;
  } else fail(`no embedded database in ${EMBEDDED_DATA_DIR}: run \`npm start\` or \`npm run db:reset\` first`);
}

let failed = 0;
try {
  const statements = await statementsAvailable(url);
  for (const report of reports) {
    console.log(`\n== ${report} ==`);
    if (NEED_STATEMENTS.has(report) && statements !== true) {
      console.log(`skipped: ${statements}`);
      continue;
    }
    try {
      const { stdout } = await supabase(['inspect', 'db', report, `--remote=${url}`]);
      console.log(stdout.trimEnd());
    } catch (error) {
      failed += 1;
      console.log(`failed: ${(error.stderr || error.message).trim()}`);
    }
  }
} finally {
  await embedded?.stop();
}
process.exit(failed ? 1 : 0);

/** True when extensions.pg_stat_statements answers; otherwise why not (the DBA's fix, in words). */
async function statementsAvailable(target) {
  const sql = connect(target);
  try {
    await sql.unsafe('select from extensions.pg_stat_statements limit 1');
    return true;
  } catch (error) {
    return error.code === '42P01'
      ? 'pg_stat_statements is not installed in the extensions schema (the bootstrap creates it where the server ships it)'
      : `pg_stat_statements is installed but not loaded: add it to shared_preload_libraries and restart (${error.message})`;
  } finally {
    await sql.end();
  }
}

function fail(message) {
  console.error(`db:inspect: ${message}`);
  process.exit(1);
}
