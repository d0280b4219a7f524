// npm start: the local Staybase stack. Embedded PGlite under .staybase/db by default; DATABASE_URL selects a
// PostgreSQL server instead. Ctrl-C stops everything.
import { ensureDependencies } from './lib/deps.mjs';

const started = Date.now();
const root = new URL('..', import.meta.url).pathname;
ensureDependencies(root);

const { startStack } = await import('./lib/stack.mjs');
const { devUsers } = await import('./lib/dev-users.mjs');
const { startCalendarSyncLoop, startEmailWorkerLoop, startStorageWorkerLoop, startWorkerLoop } = await import('./lib/worker.mjs');

const databaseUrl = process.env.DATABASE_URL;
const stack = await startStack({
  databaseUrl,
  dataDir: `${root}.staybase/db`,
  dbPort: 54322,
  apiPort: 54321,
  // Local feeds (a file server on 127.0.0.1, another local stack) are fetched in development unless the
  // environment or supabase/functions/.env says otherwise.
  functionsDefaults: { CALENDAR_ALLOW_PRIVATE_URLS: 'true' },
  // A read replica of DATABASE_URL's server: GET /rest/v1 goes there, as Supabase's API load balancer does.
  replicaUrl: process.env.DATABASE_REPLICA_URL,
  routeReadsToReplica: true,
}).catch((error) => {
  console.error(error.message);
  process.exit(1);
});

// The payments outbox worker (refunds, payouts), as a scheduler would call it on a hosted project.
const worker = startWorkerLoop({ apiUrl: stack.apiUrl, serviceRoleKey: stack.keys.serviceRoleKey });
// The e-mail worker (notifications' e-mails: Resend with RESEND_API_KEY, else the local inbox).
const emailWorker = startEmailWorkerLoop({ apiUrl: stack.apiUrl, serviceRoleKey: stack.keys.serviceRoleKey });
// The storage worker (erased members' files, removed through the Storage API), as pg_cron asks for it when hosted.
const storageWorker = startStorageWorkerLoop({ apiUrl: stack.apiUrl, serviceRoleKey: stack.keys.serviceRoleKey });
// The calendar sync (other platforms' iCal feeds), as pg_cron runs it every 15 minutes on a hosted project.
const calendarSync = startCalendarSyncLoop({ apiUrl: stack.apiUrl, serviceRoleKey: stack.keys.serviceRoleKey });

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping Staybase...');
  worker.stop();
  emailWorker.stop();
  storageWorker.stop();
  calendarSync.stop();
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

const users = await devUsers(stack.dbUrl);
console.log(`
Staybase is running (${stack.embedded ? 'embedded PGlite in .staybase/db' : 'PostgreSQL server from DATABASE_URL'}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s.

         API URL: ${stack.apiUrl}
        REST URL: ${stack.apiUrl}/rest/v1${stack.replica ? ' (GET and HEAD: the read replica DATABASE_REPLICA_URL)' : ''}
        Auth URL: ${stack.apiUrl}/auth/v1 (local stand-in for Supabase Auth; JWKS at /auth/v1/.well-known/jwks.json)
     Storage URL: ${stack.apiUrl}/storage/v1 (local stand-in for Supabase Storage; files in .staybase/storage)
   Functions URL: ${stack.apiUrl}/functions/v1
           Inbox: ${stack.apiUrl}/inbox (e-mails Auth would send; npm run inbox)
          DB URL: ${stack.embedded ? stack.dbUrl : '(DATABASE_URL)'}
 Publishable key: ${stack.keys.publishableKey}
      Secret key: ${stack.keys.secretKey}
        anon key: ${stack.keys.anonKey} (legacy)
service_role key: ${stack.keys.serviceRoleKey} (legacy)

Payments worker: POST ${stack.apiUrl}/functions/v1/payments-worker every 5 s (docs/payments.md)
 Storage worker: POST ${stack.apiUrl}/functions/v1/storage-worker every 5 s (erased members' files)
  Calendar sync: POST ${stack.apiUrl}/functions/v1/calendar-sync every 15 min (docs/calendar-sync.md)

Dev users (password staybase-dev-1; npm run token -- <email> [--admin] prints an access token, aal2 with --admin):
${users.map((u) => `  ${u.email.padEnd(28)} ${u.role}`).join('\n') || '  (none seeded)'}

Press Ctrl-C to stop.`);
