// Supabase Storage for the edge functions: supabase-js's storage client on SUPABASE_URL with the service role (set by
// Supabase on hosted projects and by the local stack, whose gateway serves a Storage stand-in at /storage/v1).
// Versioned npm: specifiers deploy as they are, with no import map (the same versions as package.json).
// deno-lint-ignore no-import-prefix
import { createClient } from 'npm:@supabase/supabase-js@2.119.1';
import { HttpError } from './http.ts';

type StorageClient = ReturnType<typeof createClient>['storage'];

let client: StorageClient | null = null;

/** The service role's key: the legacy JWT, else the first of the new secret keys (sb_secret_...). */
function serviceKey(): string | undefined {
  const legacy = Deno.env.get('SUPABASE_SERVICE_ROLE_KEY');
  if (legacy) return legacy;
  const secretKeys = Deno.env.get('SUPABASE_SECRET_KEYS');
  if (!secretKeys) return undefined;
  try {
    return Object.values(JSON.parse(secretKeys) as Record<string, string>)[0];
  } catch {
    return undefined;
  }
}

/** Storage as the service role (bypasses the storage.objects policies, as the Storage API does for that role). */
export function serviceStorage(): StorageClient {
  if (client) return client;
  const url = Deno.env.get('SUPABASE_URL');
  const key = serviceKey();
  if (!url || !key) throw new HttpError(503, 'storage_not_configured', 'Storage is not configured: SUPABASE_URL and a service role key are needed');
  client = createClient(url, key, { auth: { persistSession: false, autoRefreshToken: false } }).storage;
  return client;
}
