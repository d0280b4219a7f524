// The embedded database: PGlite (PostgreSQL in WASM) persisted in a folder and served over the wire protocol,
// in this process, so psql, the Supabase CLI, PostgREST and the tests reach it like any Postgres server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { pgtap } from '@electric-sql/pglite-pgtap';

/**
 * Starts PGlite on `dataDir` (or in memory when null) and serves it on host:port.
 * Returns the connection URL and a `stop()` that closes the server and the database cleanly.
 */
export async function startEmbeddedDatabase({ dataDir, port, host = '127.0.0.1', maxConnections = 64 }) {
  const db = await PGlite.create(dataDir ?? 'memory://', {
    extensions: { btree_gist, pg_trgm, pgcrypto, unaccent, pgtap },
  });
  const server = new PGLiteSocketServer({ db, port, host, maxConnections });
  await server.start();
  let stopped = false;
  return {
    url: `postgresql://postgres:postgres@${host}:${port}/postgres?sslmode=disable`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
