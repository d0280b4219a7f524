// The local Staybase stack: a database (embedded PGlite, or DATABASE_URL), bootstrapped and migrated with the
// Supabase CLI, the real PostgREST, the edge functions on Deno, the local Auth API and its inbox, the local Storage
// API, and the gateway that fronts them.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { authConfig } from './auth/config.mjs';
import { createInbox } from './auth/inbox.mjs';
import { createAuthApi } from './auth/server.mjs';
import { createStorageApi } from './storage/server.mjs';
import { startEmbeddedDatabase } from './embedded-db.mjs';
import { startFunctions } from './functions.mjs';
import { startGateway } from './gateway.mjs';
import { apiKeys, JWKS, JWT_SECRET, POSTGREST_JWKS } from './keys.mjs';
import { connect, migrate, setVaultSecret } from './database.mjs';
import { startPostgrest } from './postgrest.mjs';
import { freePort, stopChildren } from './processes.mjs';

/**
 * Starts the stack. `databaseUrl` selects a server; otherwise PGlite runs on `dataDir` (null = in memory) and
 * is served on `dbPort`. `functionsEnv` adds to (and wins over) what the edge functions get from the process
 * environment and supabase/functions/.env, as the test runner does for Stripe; `functionsDefaults` apply where
 * neither sets a variable. `authOverrides` replace settings of config.toml's [auth] for the local Auth API.
 * `replicaUrl` (a hot standby of the server) adds a PostgREST on it: with `routeReadsToReplica` the gateway sends
 * GET /rest/v1 there, as Supabase's load balancer does; either way `replica.apiUrl` is a gateway that does. Returns
 * URLs, keys and `stop()`.
 */
export async function startStack({ databaseUrl, dataDir, dbPort, apiPort, seed = true, prepare, functionsEnv = {},
  functionsDefaults = {}, authOverrides = {}, replicaUrl, routeReadsToReplica = false }) {
  apiPort ??= await freePort();
  const stops = [];
  const stop = async () => {
    await stopChildren();
    for (const fn of stops.reverse()) await fn();
  };
  try {
    let dbUrl = databaseUrl;
    const embedded = !databaseUrl;
    if (embedded) {
      if (dataDir) mkdirSync(dataDir, { recursive: true });
      const db = await startEmbeddedDatabase({ dataDir, port: dbPort ?? (await freePort()) });
      stops.push(db.stop);
      dbUrl = db.url;
    }
    if (prepare) await prepare(dbUrl);
    const migrateLog = await migrate(dbUrl, { seed });
    // What a hosted project keeps in Vault (project_url): the API's public URL, for the calendar feed URLs.
    await setVaultSecret(dbUrl, 'project_url', `http://127.0.0.1:${apiPort}`);
    const keys = await apiKeys();
    // PostgREST 12 takes a JWK set as its secret: it verifies ES256 tokens and legacy HS256 ones alike.
    const postgrest = await startPostgrest({ databaseUrl: dbUrl, jwtSecret: JSON.stringify(POSTGREST_JWKS), embedded });
    const functions = await startFunctions({
      // Notification e-mails without RESEND_API_KEY (or EMAIL_API_URL) go to the local inbox, which speaks Resend's API.
      defaults: { STAYBASE_LOCAL_INBOX_URL: `http://127.0.0.1:${apiPort}/inbox`, ...functionsDefaults },
      env: {
        ...functionsEnv,
        SUPABASE_URL: `http://127.0.0.1:${apiPort}`,
        SUPABASE_ANON_KEY: keys.anonKey,
        SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
        SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: keys.publishableKey }),
        SUPABASE_SECRET_KEYS: JSON.stringify({ default: keys.secretKey }),
        SUPABASE_JWKS: JSON.stringify(JWKS),
        // The legacy shared secret, for HS256 tokens (a project that still has them); unset it to refuse them.
        JWT_SECRET,
        SUPABASE_DB_URL: dbUrl,
      },
    });
    const inbox = createInbox();
    const auth = createAuthApi({ dbUrl, config: authConfig(authOverrides), inbox, externalUrl: `http://127.0.0.1:${apiPort}` });
    stops.push(auth.stop);
    // Storage files next to the embedded database (.staybase/storage under npm start), in memory for the tests.
    const storage = createStorageApi({ dbUrl, dir: dataDir ? join(dirname(dataDir), 'storage') : null });
    stops.push(storage.stop);
    const postgrestJwks = JSON.stringify(POSTGREST_JWKS);
    let replica = null;
    if (replicaUrl) {
      if (embedded) throw new Error('DATABASE_REPLICA_URL needs DATABASE_URL: a read replica is a standby of a PostgreSQL server');
      await waitForReplay(dbUrl, replicaUrl);
      const readPostgrest = await startPostgrest({ databaseUrl: replicaUrl, jwtSecret: postgrestJwks, embedded: false, standby: true });
      const readGateway = await startGateway({ keys, restUrl: postgrest.url, readRestUrl: readPostgrest.url, functionsUrl: functions.url, auth, inbox, storage });
      stops.push(readGateway.stop);
      replica = { dbUrl: replicaUrl, restUrl: readPostgrest.url, apiUrl: readGateway.url, postgrest: readPostgrest };
    }
    const gateway = await startGateway({
      port: apiPort, keys, restUrl: postgrest.url, functionsUrl: functions.url, auth, inbox, storage,
      readRestUrl: replica && routeReadsToReplica ? replica.restUrl : undefined,
    });
    stops.push(gateway.stop);
    return { embedded, dbUrl, apiUrl: gateway.url, restUrl: postgrest.url, functionsUrl: functions.url, keys, postgrest, auth, inbox, storage, replica, migrateLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until the standby at `replicaUrl` has replayed everything the primary had written when called. */
export async function waitForReplay(primaryUrl, replicaUrl, timeoutMs = 30_000) {
  const primary = connect(primaryUrl);
  const standby = connect(replicaUrl);
  try {
    const [{ lsn }] = await primary`select pg_catalog.pg_current_wal_lsn()::text as lsn`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ in_recovery: inRecovery, caught_up: caughtUp }] = await standby`
        select pg_catalog.pg_is_in_recovery() as in_recovery,
               coalesce(pg_catalog.pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn, false) as caught_up`;
      if (!inRecovery) throw new Error(`${replicaUrl} is not a standby (pg_is_in_recovery() is false)`);
      if (caughtUp) return;
      if (Date.now() > deadline) throw new Error(`the standby at ${replicaUrl} did not replay ${lsn} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await Promise.all([primary.end(), standby.end()]);
  }
}
