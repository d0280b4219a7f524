// The caller of a function, from the access token in its Authorization header.
//
// The signature is NOT checked here: Supabase's gateway (and scripts/lib/gateway.mjs locally) verifies the JWT
// of every function that keeps `verify_jwt = true` in supabase/config.toml before the request reaches Deno. Use
// this only in such functions; a function with `verify_jwt = false` must authenticate its callers another way.
import { HttpError } from './http.ts';

export type Caller = { userId: string; email: string | null; role: string; claims: Record<string, unknown> };

function decodeClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const claims: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The signed-in member calling: a user's access token (role `authenticated`), not the anon or service key. */
export function signedInCaller(request: Request): Caller {
  const token = request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? '';
  const claims = decodeClaims(token);
  const sub = claims?.sub;
  if (!claims || claims.role !== 'authenticated' || typeof sub !== 'string' || !/^[0-9a-f-]{36}$/i.test(sub)) {
    throw new HttpError(401, 'not_signed_in', 'sign in first: this function needs a member\'s access token');
  }
  return { userId: sub, email: typeof claims.email === 'string' && claims.email ? claims.email : null, role: 'authenticated', claims };
}

/**
 * A caller holding the service role key (a scheduler, an operator, the local worker loop). Members' tokens and the
 * anon key are refused with 403; a request without a token with 401.
 */
export function serviceRoleCaller(request: Request): void {
  const token = request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? '';
  const claims = decodeClaims(token);
  if (!claims) throw new HttpError(401, 'not_signed_in', 'this function needs the service role key');
  if (claims.role !== 'service_role') throw new HttpError(403, 'service_role_only', 'only the service role may call this function');
}
