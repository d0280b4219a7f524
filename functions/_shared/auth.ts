// Who is calling a function, verified here: Supabase calls the platform's `verify_jwt` incompatible with JWT signing
// keys and with publishable / secret API keys, so every function has `verify_jwt = false` and checks its caller
// itself, with both generations of keys:
//   * a member's access token (Authorization: Bearer <jwt>): asymmetric (ES256/RS256) tokens are verified against
//     SUPABASE_JWKS, the public signing keys Supabase gives every function (the JWKS that
//     /auth/v1/.well-known/jwks.json serves); legacy HS256 tokens against JWT_SECRET, where a project still has it
//     (leave it unset once the legacy secret is revoked, and HS256 tokens are refused);
//   * a service caller: the secret key (sb_secret_..., in the `apikey` header as supabase-js sends it, or as a bearer
//     token), one of SUPABASE_SECRET_KEYS; or the legacy service_role key (SUPABASE_SERVICE_ROLE_KEY, or any verified
//     JWT whose role is service_role).
// Versioned npm: specifiers deploy as they are, with no import map (the same versions as package.json).
// deno-lint-ignore no-import-prefix
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'npm:jose@6.2.18';
import { HttpError } from './http.ts';

export type Caller = { userId: string; email: string | null; role: string; claims: Record<string, unknown> };

const encoder = new TextEncoder();

function sameSecret(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

function bearerToken(request: Request): string {
  return request.headers.get('authorization')?.replace(/^Bearer\s+/i, '').trim() ?? '';
}

/** Values of a JSON object held in an environment variable ({"default": "sb_secret_..."}); empty when unset or bad. */
function keysFrom(name: string): string[] {
  try {
    const parsed: unknown = JSON.parse(Deno.env.get(name) ?? '{}');
    return parsed && typeof parsed === 'object' ? Object.values(parsed).filter((v): v is string => typeof v === 'string' && v !== '') : [];
  } catch {
    return [];
  }
}

let jwks: ReturnType<typeof createLocalJWKSet> | null | undefined;
function signingKeys() {
  if (jwks === undefined) {
    try {
      const parsed = JSON.parse(Deno.env.get('SUPABASE_JWKS') ?? 'null');
      jwks = parsed ? createLocalJWKSet(Array.isArray(parsed) ? { keys: parsed } : parsed) : null;
    } catch {
      jwks = null;
    }
  }
  return jwks;
}

/** The claims of a token whose signature and expiry check out; null for anything else. */
export async function verifiedClaims(token: string): Promise<Record<string, unknown> | null> {
  if (token.split('.').length !== 3) return null;
  try {
    const { alg } = decodeProtectedHeader(token);
    if (alg === 'HS256') {
      const secret = Deno.env.get('JWT_SECRET');
      if (!secret) return null;
      return (await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'] })).payload as Record<string, unknown>;
    }
    const keys = signingKeys();
    if (!keys) return null;
    return (await jwtVerify(token, keys, { algorithms: ['ES256', 'RS256'] })).payload as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The signed-in member calling: a verified access token with role `authenticated`, not an API key. */
export async function signedInCaller(request: Request): Promise<Caller> {
  const claims = await verifiedClaims(bearerToken(request));
  const sub = claims?.sub;
  if (!claims || claims.role !== 'authenticated' || typeof sub !== 'string' || !/^[0-9a-f-]{36}$/i.test(sub)) {
    throw new HttpError(401, 'not_signed_in', 'sign in first: this function needs a member\'s access token');
  }
  return { userId: sub, email: typeof claims.email === 'string' && claims.email ? claims.email : null, role: 'authenticated', claims };
}

/**
 * A service caller (a scheduler, an operator, the local worker loop): the secret key or the legacy service_role key.
 * Members' tokens, the anon key and publishable keys are refused with 403; a request without credentials, or with
 * credentials that do not verify, with 401.
 */
export async function serviceRoleCaller(request: Request): Promise<void> {
  const apikey = request.headers.get('apikey')?.trim() ?? '';
  const token = bearerToken(request);
  const secretKeys = keysFrom('SUPABASE_SECRET_KEYS');
  if (secretKeys.some((key) => (apikey !== '' && sameSecret(apikey, key)) || (token !== '' && sameSecret(token, key)))) return;
  const legacyKey = Deno.env.get('SUPABASE_SERVICE_ROLE_KEY');
  if (legacyKey && token !== '' && sameSecret(token, legacyKey)) return;
  const claims = token ? await verifiedClaims(token) : null;
  if (claims?.role === 'service_role') return;
  if (claims || keysFrom('SUPABASE_PUBLISHABLE_KEYS').some((key) => sameSecret(apikey, key))) {
    throw new HttpError(403, 'service_role_only', 'only the service role (a secret key) may call this function');
  }
  throw new HttpError(401, 'not_signed_in', 'this function needs the secret key (or the legacy service role key)');
}
