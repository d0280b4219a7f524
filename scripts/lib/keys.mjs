// The local JWT secret and the keys signed with it. These are Supabase's public, local-only demo values (the ones
// `supabase start` prints): never use them for a hosted project.
import { SignJWT } from 'jose';

export const JWT_SECRET = process.env.JWT_SECRET ?? 'super-secret-jwt-token-with-at-least-32-characters-long';
const secretKey = new TextEncoder().encode(JWT_SECRET);

async function sign(claims, expiresAt) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(Math.floor(Date.now() / 1000))
    .setExpirationTime(expiresAt)
    .sign(secretKey);
}

/** The anon and service_role keys, with the claims Supabase's local keys carry. */
export async function apiKeys() {
  const tenYears = Math.floor(Date.now() / 1000) + 10 * 365 * 24 * 3600;
  return {
    anonKey: await sign({ iss: 'supabase-demo', role: 'anon' }, tenYears),
    serviceRoleKey: await sign({ iss: 'supabase-demo', role: 'service_role' }, tenYears),
  };
}

/** An access token for an auth user, with the claims Supabase Auth puts in its access tokens. */
export async function accessToken(user, ttlSeconds = 3600) {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    {
      iss: 'http://127.0.0.1:54321/auth/v1',
      sub: user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email: user.email,
      phone: '',
      app_metadata: user.app_metadata ?? { provider: 'email', providers: ['email'] },
      user_metadata: user.user_metadata ?? {},
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: now }],
      session_id: crypto.randomUUID(),
      is_anonymous: false,
    },
    now + ttlSeconds,
  );
}
