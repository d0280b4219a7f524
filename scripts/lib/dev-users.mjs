// Dev users from the seed, and creating a user the way Supabase Auth would (its trigger then makes the profile).
import { connect } from './database.mjs';

export async function devUsers(url) {
  const sql = connect(url);
  try {
    return await sql`
      select email, coalesce(raw_app_meta_data ->> 'role', 'member') as role
      from auth.users where email like '%@staybase.test' order by role, email`;
  } finally {
    await sql.end();
  }
}

/** A SQL string literal (standard_conforming_strings is on in every supported Postgres). */
const literal = (text) => `'${String(text).replaceAll("'", "''")}'`;

/**
 * The auth user with this e-mail, created (confirmed, e-mail provider) when missing.
 *
 * One statement sent with the simple query protocol: PGlite's socket server runs one message at a time across
 * its connections, so the Parse and Bind of concurrent extended-protocol queries (test files creating users at
 * the same time) can interleave on its single session ("bind message supplies 3 parameters, but prepared
 * statement "" requires 1"). A simple Query message is never split.
 * @param {string} url
 * @param {string} email
 * @param {{ displayName?: string, admin?: boolean }} [options]
 * @returns {Promise<{ id: string, email: string, app_metadata: Record<string, unknown>, user_metadata: Record<string, unknown> }>}
 */
export async function ensureUser(url, email, { displayName, admin = false } = {}) {
  const sql = connect(url);
  const appMetadata = JSON.stringify({ provider: 'email', providers: ['email'], ...(admin ? { role: 'admin' } : {}) });
  const userMetadata = JSON.stringify({ display_name: displayName ?? email.split('@')[0] });
  try {
    const [user] = await sql.unsafe(`
      with existing as (
        select id, email, raw_app_meta_data as app_metadata, raw_user_meta_data as user_metadata
        from auth.users where email = ${literal(email)}
      ), created as (
        insert into auth.users (id, instance_id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
        select gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', ${literal(email)}, now(),
               ${literal(appMetadata)}::jsonb, ${literal(userMetadata)}::jsonb, now(), now()
        where not exists (select from existing)
        returning id, email, raw_app_meta_data as app_metadata, raw_user_meta_data as user_metadata
      )
      select * from existing union all select * from created`).simple();
    return /** @type {any} */ (user);
  } finally {
    await sql.end();
  }
}
