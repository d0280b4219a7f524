// npm run bench:messaging: a benchmark (not a test) of messaging on the PostgreSQL server. Builds DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/staybase_bench_messaging) from the migrations, generates 100,000
// conversations (10,000 hosts' listings, 50,000 guests) holding 1,000,000 messages, then measures in the same run:
//   * a member's conversation list (my_conversations, with unread counts, first page of 20) and one thread's latest
//     page (conversation_messages, 30 newest), p50/p95/p99, as the member: role authenticated and the member's JWT
//     claims, exactly as PostgREST sets them; timed in the database (clock_timestamp around the statement);
//   * send_message throughput with 8 concurrent pgbench clients (each call as the conversation's guest, in its own
//     transaction like a PostgREST RPC) beside pgbench's TPC-B-like, interleaved in slices on the same server.
// Writes bench/results/messaging.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, migrate, recreateServerDatabase, root } from '../scripts/lib/database.mjs';

const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/staybase_bench_messaging';
const HOSTS = 10_000;
const GUESTS = 50_000;
const CONVERSATIONS = 100_000; // each guest writes to two hosts' listings
const MESSAGES_PER_CONVERSATION = 10;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const CLIENTS = 8;
const SLICES = 4;
const SLICE_SECONDS = 5;
const log = (line) => process.stderr.write(`${line}\n`);
const uuid = (kind, n) => `${kind}0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

log(`Staybase messaging bench on ${url.replace(/:[^:@/]*@/, ':***@')}`);
// BENCH_REUSE=1 measures again on the database a previous run generated (while tuning); a normal run builds it.
const reuse = process.env.BENCH_REUSE === '1';
if (!reuse) {
  await recreateServerDatabase(url);
  await migrate(url, { seed: false });
}
const owner = connect(url, { max: 1 });
const generationStarted = performance.now();
const steps = [
  ['members', `
    insert into auth.users (id, instance_id, aud, role, email, raw_user_meta_data, created_at, updated_at)
    select case when n <= ${HOSTS} then '${uuid('a', 0).slice(0, 24)}' || lpad(n::text, 12, '0')
                else '${uuid('b', 0).slice(0, 24)}' || lpad((n - ${HOSTS})::text, 12, '0') end::uuid,
           '00000000-0000-0000-0000-000000000000', 'authenticated', 'authenticated', 'member' || n || '@bench.staybase.test',
           jsonb_build_object('display_name', 'Member ' || n), now(), now()
      from generate_series(1, ${HOSTS + GUESTS}) n`],
  ['listings', `
    insert into public.properties (id, host_id, title, city, country_code, time_zone, currency,
                                   nightly_price_cents, cleaning_fee_cents)
    select ('${uuid('c', 0).slice(0, 24)}' || lpad(n::text, 12, '0'))::uuid,
           ('${uuid('a', 0).slice(0, 24)}' || lpad(n::text, 12, '0'))::uuid, 'Listing ' || n, 'Benchville', 'NZ',
           'Pacific/Auckland', 'NZD', 10000, 2000
      from generate_series(1, ${HOSTS}) n;
    -- placed (a listing is published only with its location), then published
    insert into public.property_locations (property_id, address_line, latitude, longitude)
    select ('${uuid('c', 0).slice(0, 24)}' || lpad(n::text, 12, '0'))::uuid, n || ' Bench Street', -36.85, 174.76
      from generate_series(1, ${HOSTS}) n;
    update public.properties set status = 'published' where title like 'Listing %' and city = 'Benchville'`],
  ['load mode', `
    alter table public.messages disable trigger messages_broadcast;`],
  ['conversations', `
    insert into public.conversations (id, property_id, guest_id, host_id, created_at, last_message_at, guest_unread_count,
                                      host_unread_count, last_message_body, last_message_sender_id)
    select ('${uuid('d', 0).slice(0, 24)}' || lpad(n::text, 12, '0'))::uuid,
           ('${uuid('c', 0).slice(0, 24)}' || lpad((1 + (((n - 1) % ${GUESTS}) * 7919 + ((n - 1) / ${GUESTS}) * 4999) % ${HOSTS})::text, 12, '0'))::uuid,
           ('${uuid('b', 0).slice(0, 24)}' || lpad((1 + (n - 1) % ${GUESTS})::text, 12, '0'))::uuid,
           ('${uuid('a', 0).slice(0, 24)}' || lpad((1 + (((n - 1) % ${GUESTS}) * 7919 + ((n - 1) / ${GUESTS}) * 4999) % ${HOSTS})::text, 12, '0'))::uuid,
           now() - interval '30 days', now() - (n % 43200) * interval '1 minute', n % 3, n % 2,
           'Message ${MESSAGES_PER_CONVERSATION} of this thread: arriving around five, is there parking nearby?',
           ('${uuid('a', 0).slice(0, 24)}' || lpad((1 + (((n - 1) % ${GUESTS}) * 7919 + ((n - 1) / ${GUESTS}) * 4999) % ${HOSTS})::text, 12, '0'))::uuid
      from generate_series(1, ${CONVERSATIONS}) n`],
  ['messages', `
    insert into public.messages (conversation_id, sender_id, body, created_at)
    select c.id, case when m % 2 = 1 then c.guest_id else c.host_id end,
           'Message ' || m || ' of this thread: arriving around five, is there parking nearby?',
           c.last_message_at - (${MESSAGES_PER_CONVERSATION} - m) * interval '1 hour'
      from public.conversations c, generate_series(1, ${MESSAGES_PER_CONVERSATION}) m
     order by c.last_message_at - (${MESSAGES_PER_CONVERSATION} - m) * interval '1 hour'`],
  ['normal mode', `
    alter table public.messages enable trigger messages_broadcast;`],
  ['vacuum analyze', 'vacuum analyze'],
];
for (const [label, statement] of reuse ? [] : steps) {
  const t0 = performance.now();
  await owner.unsafe(statement).simple();
  log(`  ${label.padEnd(16)} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const generationSeconds = (performance.now() - generationStarted) / 1000;
