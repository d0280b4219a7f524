// Postgres for the edge functions: postgres.js on SUPABASE_DB_URL (set by Supabase on hosted projects and by the
// local stack). No prepared statements: they break behind Supabase's transaction pooler and on PGlite.
// Versioned npm: specifiers deploy as they are, with no import map (the same versions as package.json).
// deno-lint-ignore no-import-prefix
import postgres from 'npm:postgres@3.4.9';

export type Sql = postgres.Sql;
export type Transaction = postgres.TransactionSql;

let sql: Sql | null = null;

export function db(): Sql {
  if (!sql) {
    const url = Deno.env.get('SUPABASE_DB_URL');
    if (!url) throw new Error('SUPABASE_DB_URL is not set');
    sql = postgres(url, { prepare: false, max: 5, idle_timeout: 20, connect_timeout: 10, onnotice: () => {} });
  }
  return sql;
}

/**
 * Runs `work` in one transaction as `service_role`, the role the SQL functions grant to: the function acts with
 * exactly the service role's privileges, not the connection owner's. Rolls back if `work` throws.
 */
export async function asServiceRole<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
  return (await db().begin(async (tx) => {
    await tx`set local role service_role`;
    return await work(tx);
  })) as T;
}
