// Logical backups of what Staybase owns, and their restore on top of the platform (sql/bootstrap.sql or a
// Supabase project).
//
// What a backup holds: every schema Staybase's migrations create (public, private, and any added later), the
// migration state (supabase_migrations), the extensions they use, the rows of the platform tables Staybase's data
// refers to (auth.users, storage.buckets, storage.objects), and what Staybase attaches to those tables and to
// realtime.messages (the triggers and policies its migrations create on them). The structure of the platform schemas
// (auth, storage, realtime) is the platform's: a restore target already has it (the bootstrap made it), so a restore skips it and creates only
// what the target lacks. Two formats, one filter:
//   * a server: Debian's pg_dump 15 in custom format (`.dump`, compressed), restored with pg_restore -L <list>;
//   * embedded PGlite (PostgreSQL 18, which a v15 pg_dump refuses): PGlite's own pg_dump (WASM, plain SQL with
//     INSERTs), gzipped (`.sql.gz`), restored by running the kept entries in one transaction.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { connect, runSqlFile } from './database.mjs';

const execFileAsync = promisify(execFile);

/** How pg_dump and pg_restore reach `url`: the password goes in their environment, never on a command line (ps). */
function libpq(url) {
  const target = new URL(url);
  const password = decodeURIComponent(target.password);
  target.password = '';
  return { dbname: target.toString(), env: { PGSSLMODE: 'disable', ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** The platform's schemas: their structure belongs to Supabase (or the bootstrap), never to a backup. */
export const PLATFORM_SCHEMAS = ['auth', 'storage', 'realtime'];
/** Platform tables whose rows are Staybase's data. */
export const PLATFORM_DATA_TABLES = ['auth.users', 'storage.buckets', 'storage.objects'];
/** Platform tables Staybase attaches triggers or policies to: those and the Realtime topics' policies (the broadcast
 * rows themselves are transient, never data). */
export const PLATFORM_POLICY_TABLES = [...PLATFORM_DATA_TABLES, 'realtime.messages'];
// Schemas that are neither Staybase's nor the platform's data: tooling (tests), extensions, and the schemas
// Supabase's own services keep in a hosted project's database.
const FOREIGN_SCHEMAS = [
  'extensions', 'tests', 'cron', 'graphql', 'graphql_public', '_realtime', 'vault', 'pgbouncer',
  'pgsodium', 'pgsodium_masks', 'supabase_functions', 'net', '_analytics', 'pgtle', 'information_schema',
];
const schemaIsStaybase = `n.nspname not like 'pg\\_%' and n.nspname <> all ($1::text[])`;

/** Staybase's schemas in a database: everything that is not system, platform or foreign (e.g. a future `payments`). */
export async function staybaseSchemas(sql) {
  const rows = await sql.unsafe(
    `select n.nspname as name from pg_catalog.pg_namespace n where ${schemaIsStaybase} order by 1`,
    [[...PLATFORM_SCHEMAS, ...FOREIGN_SCHEMAS]],
  );
  return rows.map((r) => r.name);
}

/** Every table a backup carries data for: Staybase's schemas' tables and the platform data tables that exist. */
export async function backedUpTables(sql) {
  const schemas = await staybaseSchemas(sql);
  const rows = await sql.unsafe(
    `select n.nspname || '.' || c.relname as name
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and (n.nspname = any ($1::text[]) or n.nspname || '.' || c.relname = any ($2::text[]))
      order by 1`,
    [schemas, PLATFORM_DATA_TABLES],
  );
  return rows.map((r) => r.name);
}

const quoteName = (qualified) => qualified.split('.').map((part) => `"${part.replaceAll('"', '""')}"`).join('.');

/**
 * Row count and content checksum of every backed-up table: md5 over the rows' text, sorted, so two databases
 * holding the same rows agree whatever their physical order. `sql` may be a transaction (a snapshot).
 * @returns {Promise<Record<string, { rows: number, checksum: string }>>}
 */
export async function tableFingerprints(sql) {
  /** @type {Record<string, { rows: number, checksum: string }>} */
  const fingerprints = {};
  for (const table of await backedUpTables(sql)) {
    const [row] = await sql.unsafe(
      `select count(*)::int as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as checksum
         from ${quoteName(table)} t`,
    );
    fingerprints[table] = { rows: row.rows, checksum: row.checksum };
  }
  return fingerprints;
}

/**
 * A checksum of Staybase's structure and its privileges: tables and columns with their grants and RLS switch,
 * functions with their bodies and grants, policies, triggers (also those on the platform data tables), constraints
 * and indexes. Equal on a source and its restore, so a restore that loses a policy or gains a grant is caught.
 * (A null ACL means the default one, and pg_dump restores an explicit default as null: compare effective ACLs.)
 */
export async function schemaFingerprint(sql) {
  const [row] = await sql.unsafe(
    `with staybase as (select oid from pg_catalog.pg_namespace n where n.nspname = any ($1::text[])),
     relations as (
       select c.oid from pg_catalog.pg_class c
        where c.relnamespace in (select oid from staybase)
           or c.relnamespace::regnamespace::text || '.' || c.relname = any ($2::text[])),
     items as (
       select 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || c.relrowsecurity || ' ' || coalesce(c.relacl, pg_catalog.acldefault(case c.relkind when 'S' then 's' else 'r' end::"char", c.relowner))::text
         from pg_catalog.pg_class c where c.relnamespace in (select oid from staybase)
       union all
       select 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || coalesce(a.attacl::text, '')
         from pg_catalog.pg_attribute a where a.attrelid in (select oid from relations) and a.attnum > 0 and not a.attisdropped
       union all
       select 'function ' || p.oid::regprocedure || ' ' || p.prosecdef || ' ' || coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))::text || ' ' || p.prosrc
         from pg_catalog.pg_proc p where p.pronamespace in (select oid from staybase)
       union all
       select 'policy ' || p.polrelid::regclass || ' ' || p.polname || ' ' || p.polcmd::text || ' ' || p.polroles::text || ' '
              || coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
         from pg_catalog.pg_policy p where p.polrelid in (select oid from relations)
       union all
       select 'trigger ' || pg_get_triggerdef(t.oid) from pg_catalog.pg_trigger t
        where t.tgrelid in (select oid from relations) and not t.tgisinternal
       union all
       select 'constraint ' || c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
         from pg_catalog.pg_constraint c where c.conrelid in (select oid from relations)
       union all
       select 'index ' || pg_get_indexdef(i.indexrelid) from pg_catalog.pg_index i where i.indrelid in (select oid from relations))
     select md5(string_agg(item, E'\n' order by item)) as checksum from items as t(item)`,
    [await staybaseSchemas(sql), PLATFORM_DATA_TABLES],
  );
  return row.checksum;
}

/** pg_dump's selection (the same for both dumpers): schemas, extensions, and no rows of other platform tables. */
async function dumpArguments(sql) {
  const schemas = await staybaseSchemas(sql);
  const extensions = await sql.unsafe(
    `select e.extname as name from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
      where e.extname <> 'plpgsql' and (n.nspname = 'extensions' or n.nspname = any ($1::text[])) order by 1`,
    [schemas],
  );
  const otherPlatformTables = await sql.unsafe(
    `select n.nspname || '.' || c.relname as name
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname = any ($1::text[]) and n.nspname || '.' || c.relname <> all ($2::text[])`,
    [PLATFORM_SCHEMAS, PLATFORM_DATA_TABLES],
  );
  return [
    ...[...schemas, ...PLATFORM_SCHEMAS].flatMap((s) => ['--schema', s]),
    ...extensions.flatMap((e) => ['--extension', e.name]),
    // Quoted: pg_dump reads these as patterns, and a name is not a pattern.
    ...otherPlatformTables.flatMap((t) => ['--exclude-table-data', quoteName(t.name)]),
  ];
}

/** Backs up a PostgreSQL server with Debian's pg_dump (custom format); `snapshot` dumps an exported snapshot. */
export async function backupServer(url, file, { snapshot } = {}) {
  const sql = connect(url);
  let args;
  try {
    args = await dumpArguments(sql);
  } finally {
    await sql.end();
  }
  const { dbname, env } = libpq(url);
  await execFileAsync('pg_dump', ['--format=custom', '--file', file, ...(snapshot ? ['--snapshot', snapshot] : []), ...args, '--dbname', dbname], { env });
}

/** Backs up a PGlite instance with PGlite's pg_dump (PostgreSQL 18, WASM), gzipped. Nothing else may use it meanwhile. */
export async function backupPglite(db, file) {
  const { pgDump } = await import('@electric-sql/pglite-tools/pg_dump');
  const client = { unsafe: async (query, params) => (await db.query(query, params)).rows, end: async () => {} };
  const args = await dumpArguments(client);
  const dump = await pgDump({ pg: db, args });
  // PGlite has one session, shared by everything that uses the instance. Its pg_dump ends without closing its
  // read-only snapshot transaction (seen with pglite-tools 0.4.8), so every later query would wait inside it, and
  // leaves its session settings (row_security = off, an empty search_path) behind: undo both.
  if (db.isInTransaction()) await db.exec('rollback');
  await db.exec('reset all');
  writeFileSync(file, gzipSync(Buffer.from(await dump.arrayBuffer())));
}

// Restore ---------------------------------------------------------------------------------------------------------

/** Null when the target holds nothing of Staybase's; otherwise what it holds (a restore refuses it). */
export async function nonEmptyReason(url) {
  const sql = connect(url);
  try {
    const [{ relations }] = await sql.unsafe(
      `select count(*)::int as relations from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f') and ${schemaIsStaybase}`,
      [[...PLATFORM_SCHEMAS, ...FOREIGN_SCHEMAS]],
    );
    if (relations > 0) return `${relations} tables, views or sequences in Staybase's schemas`;
    for (const table of PLATFORM_DATA_TABLES) {
      const [{ present }] = await sql.unsafe(`select to_regclass($1) is not null as present`, [table]);
      if (!present) continue;
      const [{ rows }] = await sql.unsafe(`select count(*)::int as rows from ${quoteName(table)}`);
      if (rows > 0) return `${rows} rows in ${table}`;
    }
    return null;
  } finally {
    await sql.end();
  }
}

/** What the target already has that a dump may also carry: schemas, and triggers and policies on platform tables. */
async function existingObjects(sql) {
  const rows = await sql.unsafe(`
    select 'SCHEMA - ' || nspname as key from pg_catalog.pg_namespace
    union all
    select 'TRIGGER ' || n.nspname || ' ' || c.relname || ' ' || t.tgname
      from pg_catalog.pg_trigger t join pg_catalog.pg_class c on c.oid = t.tgrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where not t.tgisinternal
    union all
    select 'POLICY ' || n.nspname || ' ' || c.relname || ' ' || p.polname
      from pg_catalog.pg_policy p join pg_catalog.pg_class c on c.oid = p.polrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace`);
  return new Set(rows.map((r) => r.key));
}

/**
 * Whether a dump entry is restored on top of the platform. `type` is pg_dump's (TABLE, TABLE DATA, TRIGGER, ...),
 * `schema` its schema ('-' for none), `tag` its name as pg_dump prints it ("users on_auth_user_created").
 */
export function keepEntry({ type, schema, tag }, existing) {
  if (PLATFORM_SCHEMAS.includes(schema)) {
    const table = `${schema}.${tag.split(' ')[0]}`;
    if (type === 'TABLE DATA') return PLATFORM_DATA_TABLES.includes(table);
    // Staybase's own additions to platform tables (on_auth_user_created, Storage and Realtime policies), unless present.
    if (type === 'TRIGGER' || type === 'POLICY') return PLATFORM_POLICY_TABLES.includes(table) && !existing.has(`${type} ${schema} ${tag}`);
    return false;
  }
  if (type === 'SCHEMA') return !PLATFORM_SCHEMAS.includes(tag) && !existing.has(`SCHEMA - ${tag}`);
  if ((type === 'COMMENT' || type === 'ACL') && schema === '-') return !PLATFORM_SCHEMAS.some((s) => tag === `SCHEMA ${s}`);
  return true;
}

// pg_restore --list prints `id; catalog oid TYPE SCHEMA TAG OWNER`; types can have spaces, owners cannot.
const LIST_TYPES = ['TABLE DATA', 'FK CONSTRAINT', 'SEQUENCE SET', 'SEQUENCE OWNED BY', 'DEFAULT ACL', 'ROW SECURITY',
  'MATERIALIZED VIEW DATA', 'MATERIALIZED VIEW', 'EVENT TRIGGER', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY'];
function parseListLine(line) {
  const match = /^\d+; \d+ \d+ (.*)$/.exec(line);
  if (!match) return null;
  const rest = match[1];
  const type = LIST_TYPES.find((t) => rest.startsWith(`${t} `)) ?? rest.split(' ')[0];
  const [schema, ...tagAndOwner] = rest.slice(type.length + 1).split(' ');
  return { type, schema, tag: tagAndOwner.slice(0, -1).join(' ') };
}

// A plain pg_dump script: each entry starts with a `-- Name: ...; Type: ...; Schema: ...; Owner: ...` header.
const ENTRY_HEADER = /^--\n-- (?:Data for )?Name: (.*?); Type: (.*?); Schema: (.*?); Owner: .*\n--\n/gm;
export function filterScript(script, existing) {
  const headers = [...script.matchAll(ENTRY_HEADER)];
  let kept = script.slice(0, headers[0]?.index ?? script.length);
  headers.forEach((header, i) => {
    const body = script.slice(header.index, headers[i + 1]?.index ?? script.length);
    if (keepEntry({ tag: header[1], type: header[2], schema: header[3] }, existing)) kept += body;
  });
  return kept
    // psql meta-commands (pg_dump 18's \restrict guard) mean nothing outside psql.
    .replace(/^\\(un)?restrict .*$/gm, '');
}

/**
 * Revokes the target's default privileges in Staybase's schemas (the bootstrap's, as on Supabase: all to the API
 * roles). A dump's GRANTs assume objects are created with none, and restores the source's default privileges after
 * its objects; created under the target's, every restored table would also keep "all to anon".
 */
async function withoutDefaultPrivileges(sql) {
  const revokes = await sql.unsafe(
    `select format('alter default privileges for role %s in schema %I revoke all on %s from %s', d.defaclrole::regrole,
                   n.nspname, case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                   when 'T' then 'types' end, case a.grantee when 0 then 'public' else a.grantee::regrole::text end) as statement
       from pg_catalog.pg_default_acl d join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace
            cross join lateral pg_catalog.aclexplode(d.defaclacl) a
      where n.nspname = any ($1::text[])`,
    [await staybaseSchemas(sql)],
  );
  for (const { statement } of revokes) await sql.unsafe(statement);
}

/**
 * Throws when `file` cannot restore into the server at `url`, before anything is changed: a plain script from
 * pg_dump is written for its own server version and newer (PGlite's uses PostgreSQL 18 privileges such as MAINTAIN).
 */
export async function assertRestorable(file, url) {
  if (!file.endsWith('.sql.gz')) return;
  const head = gunzipSync(readFileSync(file)).subarray(0, 4096).toString('utf8');
  const dumpedFrom = Number(/^-- Dumped from database version (\d+)/m.exec(head)?.[1]);
  const sql = connect(url);
  try {
    const [{ major }] = await sql.unsafe(`select current_setting('server_version_num')::int / 10000 as major`);
    if (!(major >= dumpedFrom)) throw new Error(`this backup comes from PostgreSQL ${dumpedFrom} and restores into ${dumpedFrom} or newer (the target is ${major})`);
  } finally {
    await sql.end();
  }
}

/**
 * Restores `file` into the database at `url`: bootstraps it (idempotent), then restores the entries the target
 * lacks, in one transaction. Refuses a target that already holds Staybase data; the caller decides about --force.
 */
export async function restoreBackup(file, url) {
  await assertRestorable(file, url);
  const reason = await nonEmptyReason(url);
  if (reason) throw new Error(`refusing to restore into a database that is not empty (${reason})`);
  await runSqlFile(url, 'sql/bootstrap.sql');
  const sql = connect(url);
  try {
    await withoutDefaultPrivileges(sql);
    const existing = await existingObjects(sql);
    if (file.endsWith('.sql.gz')) {
      // One simple query: one transaction. Then the script's session settings (row_security = off, an empty
      // search_path) are reset, because on PGlite every connection shares this one session.
      await sql.unsafe(`${filterScript(gunzipSync(readFileSync(file)).toString('utf8'), existing)};\nreset all;`).simple();
      return;
    }
    const { stdout } = await execFileAsync('pg_restore', ['--list', file], { maxBuffer: 64 << 20 });
    const list = stdout.split('\n').filter((line) => {
      const entry = parseListLine(line);
      return entry && keepEntry(entry, existing);
    });
    const dir = mkdtempSync(join(tmpdir(), 'staybase-restore-'));
    try {
      writeFileSync(join(dir, 'list'), `${list.join('\n')}\n`);
      const { dbname, env } = libpq(url);
      await execFileAsync('pg_restore', ['--single-transaction', '--exit-on-error', '--use-list', join(dir, 'list'), '--dbname', dbname, file], {
        env,
        maxBuffer: 64 << 20,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await sql.end();
  }
}

export const fileSize = (file) => statSync(file).size;
export function humanSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}