const [data] = await owner`
  select (select count(*) from public.conversations)::int as conversations, (select count(*) from public.messages)::int as messages,
         (select count(*) from public.conversations where last_message_body is null)::int as without_last_message`;
log(`Generated ${data.conversations} conversations, ${data.messages} messages in ${generationSeconds.toFixed(0)} s`);

// Reads as the member --------------------------------------------------------------------------------------------------
const member = connect(url, { max: 1 });
const claims = (id) => JSON.stringify({ sub: id, role: 'authenticated', aud: 'authenticated', aal: 'aal1' }).replace(/'/g, "''");
async function timedAs(memberId, query) {
  const results = await member.unsafe(`
    begin;
    set local role authenticated;
    select set_config('request.jwt.claims', '${claims(memberId)}', true);
    select (extract(epoch from clock_timestamp()) * 1e6)::bigint::text as before;
    ${query};
    select (extract(epoch from clock_timestamp()) * 1e6)::bigint::text as after;
    commit;`).simple();
  const at = (column) => results.findIndex((r) => Array.isArray(r) && r[0] && column in r[0]);
  const before = results[at('before')][0].before;
  const after = results[at('after')][0].after;
  return { rows: results[at('before') + 1], ms: Number(BigInt(after) - BigInt(before)) / 1000 };
}
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 1000) / 1000;
};
const summary = (values) => ({ iterations: values.length, p50_ms: percentile(values, 50), p95_ms: percentile(values, 95), p99_ms: percentile(values, 99) });
const random = (max) => 1 + Math.floor(Math.random() * max);

const listTimes = [];
const threadTimes = [];
let emptyAnswers = 0;
log(`Reads as the member, ${ITERATIONS} of each...`);
for (let i = 0; i < ITERATIONS; i++) {
  const memberId = i % 2 ? uuid('a', random(HOSTS)) : uuid('b', random(GUESTS));
  const list = await timedAs(memberId, 'select * from public.my_conversations order by last_message_at desc limit 20');
  listTimes.push(list.ms);
  if (list.rows.length === 0) emptyAnswers += 1;
  const n = random(CONVERSATIONS);
  const guestId = uuid('b', 1 + (n - 1) % GUESTS);
  const thread = await timedAs(guestId, `select * from public.conversation_messages where conversation_id = '${uuid('d', n)}' order by id desc limit 30`);
  threadTimes.push(thread.ms);
  if (thread.rows.length !== MESSAGES_PER_CONVERSATION) emptyAnswers += 1;
}
const reads = { conversation_list: summary(listTimes), thread_latest_page: summary(threadTimes), empty_or_short_answers: emptyAnswers };
log(`  my_conversations: p50 ${reads.conversation_list.p50_ms} ms, p95 ${reads.conversation_list.p95_ms} ms; thread page: p50 ${reads.thread_latest_page.p50_ms} ms, p95 ${reads.thread_latest_page.p95_ms} ms`);

