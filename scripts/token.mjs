// npm run token -- <email> [--admin]: creates that auth user if missing (as Supabase Auth would) and prints an
// access token for them, signed with the local JWT secret. Uses DATABASE_URL, or the running embedded stack.
import { ensureDependencies } from './lib/deps.mjs';

ensureDependencies(new URL('..', import.meta.url).pathname);
const { ensureUser } = await import('./lib/dev-users.mjs');
const { accessToken } = await import('./lib/keys.mjs');

const email = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
if (!email || !email.includes('@')) {
  console.error('usage: npm run token -- <email> [--admin]');
  process.exit(2);
}
const url = process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';
try {
  const user = await ensureUser(url, email, { admin: process.argv.includes('--admin') });
  console.log(await accessToken(user, 24 * 3600));
} catch (error) {
  console.error(`could not reach the database at ${url.replace(/:[^:@/]*@/, ':***@')}: is \`npm start\` running? (${error.message})`);
  process.exit(1);
}
