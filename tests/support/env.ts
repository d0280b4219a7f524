// What the test runner (scripts/test.mjs) passes to the tests: the database under test, the API URL and keys.
import postgres from 'postgres';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\``);
  return value;
}

export const env = {
  databaseUrl: required('STAYBASE_TEST_DB_URL'),
  apiUrl: required('STAYBASE_TEST_API_URL'),
  anonKey: required('STAYBASE_TEST_ANON_KEY'),
  serviceRoleKey: required('STAYBASE_TEST_SERVICE_ROLE_KEY'),
  /** The new API keys (not JWTs): sb_publishable_... for clients, sb_secret_... for servers. */
  publishableKey: required('STAYBASE_TEST_PUBLISHABLE_KEY'),
  secretKey: required('STAYBASE_TEST_SECRET_KEY'),
  /** True when the database is a PostgreSQL server (real concurrency), false on embedded PGlite. */
  onServer: process.env.STAYBASE_TEST_ON_SERVER === '1',
  /** The fake Stripe the edge functions call (STRIPE_API_URL), and the webhook secret they verify with. */
  stripeUrl: required('STAYBASE_TEST_STRIPE_URL'),
  stripeWebhookSecret: required('STAYBASE_TEST_STRIPE_WEBHOOK_SECRET'),
  /** The bearer token the metrics function was started with. */
  metricsToken: required('STAYBASE_TEST_METRICS_TOKEN'),
  /** The (fake) secret key the functions use: a worker run outside them must use the same one, since Stripe keys
   * idempotent results per API key. */
  stripeSecretKey: required('STAYBASE_TEST_STRIPE_SECRET_KEY'),
};

/** A postgres.js client as the database owner (no prepared statements: PGlite's connections share a session). */
export function database(options: postgres.Options<Record<string, postgres.PostgresType>> = {}) {
  return postgres(env.databaseUrl, { prepare: false, onnotice: () => {}, max: 4, ...options });
}
