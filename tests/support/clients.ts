// Typed supabase-js clients as frontends use them, through the gateway and the real PostgREST.
import { createClient } from '@supabase/supabase-js';
import ws from 'ws';
import type { Database } from '../../types/database.ts';
import { accessToken } from '../../scripts/lib/keys.mjs';
import { ensureUser } from '../../scripts/lib/dev-users.mjs';
import { env } from './env.ts';

export type TestUser = { id: string; email: string; token: string };

function client(key: string, token?: string) {
  return createClient<Database>(env.apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
    realtime: { transport: ws as never },
  });
}

export const anonClient = () => client(env.anonKey);
export const serviceClient = () => client(env.serviceRoleKey);
export const clientAs = (user: TestUser) => client(env.anonKey, user.token);

/**
 * Creates an auth user as Supabase Auth would (the profile comes from the trigger) and signs a token for them with
 * the local signing key (ES256; `alg: 'HS256'` for a legacy token). An admin's token is aal2 (admin powers need a
 * second factor) unless `aal` says otherwise.
 */
export async function createUser(
  label: string,
  options: { admin?: boolean; displayName?: string; aal?: 'aal1' | 'aal2'; alg?: 'ES256' | 'HS256' } = {},
): Promise<TestUser> {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@api.staybase.test`;
  const user = await ensureUser(env.databaseUrl, email, { displayName: options.displayName ?? label, admin: options.admin });
  const aal = options.aal ?? (options.admin ? 'aal2' : 'aal1');
  return { id: user.id, email, token: await accessToken(user, 3600, { aal, alg: options.alg }) };
}
