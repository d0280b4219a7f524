// Load through the HTTP API: the real stack (startStack: PostgREST, the gateway, the functions) on the bench
// database, driven by autocannon (16 connections, BENCH_HTTP_SECONDS each, default 10) in a process of its own,
// for two requests, each on PostgREST directly and through the gateway:
//   * trivial: GET /rest/v1/amenities?code=eq.wifi (one row of a small table: what the gateway and PostgREST cost);
//   * search:  GET /rest/v1/rpc/search_properties with a map box (~11 x 15 km around one of the 240 cities), a 3-5
//     night stay and 2 guests, the box and dates varying from request to request.
// Through the gateway the client sends the publishable key (as supabase-js does); directly it sends the JWT the
// gateway puts in its place, so PostgREST does the same work both ways. The runs are interleaved (trivial direct,
// trivial gateway, search direct, search gateway, BENCH_HTTP_ROUNDS times, default 2) and summed per request and
// side. Goals: the gateway costs at most 1.2x PostgREST directly on the trivial GET (req/s direct / through), and
// search through the gateway serves at least 0.5x the trivial GET's req/s through the gateway.
// Writes bench/results/http.json. Called by bench/run.mjs; alone: `node bench/http.mjs` (DATABASE_URL as for npm
// run bench, on a database a bench run generated).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { connect, root } from '../scripts/lib/database.mjs';
import { startStack } from '../scripts/lib/stack.mjs';

const CONNECTIONS = 16;
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 2);
const GOAL_GATEWAY_COST = 1.2;
const GOAL_SEARCH_SHARE = 0.5;

