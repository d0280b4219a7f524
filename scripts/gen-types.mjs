// npm run gen:types: writes types/database.ts from a database built from scratch (embedded, in memory), or from
// DATABASE_URL when it is set (that database as it is: nothing is migrated).
import { ensureDependencies } from './lib/deps.mjs';

const root = new URL('..', import.meta.url).pathname;
ensureDependencies(root);
const { writeFileSync } = await import('node:fs');
const { generateTypes } = await import('./lib/types.mjs');
const { migrate } = await import('./lib/database.mjs');
const { startEmbeddedDatabase } = await import('./lib/embedded-db.mjs');
const { freePort } = await import('./lib/processes.mjs');

let url = process.env.DATABASE_URL;
let db;
if (!url) {
  db = await startEmbeddedDatabase({ dataDir: null, port: await freePort() });
  url = db.url;
  await migrate(url, { seed: false });
}
try {
  writeFileSync(`${root}types/database.ts`, await generateTypes(url));
  console.log('wrote types/database.ts');
} finally {
  await db?.stop();
}
