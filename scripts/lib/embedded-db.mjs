// The embedded database: PGlite (PostgreSQL in WASM) persisted in a folder and served over the wire protocol,
// in this process, so psql, the Supabase CLI, PostgREST and the tests reach it like any Postgres server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { pgtap } from '@electric-sql/pglite-pgtap';

/** Opens PGlite on `dataDir` (or in memory when null) with the extensions Staybase's migrations may create. */
export function openPglite(dataDir) {
  return PGlite.create(dataDir ?? 'memory://', {
    extensions: { btree_gist, pg_trgm, pgcrypto, unaccent, pgtap },
  });
}

/**
 * Starts PGlite on `dataDir` (or in memory when null) and serves it on host:port.
 * Returns the connection URL, the PGlite instance (`db`: in-process tools such as pg_dump need it) and a `stop()`
 * that closes the server and the database cleanly.
 */
export async function startEmbeddedDatabase({ dataDir, port, host = '127.0.0.1', maxConnections = 64 }) {
  const db = await openPglite(dataDir);
  const server = new PGLiteSocketServer({ db, port, host, maxConnections });
  keepExtendedQueriesWhole(server);
  await server.start();
  let stopped = false;
  return {
    db,
    url: `postgresql://postgres:postgres@${host}:${port}/postgres?sslmode=disable`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}

/**
 * pglite-socket (0.2.x) runs the messages of all connections through one queue, one message at a time, and keeps a
 * connection to itself only inside a transaction block. An extended-protocol query outside a transaction
 * (Parse, Bind, Describe, Execute, then Sync: what postgres.js, PostgREST and the CLI send) could therefore be cut
 * by another connection's messages, which replace the unnamed statement and portal: seen as `portal "" does not
 * exist` or `bind message supplies 3 parameters, but prepared statement "" requires 1` when two clients query at
 * once. This keeps the queue with a connection from its first extended-protocol message until its Sync, as a
 * server's separate sessions would. It relies on the queue's private fields (`queryQueue`, its `db`): pinned
 * versions of pglite-socket, checked by the tests.
 */
function keepExtendedQueriesWhole(server) {
  const queue = server.queryQueue;
  if (!queue || !queue.db) throw new Error('pglite-socket changed: its query queue is not where embedded-db.mjs expects it');
  const target = queue.db;
  let sequenceOpen = false;
  const opensSequence = new Set(['P', 'B', 'D', 'E', 'C', 'H']); // Parse, Bind, Describe, Execute, Close, Flush
  queue.db = new Proxy(target, {
    get(object, property) {
      if (property === 'isInTransaction') return () => sequenceOpen || object.isInTransaction();
      if (property === 'execProtocolRawStream') {
        return async (message, options) => {
          const type = String.fromCharCode(message[0]);
          try {
            return await object.execProtocolRawStream(message, options);
          } finally {
            if (opensSequence.has(type)) sequenceOpen = true;
            else if (type === 'S' || type === 'Q') sequenceOpen = false;
          }
        };
      }
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
