// npm test: every check, on a database built from scratch. Embedded PGlite (in memory) by default; with
// DATABASE_URL, that database is dropped, recreated and used instead (the server run adds the concurrency tests).
// Steps: static checks (tsc, deno check), build the database with the Supabase CLI (bootstrap, migrations, seed),
// advisors, generated-types and schema-drift checks, then vitest (pgTAP suites, API tests through the real PostgREST, edge
// function tests). Ends with one line: `N passed, M failed, K skipped`. A check whose system tool is missing
// (promtool, say) is skipped with the package that brings it, or fails with STAYBASE_REQUIRE_SYSTEM_TOOLS=1 (.ci/run).
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
ensureDependencies(root);

const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } = await import('node:fs');
const { spawn } = await import('node:child_process');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { startStack } = await import('./lib/stack.mjs');
const { recreateServerDatabase, runSqlFile, supabase } = await import('./lib/database.mjs');
const { generateTypes } = await import('./lib/types.mjs');
const { schemaDrift } = await import('./lib/schemas.mjs');
const { freePort, run } = await import('./lib/processes.mjs');

const databaseUrl = process.env.DATABASE_URL;
// `npm test -- <file> ...` runs only those test files (tests/db/*.test.sql suites or vitest files) after the same
// checks: a quick loop while working on one domain, never a substitute for the full run.
const only = process.argv.slice(2);
const onlySuites = only.filter((f) => f.endsWith('.test.sql')).map((f) => f.split('/').pop());
const onlyFiles = [...only.filter((f) => !f.endsWith('.test.sql')), ...(onlySuites.length ? ['tests/pgtap.test.ts'] : [])];
const bin = (name) => join(root, 'node_modules', '.bin', name);
const results = [];
let vitest = null;

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`✗ ${name}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.stdout || error.stderr ? '' : error.message}`);
  }
}

console.log(`Staybase tests on ${databaseUrl ? 'the PostgreSQL server (DATABASE_URL)' : 'embedded PGlite'}${only.length ? `, only ${only.join(' ')}` : ''}\n`);
await check('tsc --noEmit (strict)', () => run(bin('tsc'), ['--noEmit', '-p', root], { cwd: root }));
await check('deno check (edge functions)', () => run(bin('deno'), ['check', 'scripts/functions-serve.ts', 'scripts/payments-worker.ts', 'scripts/email-worker.ts', ...functionEntrypoints()], { cwd: root }));

// The edge functions talk to a fake Stripe (tests/support/fake-stripe.ts), never to Stripe or to a developer's
// keys from supabase/functions/.env. Its port is chosen now, so the functions start with its URL; vitest's global
// setup (tests/support/global-setup.ts) starts it on that port before any test runs.
const functionsEnv = {
  STRIPE_SECRET_KEY: 'sk_test_staybase_fake',
  STRIPE_WEBHOOK_SECRET: 'whsec_test_staybase_fake',
  STRIPE_API_URL: `http://127.0.0.1:${await freePort()}`,
  STAYBASE_SITE_URL: 'http://127.0.0.1:3000',
  METRICS_TOKEN: 'metrics-token-for-tests',
  // The calendar tests serve feeds from 127.0.0.1, and want a slow feed to time out quickly.
  CALENDAR_ALLOW_PRIVATE_URLS: 'true',
  CALENDAR_FETCH_TIMEOUT_MS: '3000',
};

let stack;
try {
  stack = await startStack({
    databaseUrl,
    dataDir: null,
    functionsEnv,
    prepare: databaseUrl ? () => recreateServerDatabase(databaseUrl) : undefined,
    // A hot standby of the server (.ci/run makes one): tests/api/replica.test.ts reads through it.
    replicaUrl: process.env.DATABASE_REPLICA_URL,
  });
  results.push({ name: 'database built with the Supabase CLI (bootstrap, migrations, seed)', ok: true });
  console.log('✓ database built with the Supabase CLI (bootstrap, migrations, seed)');
} catch (error) {
  results.push({ name: 'database built', ok: false });
  console.log(`✗ database built\n${error.message}`);
  finish();
}

await check('supabase db advisors --type all --fail-on warn', async () => {
  const { stdout, stderr } = await supabase(['db', 'advisors', `--remote=${stack.dbUrl}`, '--type', 'all', '--fail-on', 'warn']);
  const output = `${stdout}${stderr}`.trim();
  if (output && !/No issues found/i.test(output)) console.log(output);
});
await check('types/database.ts matches the schema (npm run gen:types)', async () => {
  const generated = await generateTypes(stack.dbUrl);
  const committed = readFileSync(join(root, 'types', 'database.ts'), 'utf8');
  if (generated !== committed) throw new Error('types/database.ts is out of date: run `npm run gen:types` and commit it');
});

