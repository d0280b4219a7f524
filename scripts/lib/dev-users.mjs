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

/**
 * The auth user with this e-mail, created (confirmed, e-mail provider) when missing.
 * @param {string} url
 * @param {string} email
 * @param {{ displayName?: string, admin?: boolean }} [options]
 * @returns {Promise<{ id: string, email: string, app_metadata: Record<string, unknown>, user_metadata: Record<string, unknown> }>}
 */
export async function ensureUser(url, email, { displayName, admin = false } = {}) {
  const sql = connect(url);
  try {
    const [existing] = await sql`
      select id, email, raw_app_meta_data as app_metadata, raw_user_meta_data as user_metadata
      from auth.users where email = ${email}`;
    if (existing) return /** @type {any} */ (existing);
    const [created] = await sql`
      insert into auth.users (id, instance_id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
      values (gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', ${email}, now(),
              ${sql.json({ provider: 'email', providers: ['email'], ...(admin ? { role: 'admin' } : {}) })},
              ${sql.json({ display_name: displayName ?? email.split('@')[0] })}, now(), now())
      returning id, email, raw_app_meta_data as app_metadata, raw_user_meta_data as user_metadata`;
    return /** @type {any} */ (created);
  } finally {
    await sql.end();
  }
}