// send_message beside TPC-B-like ----------------------------------------------------------------------------------------
const runCommand = (command, args) => new Promise((resolve, reject) => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}\n${output}`))));
});
const parsePgbench = (output) => ({
  transactions: Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1] ?? 0),
  failed: Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0),
  tps: Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]),
  latency_ms: Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]),
});
const scratch = new URL(url);
scratch.pathname = `/${decodeURIComponent(new URL(url).pathname.slice(1))}_pgbench`;
await recreateServerDatabase(scratch.toString());
await runCommand('pgbench', ['-i', '-q', '-s', '8', scratch.toString()]);
// The spam limit is a documented setting: a benchmark's 8 senders write far faster than any member may.
await owner.unsafe(`alter database "${decodeURIComponent(new URL(url).pathname.slice(1))}" set staybase.messages_per_minute = 1000000`);
const sendScript = join(tmpdir(), `staybase-bench-send-${process.pid}.sql`);
writeFileSync(sendScript, `\\set n random(1, ${CONVERSATIONS})
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub": "${uuid('b', 0).slice(0, 24)}' || lpad((1 + (:n - 1) % ${GUESTS})::text, 12, '0') || '", "role": "authenticated", "aud": "authenticated"}', true) \\; select (public.send_message(('${uuid('d', 0).slice(0, 24)}' || lpad(:n::text, 12, '0'))::uuid, 'See you at five, thanks!')).id;
`);
const [{ before: messagesBefore }] = await owner`select count(*)::integer as before from public.messages`;
const slices = [];
log(`send_message vs TPC-B-like: ${CLIENTS} clients (-j 2), ${SLICES} interleaved slices of ${SLICE_SECONDS} s each...`);
for (let slice = 0; slice < SLICES; slice++) {
  const sendRun = parsePgbench(await runCommand('pgbench', ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(SLICE_SECONDS), '-f', sendScript, url]));
  const tpcbRun = parsePgbench(await runCommand('pgbench', ['-c', String(CLIENTS), '-j', '2', '-T', String(SLICE_SECONDS), scratch.toString()]));
  slices.push({ send: sendRun, tpcb: tpcbRun });
  log(`  slice ${slice + 1}: send_message ${sendRun.tps.toFixed(1)}/s, TPC-B-like ${tpcbRun.tps.toFixed(1)} tps`);
}
const overall = (key) => {
  const transactions = slices.reduce((sum, s) => sum + s[key].transactions, 0);
  const seconds = slices.reduce((sum, s) => sum + s[key].transactions / s[key].tps, 0);
  return { transactions, failed: slices.reduce((sum, s) => sum + s[key].failed, 0), tps: Math.round((transactions / seconds) * 10) / 10 };
};
const send = overall('send');
const tpcb = overall('tpcb');
const [{ after: messagesAfter, broadcasts }] = await owner`
  select count(*)::integer as after, (select count(*) from realtime.messages)::integer as broadcasts from public.messages`;
{
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = connect(maintenance.toString());
  await sql.unsafe(`drop database if exists "${decodeURIComponent(scratch.pathname.slice(1))}" with (force)`);
  await sql.end();
}
const [{ version }] = await owner`select version()`;
const results = {
  server: version, generated: { ...data, seconds: Math.round(generationSeconds) },
  reads,
  send_message: { ...send, sent: messagesAfter - messagesBefore, broadcasts, per_slice: slices.map((s) => s.send.tps) },
  pgbench_tpcb: { ...tpcb, scale: 8, per_slice: slices.map((s) => s.tpcb.tps) },
  ratio_send_to_tpcb: Math.round((send.tps / tpcb.tps) * 100) / 100,
  targets: {
    conversation_list_p95_under_10_ms: reads.conversation_list.p95_ms < 10,
    thread_page_p95_under_10_ms: reads.thread_latest_page.p95_ms < 10,
    send_message_at_least_half_tpcb: send.tps >= tpcb.tps / 2,
  },
};
log(`  send_message ${send.tps}/s (${results.send_message.sent} sent, ${broadcasts} broadcast rows), TPC-B-like ${tpcb.tps} tps; ratio ${results.ratio_send_to_tpcb}`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'messaging.json'), `${JSON.stringify(results, null, 2)}\n`);
log(`wrote bench/results/messaging.json: ${JSON.stringify(results.targets)}`);
await member.end();
await owner.end();