await check('supabase/schemas and supabase/migrations describe the same database (npm run db:migration)', async () => {
  const drift = await schemaDrift();
  if (drift) {
    throw new Error(`supabase/schemas differs from what supabase/migrations build; the missing migration would be:\n${drift}\n` +
      'write it with `npm run db:migration -- <name>` (or change the schema file back)');
  }
});

await runSqlFile(stack.dbUrl, 'sql/tests/helpers.sql');
const reportDir = mkdtempSync(join(tmpdir(), 'staybase-vitest-'));
const report = join(reportDir, 'summary.json');
const vitestExit = await new Promise((resolve) => {
  const child = spawn(bin('vitest'), ['run', ...onlyFiles, '--reporter=default', `--reporter=${join(root, 'scripts', 'lib', 'vitest-summary.mjs')}`], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      STAYBASE_VITEST_SUMMARY: report,
      ...(onlySuites.length ? { STAYBASE_PGTAP_SUITES: onlySuites.join(',') } : {}),
      STAYBASE_TEST_DB_URL: stack.dbUrl,
      STAYBASE_TEST_API_URL: stack.apiUrl,
      STAYBASE_TEST_ANON_KEY: stack.keys.anonKey,
      STAYBASE_TEST_SERVICE_ROLE_KEY: stack.keys.serviceRoleKey,
      STAYBASE_TEST_PUBLISHABLE_KEY: stack.keys.publishableKey,
      STAYBASE_TEST_SECRET_KEY: stack.keys.secretKey,
      STAYBASE_TEST_ON_SERVER: databaseUrl ? '1' : '0',
      STAYBASE_TEST_STRIPE_URL: functionsEnv.STRIPE_API_URL,
      STAYBASE_TEST_STRIPE_WEBHOOK_SECRET: functionsEnv.STRIPE_WEBHOOK_SECRET,
      STAYBASE_TEST_STRIPE_SECRET_KEY: functionsEnv.STRIPE_SECRET_KEY,
      STAYBASE_TEST_METRICS_TOKEN: functionsEnv.METRICS_TOKEN,
      ...(stack.replica ? {
        STAYBASE_TEST_REPLICA_DB_URL: stack.replica.dbUrl,
        STAYBASE_TEST_REPLICA_REST_URL: stack.replica.restUrl,
        STAYBASE_TEST_REPLICA_API_URL: stack.replica.apiUrl,
      } : {}),
    },
  });
  child.on('exit', (code) => resolve(code));
});
try {
  vitest = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  results.push({ name: 'vitest wrote its report', ok: false });
}
// A failure outside any test (a file that does not load, a hook that throws) counts once; an error vitest reports
// outside the run (an unhandled rejection, say) fails it even when every test passed.
for (const failure of vitest?.failuresOutsideTests ?? []) results.push({ name: failure, ok: false });
if (vitestExit !== 0 && vitest && vitest.failed === 0 && vitest.failuresOutsideTests.length === 0) {
  results.push({ name: `vitest exited with code ${vitestExit}${vitest.unhandledErrors ? ` (${vitest.unhandledErrors} errors outside the tests)` : ''}`, ok: false });
}
rmSync(reportDir, { recursive: true, force: true });
await stack.stop();
finish();

function functionEntrypoints() {
  return readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_') && existsSync(join(root, 'functions', d.name, 'index.ts')))
    .map((d) => `functions/${d.name}/index.ts`);
}

function finish() {
  const checksPassed = results.filter((r) => r.ok).length;
  const checksFailed = results.length - checksPassed;
  const failedNames = results.filter((r) => !r.ok).map((r) => r.name);
  if (failedNames.length) console.log(`\nFailed checks: ${failedNames.join('; ')}`);
  const skipped = vitest?.skipped ?? [];
  if (skipped.length) {
    console.log(`\nSkipped:\n${skipped.map((s) => `  ${s.test}${s.note ? `: ${s.note}` : ''}`).join('\n')}`);
  }
  const passed = checksPassed + (vitest?.passed ?? 0);
  const failed = checksFailed + (vitest?.failed ?? 0);
  console.log(`\n${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  process.exit(failed === 0 ? 0 : 1);
}
