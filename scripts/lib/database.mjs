// Building a Staybase database: the platform bootstrap, then the migrations (and seed) with the real Supabase CLI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { run } from './processes.mjs';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const supabaseBin = join(root, 'node_modules', '.bin', 'supabase');

/** A postgres.js client that does not use prepared statements (PGlite's connections share one session). */
export function connect(url, options = {}) {
  return postgres(url, { prepare: false, onnotice: () => {}, max: 1, ...options });
}

export async function runSqlFile(url, file) {
  const sql = connect(url);
  try {
    await sql.unsafe(readFileSync(join(root, file), 'utf8')).simple();
  } finally {
    await sql.end();
  }
}

/** The Supabase CLI, run from the project root. Local databases are reached without TLS unless the URL says otherwise. */
export function supabase(args) {
  return run(supabaseBin, [...args, '--workdir', root], {
    cwd: root,
    env: { PGSSLMODE: 'disable', ...process.env, SUPABASE_YES: '1', DO_NOT_TRACK: '1' },
  });
}

/** Bootstraps (idempotent) and applies pending migrations; with `seed`, also runs the seed. */
export async function migrate(url, { seed = true } = {}) {
  await refuseUnknownHistory(url);
  await runSqlFile(url, 'sql/bootstrap.sql');
  const { stdout, stderr } = await supabase(['db', 'push', `--remote=${url}`, '--yes', ...(seed ? ['--include-seed'] : [])]);
  return `${stdout}${stderr}`;
}

/** The migration versions a database has applied (none for a database never migrated). */
export async function appliedMigrations(url) {
  const sql = connect(url);
  try {
    const [{ recorded }] = await sql`select to_regclass('supabase_migrations.schema_migrations') is not null as recorded`;
    if (!recorded) return [];
    return (await sql`select version from supabase_migrations.schema_migrations order by version`).map((row) => row.version);
  } finally {
    await sql.end();
  }
}

/** Stores a secret in Vault by name (the bootstrap's stand-in locally), replacing its value if it exists. */
export async function setVaultSecret(url, name, value) {
  const sql = connect(url);
  try {
    const [existing] = await sql`select id from vault.secrets where name = ${name}`;
    if (existing) await sql`select vault.update_secret(${existing.id}, ${value})`;
    else await sql`select vault.create_secret(${value}, ${name})`;
  } finally {
    await sql.end();
  }
}

/**
 * Drops and recreates the database a server URL names, so it can be built from scratch. `supabase db reset`
 * cannot be used on plain Postgres: it drops the bootstrap's auth and storage schemas (see DESIGN.md).
 */
export async function recreateServerDatabase(url) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name || name === 'postgres' || name === 'template1') {
    throw new Error(`refusing to recreate database "${name}": point DATABASE_URL at a database of its own`);
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = connect(maintenance.toString());
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
}

/**
 * A database that applied migrations this checkout does not have (say, from before they were folded into a
 * baseline) cannot be migrated forward: say so plainly rather than let `db push` fail with the CLI's message.
 */
async function refuseUnknownHistory(url) {
  const sql = connect(url);
  try {
    const [{ recorded }] = await sql`select to_regclass('supabase_migrations.schema_migrations') is not null as recorded`;
    if (!recorded) return;
    const local = new Set(readdirSync(join(root, 'supabase', 'migrations')).map((file) => file.split('_')[0]));
    const applied = await sql`select version from supabase_migrations.schema_migrations order by version`;
    const unknown = applied.map((row) => row.version).filter((version) => !local.has(version));
    if (unknown.length) {
      throw new Error(`this database applied migrations that supabase/migrations does not have (${unknown.join(', ')}); ` +
        'rebuild it from scratch with `npm run db:reset` (its data is lost), or use another database');
    }
  } finally {
    await sql.end();
  }
}
