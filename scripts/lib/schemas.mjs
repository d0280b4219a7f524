// The declarative schemas (supabase/schemas/, in the order supabase/config.toml lists them) and the migrations made
// from them. Without Docker, `supabase db diff` compares two databases we build ourselves, as the CLI's own
// declarative workflow does with its shadow database: one from supabase/migrations, one from supabase/schemas.
import { readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { parse } from 'smol-toml';
import { connect, migrate, root, runSqlFile, supabase } from './database.mjs';
import { startEmbeddedDatabase } from './embedded-db.mjs';
import { freePort } from './processes.mjs';

/** The schema files, in order, as paths relative to the project root (config.toml's [db.migrations] schema_paths). */
export function schemaFiles() {
  const config = parse(readFileSync(join(root, 'supabase', 'config.toml'), 'utf8'));
  const paths = config.db?.migrations?.schema_paths ?? [];
  if (paths.length === 0) throw new Error('supabase/config.toml lists no [db.migrations] schema_paths');
  return paths.map((path) => normalize(join('supabase', path)));
}

/** Bootstraps an empty database and runs every schema file in order. */
export async function buildFromSchemas(url) {
  await runSqlFile(url, 'sql/bootstrap.sql');
  const sql = connect(url);
  try {
    for (const file of schemaFiles()) {
      try {
        await sql.unsafe(readFileSync(join(root, file), 'utf8')).simple();
      } catch (error) {
        throw new Error(`${file}: ${error.message}`);
      }
    }
  } finally {
    await sql.end();
  }
}

/**
 * The SQL that takes a database built from supabase/migrations to one built from supabase/schemas ('' when they
 * agree), computed by `supabase db diff` on two embedded databases.
 */
export async function schemaDrift() {
  const [fromMigrations, fromSchemas] = await Promise.all([
    startEmbeddedDatabase({ dataDir: null, port: await freePort() }),
    startEmbeddedDatabase({ dataDir: null, port: await freePort() }),
  ]);
  try {
    await Promise.all([migrate(fromMigrations.url, { seed: false }), buildFromSchemas(fromSchemas.url)]);
    const { stdout } = await supabase(['db', 'diff', '--from', fromMigrations.url, '--to', fromSchemas.url]);
    return stdout.trim();
  } finally {
    await Promise.all([fromMigrations.stop(), fromSchemas.stop()]);
  }
}

/**
 * A generated diff made fit for every PostgreSQL the project runs on (hosted Supabase runs 15 and 17; PGlite, where
 * the diff is computed, runs 18). pg-delta restates a table owner's privileges after creating the table, and on 17+
 * those include MAINTAIN, which PostgreSQL 15 cannot parse; the owner has every privilege on what it creates anyway,
 * so those statements are dropped. Any other MAINTAIN means a schema file relies on a default privilege: it must
 * revoke all and grant exactly, as the schema files do.
 */
export function portableMigration(diff) {
  const statements = diff.split(/\n(?=\S)/);
  const ownerPrivileges = /^(REVOKE ALL\s+ON\s.*\sFROM\s+"postgres";|GRANT\s.*\sTO\s+"postgres";)\s*$/s;
  const kept = statements.filter((statement) => !ownerPrivileges.test(statement));
  const text = kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  const maintain = kept.find((statement) => /\bMAINTAIN\b/.test(statement) && /^(GRANT|REVOKE)/.test(statement));
  if (maintain) {
    throw new Error(`the diff grants MAINTAIN, which PostgreSQL 15 lacks: revoke all, then grant exactly, in the schema file\n${maintain}`);
  }
  return text;
}
