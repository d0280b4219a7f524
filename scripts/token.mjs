// npm run token -- <email> [--admin]: creates that auth user if missing (as Supabase Auth would) and prints an
// access token for them from a real session of the local Auth API (signed with the local ES256 signing key, valid
// for 24 h; its refresh token goes to stderr). `--admin` makes the user an admin and the session aal2, as after a
// TOTP verification: admin powers need aal2. Uses DATABASE_URL, or the running embedded stack.
import { ensureDependencies } from './lib/deps.mjs';

ensureDependencies(new URL('..', import.meta.url).pathname);
const { ensureUser } = await import('./lib/dev-users.mjs');
const { authConfig } = await import('./lib/auth/config.mjs');
const { createInbox } = await import('./lib/auth/inbox.mjs');
const { createAuthApi } = await import('./lib/auth/server.mjs');

const email = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
if (!email || !email.includes('@')) {
  console.error('usage: npm run token -- <email> [--admin]');
  process.exit(2);
}
const admin = process.argv.includes('--admin');
const url = process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:54322/postgres';
let user;
try {
  user = await ensureUser(url, email, { admin });
} catch (error) {
  console.error(`could not reach the database at ${url.replace(/:[^:@/]*@/, ':***@')}: is \`npm start\` running? (${error.message})`);
  process.exit(1);
}
const auth = createAuthApi({ dbUrl: url, config: authConfig({ jwtExpiry: 24 * 3600 }), inbox: createInbox(), externalUrl: 'http://127.0.0.1:54321' });
try {
  const session = await auth.sessionFor(user.id, { aal: admin ? 'aal2' : 'aal1' });
  console.log(session.access_token);
  if (process.stderr.isTTY) console.error(`refresh token: ${session.refresh_token}`);
} finally {
  await auth.stop();
}
