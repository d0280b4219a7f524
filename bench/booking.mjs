// The booking section of npm run bench: request_booking throughput beside pgbench's TPC-B-like, on the database
// bench/run.mjs generated, then where a request's time goes (pg_stat_statements with nested statements, functions and
// triggers with their own time, and the wait events of the 8 clients sampled during a run), then that no two active
// stays overlap. `BENCH_ONLY=booking npm run bench` runs only this section (with BENCH_REUSE=1, on the database an
// earlier run generated). Writes bench/results/booking.json; bench/run.mjs also copies the figures into latest.json.
//
// Like for like: both workloads are driven by the same client program (pgbench, -c 8 -j 2), on the same server, for
// the same total time, and interleaved in slices (booking, TPC-B, booking, TPC-B, ...) so that both see the same
// background load (these machines are shared). A request is what PostgREST sends for an RPC: one transaction that
// sets the role and the caller's claims locally, then calls request_booking. Each client is a different guest and
// books distinct listings (a permutation of all published listings, walked per client) for random 3-night stays:
// different listings and dates, no two requests colliding; each slice books in its own window of dates. A guest may
// hold 3 open requests (private.booking_settings), so each client is a series of guests, three requests each.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, recreateServerDatabase } from '../scripts/lib/database.mjs';

const CLIENTS = 8;
const BOOKING_SECONDS = 20;
const PGBENCH_SCALE = 8; // one branch per client: the 8 clients do not queue on a single branch row
const SLICES = 4;
const SLICE_SECONDS = BOOKING_SECONDS / SLICES;
const PROFILE_SECONDS = 5;
const ATTRIBUTION_SLICES = 2;
// The booking guests: member numbers first + client * perClient + window * perWindow + request / 3 (the timed slices
// use windows 0-3, the profile run window 4, the attribution runs 5-6), and none of their stays from an earlier run
// (BENCH_REUSE): every run books the same windows of dates.
const BOOKERS = { first: 100_000, perClient: 8_000, perWindow: 1_000 };
// After every generated stay (at most ~176 days ahead) and block, within the default booking window (365 days):
// window w books stays starting first_day + 26 * w + [0, 22] days ahead (180..361), windows that never overlap.
const FIRST_DAY = 180;
const WINDOW_DAYS = 26;
// The triggers other chapters put on a booking's insert, switched off in the attribution runs only.
const OTHER_CHAPTERS_TRIGGERS = ['bookings_link_conversation', 'bookings_notify'];

