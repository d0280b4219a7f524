// Notification e-mails end to end on real Deno: an event writes its e-mail to the outbox in its own transaction; the
// email-worker function sends it through Resend's HTTP API shape (to the local inbox under the stack, to a fake
// Resend here) with the row id as the Idempotency-Key, once, even when the worker is killed mid-send.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAs, createUser, type TestUser } from '../support/clients.ts';
import { database, env } from '../support/env.ts';
import { createListing, daysFromToday } from '../support/fixtures.ts';

const root = new URL('../..', import.meta.url).pathname;
const sql = database();

/** A stand-in for Resend's POST /emails: one e-mail per Idempotency-Key (a repeated key answers the first id). */
type Request = { key: string | null; to: string[]; subject: string; replayed: boolean };
function fakeResend() {
  const requests: Request[] = [];
  const idByKey = new Map<string, string>();
  const hangOn = new Set<string>();
  let server: Server;
  return {
    requests,
    hangOn,
    delivered: (key: string) => requests.filter((r) => r.key === key && !r.replayed).length,
    async start(): Promise<string> {
      server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string[]; subject: string };
        const key = req.headers['idempotency-key'] ? String(req.headers['idempotency-key']) : null;
        if (req.headers.authorization !== 'Bearer re_test_staybase') {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ name: 'missing_api_key', message: 'Missing API key' }));
        }
        const known = key ? idByKey.get(key) : undefined;
        const id = known ?? crypto.randomUUID();
        if (key && !known) idByKey.set(key, id);
        requests.push({ key, to: body.to, subject: body.subject, replayed: Boolean(known) });
        if (key && hangOn.has(key) && !known) return; // sent, then the answer never comes
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const resend = fakeResend();
let resendUrl: string;
let host: TestUser;
let guest: TestUser;
let listing: string;
let day = 100;

beforeAll(async () => {
  resendUrl = await resend.start();
  [host, guest] = await Promise.all([createUser('mail-host'), createUser('mail-guest')]);
  listing = await createListing(host.id, { instant_book: false, title: `Mail loft ${crypto.randomUUID().slice(0, 6)}` });
});
afterAll(async () => {
  await resend.stop();
  await sql.end();
});

/** A booking request by the guest: the host's "booking requested" e-mail is written with it. Returns its outbox row. */
async function requestAndFindEmail(): Promise<{ id: string; subject: string }> {
  const { data, error } = await clientAs(guest).rpc('request_booking', {
    property_id: listing, check_in: daysFromToday(day), check_out: daysFromToday(day + 2), guests: 1,
  });
  day += 3;
  expect(error).toBeNull();
  const [row] = await sql<{ id: string; subject: string }[]>`
    select o.id, o.subject from private.email_outbox o join public.notifications n on n.id = o.notification_id
     where n.booking_id = ${data!.id} and n.recipient_id = ${host.id} and o.status = 'pending'`;
  expect(row).toBeDefined();
  return row!;
}

const runWorkerFunction = () => fetch(`${env.apiUrl}/functions/v1/email-worker`, {
  method: 'POST', headers: { authorization: `Bearer ${env.serviceRoleKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ max_rows: 500 }),
}).then(async (r) => ({ status: r.status, body: await r.json() as { claimed: number } }));

/** Every other test file's bookings write e-mails too: runs the worker until the backlog is gone. */
async function drainBacklog() {
  for (let run = 0; run < 20; run++) {
    const { status, body } = await runWorkerFunction();
    expect(status).toBe(200);
    if (body.claimed < 500) return;
  }
}

const workerProcess = () => spawn(join(root, 'node_modules', '.bin', 'deno'),
  ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'scripts/email-worker.ts', '--once', '--lease-seconds=1'],
  { cwd: root, stdio: 'ignore', env: { ...process.env, SUPABASE_DB_URL: env.databaseUrl, EMAIL_API_URL: resendUrl, RESEND_API_KEY: 're_test_staybase' } });

const outboxRow = async (id: string) => (await sql<{ status: string; attempts: number; provider_message_id: string | null }[]>`
  select status::text, attempts, provider_message_id from private.email_outbox where id = ${id}`)[0];

describe('the email-worker function', () => {
  it('answers the service role only', async () => {
    const call = (token: string | null) => fetch(`${env.apiUrl}/functions/v1/email-worker`, {
      method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {},
    }).then((r) => r.status);
    expect(await call(guest.token)).toBe(403);
    expect(await call(env.anonKey)).toBe(403);
    expect(await call(null)).toBe(401);
  });

  it('locally, without a Resend key, delivers a booking request\'s e-mail to the local inbox, once', async () => {
    const email = await requestAndFindEmail();
    await drainBacklog();
    expect(await outboxRow(email.id)).toMatchObject({ status: 'sent', attempts: 1 });
    const inbox = await (await fetch(`${env.apiUrl}/inbox/messages?to=${encodeURIComponent(host.email)}`)).json() as { subject: string; text: string }[];
    const received = inbox.filter((m) => m.subject === email.subject);
    expect(received).toHaveLength(1);
    expect(received[0]!.text).toMatch(/^mail-guest\S* asks to stay at Mail loft \w+, \w{3} \d{1,2} \w{3} \d{4} to .* \(NZD \d+\.\d\d\)/);
    await runWorkerFunction();
    expect(await outboxRow(email.id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('one e-mail even when the worker is killed (kill -9) after the provider accepted it', async () => {
    await drainBacklog();
    const email = await requestAndFindEmail();
    resend.hangOn.add(email.id);
    const worker = workerProcess();
    const exited = new Promise((resolve) => worker.once('exit', (_code, signal) => resolve(signal)));
    const deadline = Date.now() + 45_000;
    while (!resend.requests.some((r) => r.key === email.id) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    worker.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(resend.delivered(email.id)).toBe(1); // the provider sent it...
    expect(await outboxRow(email.id)).toMatchObject({ status: 'pending', attempts: 1, provider_message_id: null }); // ...the row does not know

    await new Promise((resolve) => setTimeout(resolve, 1100)); // the dead worker's lease runs out
    const again = workerProcess();
    await new Promise((resolve) => again.once('exit', resolve));
    const calls = resend.requests.filter((r) => r.key === email.id);
    expect(calls.map((c) => c.replayed)).toEqual([false, true]);
    expect(resend.delivered(email.id)).toBe(1);
    expect(await outboxRow(email.id)).toMatchObject({ status: 'sent', attempts: 2, provider_message_id: expect.any(String) });
    expect(calls[0]!.to).toEqual([host.email]);
  }, 60_000);

  it('without any provider the e-mail is recorded as not sent, never lost, and can be queued again', async () => {
    await drainBacklog();
    const email = await requestAndFindEmail();
    const worker = spawn(join(root, 'node_modules', '.bin', 'deno'),
      ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'scripts/email-worker.ts', '--once'],
      { cwd: root, stdio: 'ignore', env: { ...process.env, SUPABASE_DB_URL: env.databaseUrl, EMAIL_API_URL: '', RESEND_API_KEY: '', STAYBASE_LOCAL_INBOX_URL: '' } });
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(await outboxRow(email.id)).toMatchObject({ status: 'not_sent' });
    const [requeued] = await sql<{ count: number }[]>`select private.resend_unsent_emails() as count`;
    expect(requeued!.count).toBeGreaterThan(0);
    expect(await outboxRow(email.id)).toMatchObject({ status: 'pending' });
    await drainBacklog();
    expect(await outboxRow(email.id)).toMatchObject({ status: 'sent' });
  }, 60_000);
});