function load({ url, paths, headers, seconds = SECONDS }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench', 'http-load.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify({ url, paths, headers, connections: CONNECTIONS, seconds }));
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited with ${code}`))));
  });
}

export async function measureHttp({ url, resultsDir, log = (line) => process.stderr.write(`${line}\n`) }) {
  const owner = connect(url);
  const cities = await owner`select latitude::float8 as latitude, longitude::float8 as longitude from bench.city order by n`;
  await owner.end();
  let seed = 5;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const wrap = (longitude) => ((((longitude + 180) % 360) + 360) % 360) - 180;
  const searchPaths = Array.from({ length: 2_000 }, () => {
    const c = cities[Math.floor(random() * cities.length)];
    const dLon = 0.07 / Math.cos((c.latitude * Math.PI) / 180);
    const start = 5 + Math.floor(random() * 160);
    const params = new URLSearchParams({
      min_latitude: (c.latitude - 0.05).toFixed(5), max_latitude: (c.latitude + 0.05).toFixed(5),
      min_longitude: wrap(c.longitude - dLon).toFixed(5), max_longitude: wrap(c.longitude + dLon).toFixed(5),
      check_in: day(start), check_out: day(start + 3 + Math.floor(random() * 3)), guests: '2',
    });
    return `/rpc/search_properties?${params}`;
  });
  const requests = {
    trivial: { description: 'GET amenities?code=eq.wifi (one row)', paths: ['/amenities?code=eq.wifi'] },
    search: { description: 'GET rpc/search_properties: a map box around a city, a 3-5 night stay, 2 guests (2,000 different requests in turn)', paths: searchPaths },
  };

  log(`HTTP load: the stack on the bench database, autocannon with ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} interleaved rounds:`);
  const stack = await startStack({ databaseUrl: url, seed: false });
  const loadAtStart = loadavg();
  const runs = [];
  try {
    const sides = {
      direct: { url: stack.restUrl, prefix: '', headers: { authorization: `Bearer ${stack.keys.anonJwt}` } },
      gateway: { url: stack.apiUrl, prefix: '/rest/v1', headers: { apikey: stack.keys.publishableKey } },
    };
    // Both answer, and answer alike, before anything is timed.
    for (const [name, request] of Object.entries(requests)) {
      const answers = [];
      for (const side of Object.values(sides)) {
        const response = await fetch(`${side.url}${side.prefix}${request.paths[0]}`, { headers: side.headers });
        if (response.status !== 200) throw new Error(`${name} answered ${response.status}: ${await response.text()}`);
        answers.push(await response.text());
      }
      if (answers[0] !== answers[1]) throw new Error(`${name}: PostgREST and the gateway answered differently`);
    }
    for (const [name, request] of Object.entries(requests)) {  // warm-up
      for (const side of Object.values(sides)) {
        await load({ url: side.url, paths: request.paths.map((p) => side.prefix + p), headers: side.headers, seconds: 2 });
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, request] of Object.entries(requests)) {
        for (const [sideName, side] of Object.entries(sides)) {
          const result = await load({ url: side.url, paths: request.paths.map((p) => side.prefix + p), headers: side.headers });
          const run = {
            request: name, side: sideName, round: round + 1, seconds: result.duration,
            requests: result.requests.total, non_2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
            rps: Math.round((result.requests.total / result.duration) * 10) / 10,
            p50_ms: result.percentiles_ms.p50, p95_ms: result.percentiles_ms.p95, p99_ms: result.percentiles_ms.p99,
            load_average: loadavg()[0],
          };
          if (run.non_2xx || run.errors) throw new Error(`${name} ${sideName}: ${run.non_2xx} non-2xx answers, ${run.errors} errors`);
          runs.push(run);
          log(`  round ${run.round} ${name.padEnd(8)} ${sideName.padEnd(8)} ${String(run.rps).padStart(8)} req/s  p50 ${run.p50_ms} ms  p95 ${run.p95_ms}  p99 ${run.p99_ms}`);
        }
      }
    }
  } finally {
    await stack.stop();
  }
  const summary = (request, side) => {
    const mine = runs.filter((r) => r.request === request && r.side === side);
    const total = mine.reduce((sum, r) => sum + r.requests, 0);
    const seconds = mine.reduce((sum, r) => sum + r.seconds, 0);
    const median = (key) => [...mine.map((r) => r[key])].sort((a, b) => a - b)[Math.floor((mine.length - 1) / 2)];
    return { rps: Math.round((total / seconds) * 10) / 10, requests: total, p50_ms: median('p50_ms'), p95_ms: median('p95_ms'), p99_ms: median('p99_ms') };
  };
  const results = {};
  for (const request of Object.keys(requests)) {
    results[request] = { description: requests[request].description, direct: summary(request, 'direct'), gateway: summary(request, 'gateway') };
  }
  const gatewayCost = Math.round((results.trivial.direct.rps / results.trivial.gateway.rps) * 100) / 100;
  const searchShare = Math.round((results.search.gateway.rps / results.trivial.gateway.rps) * 100) / 100;
  const section = {
    generated_at: new Date().toISOString(), machine: { cpus: cpus().length, load_average_at_start: loadAtStart, load_average_at_end: loadavg() },
    connections: CONNECTIONS, seconds_per_run: SECONDS, rounds: ROUNDS, requests: results, runs,
    ratios: { gateway_cost_trivial: gatewayCost, gateway_cost_search: Math.round((results.search.direct.rps / results.search.gateway.rps) * 100) / 100,
              search_vs_trivial_through_gateway: searchShare },
    goals: { gateway_at_most_1_2x_direct: gatewayCost <= GOAL_GATEWAY_COST, search_at_least_0_5x_trivial: searchShare >= GOAL_SEARCH_SHARE },
  };
  writeFileSync(join(resultsDir, 'http.json'), `${JSON.stringify(section, null, 2)}\n`);
  for (const [name, r] of Object.entries(results)) {
    log(`  ${name.padEnd(8)} direct ${r.direct.rps} req/s (p50 ${r.direct.p50_ms} / p95 ${r.direct.p95_ms} / p99 ${r.direct.p99_ms} ms), gateway ${r.gateway.rps} req/s (p50 ${r.gateway.p50_ms} / p95 ${r.gateway.p95_ms} / p99 ${r.gateway.p99_ms} ms)`);
  }
  log(`HTTP goals: gateway cost on the trivial GET ${gatewayCost}x (goal <= ${GOAL_GATEWAY_COST}x) ${section.goals.gateway_at_most_1_2x_direct ? 'met' : 'NOT met'}; ` +
      `search through the gateway ${searchShare}x the trivial GET (goal >= ${GOAL_SEARCH_SHARE}x) ${section.goals.search_at_least_0_5x_trivial ? 'met' : 'NOT met'}. Wrote bench/results/http.json`);
  return section;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await measureHttp({ url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/staybase_bench', resultsDir: join(root, 'bench', 'results') });
  process.exit(0);
}
