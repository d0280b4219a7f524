// The local Staybase stack: a database (embedded PGlite, or DATABASE_URL), bootstrapped and migrated with the
// Supabase CLI, the real PostgREST, the edge functions on Deno, and the gateway that fronts them.
import { mkdirSync } from 'node:fs';
import { startEmbeddedDatabase } from './embedded-db.mjs';
import { startFunctions } from './functions.mjs';
import { startGateway } from './gateway.mjs';
import { apiKeys, JWT_SECRET } from './keys.mjs';
import { migrate, setVaultSecret } from './database.mjs';
import { startPostgrest } from './postgrest.mjs';
import { freePort, stopChildren } from './processes.mjs';

/**
 * Starts the stack. `databaseUrl` selects a server; otherwise PGlite runs on `dataDir` (null = in memory) and
 * is served on `dbPort`. `functionsEnv` adds to (and wins over) what the edge functions get from the process
 * environment and supabase/functions/.env, as the test runner does for Stripe; `functionsDefaults` apply where
 * neither sets a variable. Returns URLs, keys and `stop()`.
 */
export async function startStack({ databaseUrl, dataDir, dbPort, apiPort, seed = true, prepare, functionsEnv = {}, functionsDefaults = {} }) {
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
    const postgrest = await startPostgrest({ databaseUrl: dbUrl, jwtSecret: JWT_SECRET, embedded });
    const functions = await startFunctions({
      defaults: functionsDefaults,
      env: {
        ...functionsEnv,
        SUPABASE_URL: `http://127.0.0.1:${apiPort}`,
        SUPABASE_ANON_KEY: keys.anonKey,
        SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
        SUPABASE_DB_URL: dbUrl,
      },
    });
    const gateway = await startGateway({ port: apiPort, jwtSecret: JWT_SECRET, restUrl: postgrest.url, functionsUrl: functions.url });
    stops.push(gateway.stop);
    return { embedded, dbUrl, apiUrl: gateway.url, restUrl: postgrest.url, functionsUrl: functions.url, keys, postgrest, migrateLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
