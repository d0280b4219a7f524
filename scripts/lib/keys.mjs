// The local keys, both generations Supabase has:
//   * JWT signing keys: access tokens are signed with an ES256 key whose public half is served at
//     /auth/v1/.well-known/jwks.json; publishable and secret API keys (sb_publishable_..., sb_secret_...), which are
//     not JWTs, are what clients send in `apikey`;
//   * legacy: the shared JWT secret (HS256) and the anon / service_role JWTs signed with it, still accepted
//     everywhere (PostgREST, the gateway, the functions), as on a hosted project that has not revoked them.
// These are public, local-only demo values (the secret and the API keys are the ones `supabase start` prints):
// never use them for a hosted project. A `supabase/signing_keys.json` (config.toml's signing_keys_path, as written
// by `supabase gen signing-key`) replaces the demo signing key.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';

export const JWT_SECRET = process.env.JWT_SECRET ?? 'super-secret-jwt-token-with-at-least-32-characters-long';
export const PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
export const SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';
export const ISSUER = 'http://127.0.0.1:54321/auth/v1';

const demoSigningKey = {
  kid: 'b81269f1-21d8-4f2e-b719-c2240a840d90',
  alg: 'ES256',
  kty: 'EC',
  crv: 'P-256',
  x: 'uaW_IEdWpYQz_u9IGG7APi-QCCyN-vLw8pDyoZI1E1c',
  y: 'v7tl2s1Y5yYR_dDzedeMdzKzUvzMMVkb7hEWTR1DSX0',
  d: 'hfOb6u5R0HWvFv29hL64AshPVQZuOZs4mKwhl82hOnc',
};

function loadSigningKey() {
  const file = join(new URL('../..', import.meta.url).pathname, 'supabase', 'signing_keys.json');
  if (!existsSync(file)) return demoSigningKey;
  const [key] = JSON.parse(readFileSync(file, 'utf8'));
  if (!key || key.alg !== 'ES256') throw new Error('supabase/signing_keys.json: the first key must be an ES256 key');
  return key;
}

export const SIGNING_JWK = loadSigningKey();
const { d: _private, key_ops: _ops, ...publicPart } = SIGNING_JWK;
/** The public signing key, as /auth/v1/.well-known/jwks.json serves it. */
export const PUBLIC_JWK = { ...publicPart, use: 'sig', key_ops: ['verify'] };
/** What /auth/v1/.well-known/jwks.json serves (and SUPABASE_JWKS holds): the public keys only. */
export const JWKS = { keys: [PUBLIC_JWK] };
/** What PostgREST verifies with: the public signing key and, for legacy tokens, the shared secret as an oct key. */
export const POSTGREST_JWKS = {
  keys: [PUBLIC_JWK, { kty: 'oct', alg: 'HS256', k: Buffer.from(JWT_SECRET).toString('base64url') }],
};

const secretKey = new TextEncoder().encode(JWT_SECRET);
const privateKey = await importJWK(SIGNING_JWK, 'ES256');

/** Signs claims: ES256 with the signing key (kid in the header), or HS256 with the legacy secret. */
export async function sign(claims, expiresAt, { alg = 'ES256' } = {}) {
  const jwt = new SignJWT(claims).setIssuedAt(Math.floor(Date.now() / 1000)).setExpirationTime(expiresAt);
  if (alg === 'HS256') return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretKey);
  return jwt.setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: SIGNING_JWK.kid }).sign(privateKey);
}

/**
 * The API keys: the legacy anon and service_role JWTs (HS256, with the claims Supabase's local keys carry), the
 * publishable and secret keys, and the JWTs the gateway puts in place of a publishable or secret key (ES256).
 */
export async function apiKeys() {
  const tenYears = Math.floor(Date.now() / 1000) + 10 * 365 * 24 * 3600;
  return {
    anonKey: await sign({ iss: 'supabase-demo', role: 'anon' }, tenYears, { alg: 'HS256' }),
    serviceRoleKey: await sign({ iss: 'supabase-demo', role: 'service_role' }, tenYears, { alg: 'HS256' }),
    publishableKey: PUBLISHABLE_KEY,
    secretKey: SECRET_KEY,
    anonJwt: await sign({ iss: ISSUER, role: 'anon' }, tenYears),
    serviceRoleJwt: await sign({ iss: ISSUER, role: 'service_role' }, tenYears),
  };
}

/**
 * An access token for an auth user, with the claims Supabase Auth puts in its access tokens. ES256 by default;
 * `alg: 'HS256'` signs it with the legacy secret as a project without signing keys does. `aal: 'aal2'` is what a
 * session gets after a second factor (admins need it for admin powers).
 */
export async function accessToken(user, ttlSeconds = 3600, { alg = 'ES256', aal = 'aal1', sessionId = crypto.randomUUID() } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const amr = [{ method: 'password', timestamp: now }];
  if (aal === 'aal2') amr.unshift({ method: 'totp', timestamp: now });
  return sign(
    {
      iss: ISSUER,
      sub: user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email: user.email,
      phone: '',
      app_metadata: user.app_metadata ?? { provider: 'email', providers: ['email'] },
      user_metadata: user.user_metadata ?? {},
      aal,
      amr,
      session_id: sessionId,
      is_anonymous: false,
    },
    now + ttlSeconds,
    { alg },
  );
}