const runCommand = (command, args, env = {}) => new Promise((resolve, reject) => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Measures request_booking against TPC-B-like, profiles it, checks overlaps; returns the results (and writes them). */
export async function measureBooking({ url, log, resultsDir }) {
  const owner = connect(url, { max: 1 });
  const bookerId = (n) => `b0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const lastBooker = BOOKERS.first + CLIENTS * BOOKERS.perClient - 1;
  const scratch = new URL(url);
  scratch.pathname = `/${decodeURIComponent(new URL(url).pathname.slice(1))}_pgbench`;
  await recreateServerDatabase(scratch.toString());
  log(`pgbench TPC-B-like: -i -s ${PGBENCH_SCALE}...`);
  await runCommand('pgbench', ['-i', '-q', '-s', String(PGBENCH_SCALE), scratch.toString()]);

  // What the scheduler does every minute (request_booking only sweeps the stale holds on the nights it claims).
  const [{ expired }] = await owner`select private.expire_stale_holds() as expired`;
  await owner.unsafe(`
    insert into auth.users (id, instance_id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
    select ('b0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, '00000000-0000-0000-0000-000000000000',
           'authenticated', 'authenticated', 'booker' || i || '@bench.staybase.test', now(),
           '{"provider": "email", "providers": ["email"]}', jsonb_build_object('display_name', 'Bench booker ' || i), now(), now()
    from generate_series(${BOOKERS.first}, ${lastBooker}) i
    on conflict (id) do nothing;
    delete from public.bookings where guest_id between '${bookerId(BOOKERS.first)}' and '${bookerId(lastBooker)}';
    delete from public.conversations where guest_id between '${bookerId(BOOKERS.first)}' and '${bookerId(lastBooker)}';
    drop table if exists bench.listing_ids;
    create table bench.listing_ids as
      select row_number() over (order by id)::integer as n, id from public.properties where status = 'published';
    alter table bench.listing_ids add primary key (n);
    grant usage on schema bench to authenticated;
    grant select on bench.listing_ids to authenticated;`).simple();
  // The server may run without autovacuum (this machine's does): every run starts from tables vacuumed and analyzed.
  await owner.unsafe(`vacuum analyze bench.listing_ids, public.bookings, private.calendar_claims, public.conversations,
    public.notifications, private.email_outbox, public.profiles`);
  const [{ listings: bookable }] = await owner`select count(*)::integer as listings from bench.listing_ids`;
  const [{ before: bookingsBefore }] = await owner`select count(*)::integer as before from public.bookings`;
  const bookingScript = join(tmpdir(), `staybase-bench-booking-${process.pid}.sql`);
  writeFileSync(bookingScript, `\\set k :k + 1
\\set n 1 + permute(:client_id + ${CLIENTS} * :k, ${bookable}, 7 + :window)
\\set d :first_day + random(0, ${WINDOW_DAYS - 4})
\\set g ${BOOKERS.first} + :client_id * ${BOOKERS.perClient} + :window * ${BOOKERS.perWindow} + :k / 3
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub": "b0000000-0000-4000-8000-' || lpad(:g::text, 12, '0') || '", "role": "authenticated", "aud": "authenticated"}', true) \\; select (public.request_booking((select l.id from bench.listing_ids l where l.n = :n), current_date + :d, current_date + :d + 3, 1)).id;
`);
  const bookingRun = (window, seconds, env = {}) => runCommand('pgbench', ['-n', '-c', String(CLIENTS), '-j', '2',
    '-T', String(seconds), '-D', 'k=0', '-D', `window=${window}`, '-D', `first_day=${FIRST_DAY + WINDOW_DAYS * window}`,
    '-f', bookingScript, url], env);

  const slices = [];
  log(`request_booking vs TPC-B-like: ${CLIENTS} clients (-j 2), ${SLICES} interleaved slices of ${SLICE_SECONDS} s each (${BOOKING_SECONDS} s of each)...`);
  for (let slice = 0; slice < SLICES; slice++) {
    const booking = parsePgbench(await bookingRun(slice, SLICE_SECONDS));
    const tpcb = parsePgbench(await runCommand('pgbench', ['-c', String(CLIENTS), '-j', '2', '-T', String(SLICE_SECONDS), scratch.toString()]));
    slices.push({ booking_tps: booking.tps, tpcb_tps: tpcb.tps, booking, tpcb });
    log(`  slice ${slice + 1}: request_booking ${booking.tps.toFixed(1)}/s, TPC-B-like ${tpcb.tps.toFixed(1)} tps`);
  }
  const overall = (key) => {
    const transactions = slices.reduce((sum, s) => sum + s[key].transactions, 0);
    const seconds = slices.reduce((sum, s) => sum + s[key].transactions / s[key].tps, 0);
    const latency = slices.reduce((sum, s) => sum + s[key].latency_ms * s[key].transactions, 0) / transactions;
    return { transactions, failed: slices.reduce((sum, s) => sum + s[key].failed, 0),
             tps: round(transactions / seconds, 1), latency_avg_ms: round(latency, 3) };
  };
  const bookingOverall = overall('booking');
  const tpcbOverall = overall('tpcb');
  const tps = tpcbOverall.tps;
  const [{ after: bookingsAfter }] = await owner`select count(*)::integer as after from public.bookings`;
  const booking = {
    clients: CLIENTS, threads: 2, seconds: BOOKING_SECONDS, slices: SLICES, driver: 'pgbench custom script',
    booked: bookingsAfter - bookingsBefore, requests: bookingOverall.transactions, failed: bookingOverall.failed,
    bookings_per_second: bookingOverall.tps, latency_avg_ms: bookingOverall.latency_avg_ms,
    per_slice: slices.map((s) => s.booking_tps), stale_holds_expired_first: expired,
  };
  const pgbench = { scale: PGBENCH_SCALE, clients: CLIENTS, threads: 2, seconds: BOOKING_SECONDS, slices: SLICES,
    transactions: tpcbOverall.transactions, tps, latency_avg_ms: tpcbOverall.latency_avg_ms, per_slice: slices.map((s) => s.tpcb_tps) };
  const ratio = round(booking.bookings_per_second / tps);
  log(`  request_booking ${booking.bookings_per_second}/s (${booking.booked} bookings), TPC-B-like ${tps} tps; request_booking / TPC-B = ${ratio.toFixed(2)}`);

  const profile = await profileBooking({ url, owner, log, bookingRun });

  // Attribution: the same requests with the conversation (messaging.sql) and notification (notifications.sql)
  // triggers switched off, beside TPC-B-like in the same interleaved way: how much of the gap is the request's own
  // work. The triggers are switched on again whatever happens.
  const attribution = [];
  log(`request_booking without ${OTHER_CHAPTERS_TRIGGERS.join(' and ')} (attribution only), ${ATTRIBUTION_SLICES} slices of ${SLICE_SECONDS} s beside TPC-B-like...`);
  try {
    await owner.unsafe(OTHER_CHAPTERS_TRIGGERS.map((t) => `alter table public.bookings disable trigger ${t};`).join('\n')).simple();
    for (let slice = 0; slice < ATTRIBUTION_SLICES; slice++) {
      const run = parsePgbench(await bookingRun(SLICES + 1 + slice, SLICE_SECONDS));
      const tpcb = parsePgbench(await runCommand('pgbench', ['-c', String(CLIENTS), '-j', '2', '-T', String(SLICE_SECONDS), scratch.toString()]));
      attribution.push({ booking_tps: run.tps, tpcb_tps: tpcb.tps, failed: run.failed });
      log(`  slice ${slice + 1}: request_booking without them ${run.tps.toFixed(1)}/s, TPC-B-like ${tpcb.tps.toFixed(1)} tps`);
    }
  } finally {
    await owner.unsafe(OTHER_CHAPTERS_TRIGGERS.map((t) => `alter table public.bookings enable trigger ${t};`).join('\n')).simple();
  }
  const without = {
    triggers_off: OTHER_CHAPTERS_TRIGGERS, slices: ATTRIBUTION_SLICES, seconds_each: SLICE_SECONDS,
    bookings_per_second: round(attribution.reduce((a, s) => a + s.booking_tps, 0) / attribution.length, 1),
    tpcb_tps: round(attribution.reduce((a, s) => a + s.tpcb_tps, 0) / attribution.length, 1),
    failed: attribution.reduce((a, s) => a + s.failed, 0), per_slice: attribution,
  };
  without.booking_vs_tpcb = round(without.bookings_per_second / without.tpcb_tps);
  log(`  without them: ${without.bookings_per_second}/s against ${without.tpcb_tps} tps: ${without.booking_vs_tpcb} of TPC-B-like`);

  // No overlapping stays ------------------------------------------------------------------------------------------
  const [overlaps] = await owner`
    select
      (select count(*) from (
         select check_in, lag(check_out) over (partition by property_id order by check_in) as previous_check_out
         from public.bookings
         where status in ('awaiting_host', 'pending_payment', 'confirmed', 'completed')
           and (expires_at is null or expires_at > now())) s
       where previous_check_out > check_in)::int as overlapping_active_bookings,
      (select count(*) from (
         select lower(nights) as first_night, lag(upper(nights)) over (partition by property_id order by lower(nights)) as previous_end
         from private.calendar_claims) s
       where previous_end > first_night)::int as overlapping_claims,
      (select count(*) from public.bookings b
       where b.status in ('awaiting_host', 'pending_payment', 'confirmed', 'completed')
         and not exists (select 1 from private.calendar_claims c where c.booking_id = b.id))::int as active_bookings_without_claim`;
  log(`  overlapping active stays: ${overlaps.overlapping_active_bookings}, overlapping claims: ${overlaps.overlapping_claims}`);
  {
    const maintenance = new URL(url);
    maintenance.pathname = '/postgres';
    const sql = connect(maintenance.toString());
    await sql.unsafe(`drop database if exists "${decodeURIComponent(scratch.pathname.slice(1))}" with (force)`);
    await sql.end();
  }
  await owner.end();

  const results = {
    generated_at: new Date().toISOString(),
    booking, pgbench, booking_vs_tpcb: ratio, overlaps, profile, without_other_chapters_triggers: without,
    goals: {
      booking_at_least_tpcb: booking.bookings_per_second >= tps,
      zero_overlaps: overlaps.overlapping_active_bookings === 0 && overlaps.overlapping_claims === 0,
    },
  };
  writeFileSync(join(resultsDir, 'booking.json'), `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

// Where a request's time goes, in a separate untimed run (tracking costs a little): pg_stat_statements with
// track = all (the statements inside request_booking and its triggers, each with its calls and time),
// track_functions = all (each function's and trigger's own time, pg_stat_user_functions), and the wait events of the
// 8 clients, sampled every 10 ms from pg_stat_activity.
async function profileBooking({ url, owner, log, bookingRun }) {
  const [{ available }] = await owner`
    select exists (select 1 from pg_extension where extname = 'pg_stat_statements')
       and current_setting('shared_preload_libraries') like '%pg_stat_statements%' as available`;
  if (!available) {
    log('  profile: pg_stat_statements is not loaded on this server (shared_preload_libraries): skipped');
    return null;
  }
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  await owner`select pg_stat_reset()`;
  await owner`select extensions.pg_stat_statements_reset()`;
  const sampler = connect(url, { max: 1 });
  const waits = new Map();
  let samples = 0;
  let sampling = true;
  const sampling$ = (async () => {
    while (sampling) {
      const rows = await sampler`
        select coalesce(wait_event_type || ': ' || wait_event, 'on CPU') as wait, count(*)::integer as n
          from pg_stat_activity
         where datname = ${database} and backend_type = 'client backend' and state = 'active'
           and application_name = 'pgbench' group by 1`;
      for (const { wait, n } of rows) waits.set(wait, (waits.get(wait) ?? 0) + n);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const run = parsePgbench(await bookingRun(SLICES, PROFILE_SECONDS,
    { PGOPTIONS: '-c pg_stat_statements.track=all -c track_functions=all', PGAPPNAME: 'pgbench' }));
  sampling = false;
  await sampling$;
  await sampler.end();
  const calls = run.transactions;
  await new Promise((resolve) => setTimeout(resolve, 600)); // the statistics collector's flush
  const statements = (await owner`
    select s.query, s.calls::bigint::integer as calls, s.total_exec_time as total_ms, s.rows::bigint::integer as rows,
           s.shared_blks_hit + s.shared_blks_read + s.shared_blks_dirtied + s.shared_blks_written as blocks,
           s.shared_blks_dirtied as dirtied, s.wal_fpi as wal_fpi, s.wal_bytes as wal_bytes
      from extensions.pg_stat_statements s
      join pg_database d on d.oid = s.dbid
     where d.datname = ${database} and s.calls >= ${Math.max(1, Math.floor(calls / 2))}
     order by s.total_exec_time desc`).map((s) => ({
    query: s.query.replace(/\s+/g, ' ').slice(0, 300), per_call: round(s.calls / calls, 2),
    ms_per_request: round(s.total_ms / calls, 4), mean_ms: round(s.total_ms / s.calls, 4), blocks_per_call: round(Number(s.blocks) / s.calls, 1),
    dirtied_per_call: round(Number(s.dirtied) / s.calls, 1), wal_fpi_per_call: round(Number(s.wal_fpi) / s.calls, 1),
    wal_bytes_per_call: Math.round(Number(s.wal_bytes) / s.calls),
  }));
  const functions = (await owner`
    select f.schemaname || '.' || f.funcname as name, f.calls::integer as calls, f.total_time as total_ms, f.self_time as self_ms
      from pg_stat_user_functions f where f.calls >= ${Math.max(1, Math.floor(calls / 2))}
     order by f.total_time desc`).map((f) => ({
    name: f.name, per_call: round(f.calls / calls, 2), total_ms_per_request: round(f.total_ms / calls, 4),
    self_ms_per_request: round(f.self_ms / calls, 4),
  }));
  const waited = [...waits.entries()].sort((a, b) => b[1] - a[1])
    .map(([wait, n]) => ({ wait, share: round(n / [...waits.values()].reduce((a, b) => a + b, 0), 3) }));
  const requestMs = functions.find((f) => f.name === 'public.request_booking')?.total_ms_per_request;
  log(`  profile (${PROFILE_SECONDS} s, ${calls} requests at ${run.tps.toFixed(1)}/s with tracking on): ${statements.length} statements run at least every other request, request_booking ${requestMs} ms inside the server`);
  for (const s of statements.slice(0, 12)) log(`    ${String(s.ms_per_request).padStart(7)} ms x${s.per_call} ${String(s.wal_bytes_per_call).padStart(6)} B WAL  ${s.query.slice(0, 100)}`);
  log(`  waits: ${waited.slice(0, 6).map((w) => `${w.wait} ${(w.share * 100).toFixed(0)}%`).join(', ')}`);
  return {
    seconds: PROFILE_SECONDS, requests: calls, requests_per_second: run.tps, tracking: 'pg_stat_statements.track=all, track_functions=all',
    statements_per_request: round(statements.reduce((sum, s) => sum + s.per_call, 0), 1), statements, functions,
    wait_samples: samples, waits: waited,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  throw new Error('run it through bench/run.mjs: BENCH_ONLY=booking [BENCH_REUSE=1] npm run bench');
}
