// npm run bench -- --listings N: the scale curve. Builds and measures the six search shapes at 100,000 listings and
// at N, each size in a database of its own on the PostgreSQL server (DATABASE_URL's name plus _100k, _1m, ...; with
// BENCH_REUSE=1 the databases a previous run built are measured again), one after the other in this one invocation,
// by bench/run.mjs (BENCH_SEARCH_ONLY: the build and the search section; the booking section is the standard
// bench's). Writes bench/results/scale-<N>.json with both sizes side by side, and the plans of each size in
// bench/results/plans/scale-<size>/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../scripts/lib/database.mjs';

const BASELINE = 100_000;
/** Goals at the largest size: the place shapes within 5 ms at p95, every shape within 50 ms and at least 20x its naive query. */
const PLACE_SHAPES = ['box_dates_guests', 'radius_price_amenities'];
const PLACE_P95_MS = 5;
const P95_MS = 50;
const SPEEDUP = 20;
/** Generation within 30 minutes at 1,000,000 listings (in proportion for other sizes). */
const GENERATION_SECONDS_PER_MILLION = 1800;

export const label = (listings) => (listings % 1_000_000 === 0 ? `${listings / 1_000_000}m` : listings % 1000 === 0 ? `${listings / 1000}k` : String(listings));

export async function scaleCurve(listings) {
  if (!Number.isInteger(listings) || listings < 1_000 || listings > 1_500_000) {
    throw new Error('--listings takes a whole number of listings between 1,000 and 1,500,000');
  }
  const base = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/staybase_bench');
  const baseName = decodeURIComponent(base.pathname.slice(1));
  const resultsDir = join(root, 'bench', 'results');
  const sizes = [...new Set([BASELINE, listings])].sort((a, b) => a - b);
  const measured = [];
  for (const size of sizes) {
    const url = new URL(base);
    url.pathname = `/${baseName}_${label(size)}`;
    const plans = join(resultsDir, 'plans', `scale-${label(size)}`);
    const file = join(tmpdir(), `staybase-bench-scale-${label(size)}-${process.pid}.json`);
    mkdirSync(plans, { recursive: true });
    await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(root, 'bench', 'run.mjs')], {
        stdio: 'inherit',
        env: { ...process.env, DATABASE_URL: url.toString(), BENCH_LISTINGS: String(size), BENCH_SEARCH_ONLY: '1',
               BENCH_RESULTS_FILE: file, BENCH_PLANS_DIR: plans },
      });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/run.mjs at ${size} listings exited with ${code}`))));
    });
    measured.push({ listings: size, database: `${baseName}_${label(size)}`, ...JSON.parse(readFileSync(file, 'utf8')) });
  }

  const largest = measured.at(-1);
  const shapes = largest.search.map((shape) => ({
    shape: shape.shape,
    ...Object.fromEntries(measured.map((size) => {
      const s = size.search.find((r) => r.shape === shape.shape);
      return [label(size.listings), { p50_ms: s.fast.p50_ms, p95_ms: s.fast.p95_ms, p99_ms: s.fast.p99_ms,
        naive_p95_ms: s.naive.p95_ms, speedup_p50: s.speedup_p50, speedup_p95: s.speedup_p95,
        average_rows: s.average_rows, same_answer_as_naive: s.same_answer_as_naive }];
    })),
  }));
  const goalsAt = largest.search.map((s) => ({
    shape: s.shape,
    p95_ms: s.fast.p95_ms,
    p95_goal_ms: PLACE_SHAPES.includes(s.shape) ? PLACE_P95_MS : P95_MS,
    p95_met: PLACE_SHAPES.includes(s.shape) ? s.fast.p95_ms <= PLACE_P95_MS : s.fast.p95_ms < P95_MS,
    at_least_20x_naive: s.speedup_p50 >= SPEEDUP && s.speedup_p95 >= SPEEDUP,
  }));
  const generationLimit = (GENERATION_SECONDS_PER_MILLION * largest.listings) / 1_000_000;
  const results = {
    generated_at: new Date().toISOString(),
    command: `npm run bench -- --listings ${listings}`,
    sizes: measured.map((size) => ({
      listings: size.listings, database: size.database, machine: size.machine,
      data: size.data, bytes_per_listing: size.data.bytes_per_listing,
      generation_seconds: size.data.generation_seconds,
    })),
    side_by_side: shapes,
    goals: {
      at: largest.listings,
      shapes: goalsAt,
      generation_seconds: largest.data.generation_seconds,
      generation_within_limit: largest.data.generation_seconds === null ? null : largest.data.generation_seconds <= generationLimit,
      every_shape_met: goalsAt.every((g) => g.p95_met && g.at_least_20x_naive),
      every_shape_at_least_20x_naive_at_every_size: measured.every((size) => size.search.every((s) => s.speedup_p50 >= SPEEDUP && s.speedup_p95 >= SPEEDUP)),
    },
    details: measured.map((size) => ({ listings: size.listings, search: size.search })),
  };
  const out = join(resultsDir, `scale-${label(listings)}.json`);
  if (existsSync(out)) carryGeneration(results, JSON.parse(readFileSync(out, 'utf8')));
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const log = (line) => process.stderr.write(`${line}\n`);
  log(`\nSearch at ${measured.map((s) => label(s.listings)).join(' | ')} listings (p95 ms, and x naive at p95):`);
  for (const shape of shapes) {
    log(`  ${shape.shape.padEnd(26)} ${measured.map((s) => {
      const r = shape[label(s.listings)];
      return `${r.p95_ms.toFixed(2).padStart(7)} ms ${String(r.speedup_p95).padStart(7)}x`;
    }).join('  |  ')}`);
  }
  for (const size of measured) {
    log(`  ${label(size.listings)}: ${size.data.listings} listings, ${size.data.booked_nights} booked nights, ${size.data.database_size} (${size.data.bytes_per_listing} bytes a listing), generated in ${size.data.generation_seconds ?? '(reused)'} s`);
  }
  log(`Goals at ${label(largest.listings)}: ${goalsAt.map((g) => `${g.shape} ${g.p95_met && g.at_least_20x_naive ? 'met' : 'NOT met'}`).join(', ')}; generation ${results.goals.generation_within_limit ? 'within' : 'NOT within'} ${generationLimit} s`);
  log(`Wrote ${out}`);
}

/**
 * A run on reused databases (BENCH_REUSE=1) generated nothing: it keeps the generation figures of the run that built
 * each database (from the previous results file, same size and database), with that run's date.
 */
export function carryGeneration(results, previous) {
  for (const size of results.sizes) {
    if (size.generation_seconds !== null) continue;
    const built = previous.sizes?.find((p) => p.listings === size.listings && p.database === size.database && p.generation_seconds !== null);
    if (!built) continue;
    size.generation_seconds = built.generation_seconds;
    size.data.generation_seconds = built.generation_seconds;
    size.data.generation_steps_seconds = built.data.generation_steps_seconds;
    size.generation_measured_by_run_of = built.generation_measured_by_run_of ?? previous.generated_at;
  }
  const largest = results.sizes.at(-1);
  if (results.goals.generation_seconds === null && largest.generation_seconds !== null) {
    results.goals.generation_seconds = largest.generation_seconds;
    results.goals.generation_within_limit = largest.generation_seconds <= (GENERATION_SECONDS_PER_MILLION * largest.listings) / 1_000_000;
  }
}
