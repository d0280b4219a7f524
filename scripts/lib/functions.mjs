// The edge functions on real Deno (npm `deno`), with the environment `supabase functions serve` gives them:
// SUPABASE_URL, the keys, SUPABASE_DB_URL, the process environment and the git-ignored supabase/functions/.env.
// `defaults` apply where neither the environment nor .env sets a variable; `env` wins over everything.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { root } from './database.mjs';
import { freePort, spawnService, waitFor } from './processes.mjs';

export async function startFunctions({ env, defaults = {} }) {
  const port = await freePort();
  const envFile = join(root, 'supabase', 'functions', '.env');
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  spawnService('functions', join(root, 'node_modules', '.bin', 'deno'),
    ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'scripts/functions-serve.ts'],
    { cwd: root, quiet: true, env: { ...defaults, ...process.env, ...fromFile, ...env, FUNCTIONS_PORT: String(port) } });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('edge functions', async () => (await fetch(`${url}/`)).status === 404, 60000);
  return { url };
}
