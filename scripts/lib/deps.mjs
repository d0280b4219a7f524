// Makes `npm start` and `npm test` work as the first command on a fresh clone: installs the locked npm
// dependencies when node_modules is missing or older than the lockfile. Node built-ins only: it runs before
// any dependency exists.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function ensureDependencies(root) {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  // `npm install`, not `npm ci`: the registry here lacks some other platforms' optional binaries (Supabase CLI,
  // PostgREST), which npm ci's lockfile check counts as missing. With a lockfile, npm install keeps its versions.
  console.log('Installing npm dependencies (npm install from package-lock.json)...');
  const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm install failed');
    process.exit(result.status ?? 1);
  }
}
