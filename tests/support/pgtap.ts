// Runs a pgTAP suite file against a database and parses its TAP output, for tests/pgtap.test.ts (the database
// under test) and tests/ops/backup.test.ts (a restored copy), so both read TAP the same way.
import { readdirSync, readFileSync } from 'node:fs';
import postgres from 'postgres';

export type Assertion = { number: number; ok: boolean; description: string; diagnostics: string[] };
export type SuiteRun = { planned: number | null; assertions: Assertion[]; error: string | null };

export const pgtapDir = new URL('../db/', import.meta.url).pathname;
/** The pgTAP suite files (tests/db/*.test.sql), in the order they run. */
/** `npm test -- tests/db/<file>` narrows them to the files it names (STAYBASE_PGTAP_SUITES). */
export const pgtapSuites = () => {
  const only = process.env.STAYBASE_PGTAP_SUITES?.split(',');
  return readdirSync(pgtapDir).filter((f) => f.endsWith('.test.sql') && (!only || only.includes(f))).sort();
};

export function parseTap(lines: string[]): Omit<SuiteRun, 'error'> {
  let planned: number | null = null;
  const assertions: Assertion[] = [];
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    const plan = /^1\.\.(\d+)/.exec(line);
    const result = /^(not ok|ok) (\d+)(?: - (.*))?/.exec(line);
    if (plan) planned = Number(plan[1]);
    else if (result) assertions.push({ ok: result[1] === 'ok', number: Number(result[2]), description: result[3] ?? '', diagnostics: [] });
    else if (line.startsWith('#') && assertions.length) assertions[assertions.length - 1]!.diagnostics.push(line);
  }
  return { planned, assertions };
}

/** Runs tests/db/<file> on the database at `databaseUrl` (one connection, no prepared statements: PGlite-safe). */
export async function runPgtapSuite(databaseUrl: string, file: string): Promise<SuiteRun> {
  const sql = postgres(databaseUrl, { prepare: false, onnotice: () => {}, max: 1 });
  const lines: string[] = [];
  let error: string | null = null;
  try {
    const results = await sql.unsafe(readFileSync(pgtapDir + file, 'utf8')).simple();
    for (const result of results as unknown as Array<Array<Record<string, unknown>>>) {
      for (const row of Array.isArray(result) ? result : []) {
        for (const value of Object.values(row)) if (typeof value === 'string') lines.push(value);
      }
    }
  } catch (e) {
    error = (e as Error).message;
    await sql.unsafe('rollback').catch(() => {});
  } finally {
    await sql.end();
  }
  return { ...parseTap(lines), error };
}

/** The failures of a run, one line each (empty when the suite passed to the end of its plan). */
export function failures(file: string, run: SuiteRun): string[] {
  const problems = run.assertions.filter((a) => !a.ok).map((a) => `${file}: not ok ${a.number} - ${a.description}`);
  if (run.error) problems.push(`${file}: stopped on an error: ${run.error}`);
  else if (run.assertions.length !== run.planned) problems.push(`${file}: ran ${run.assertions.length} of ${run.planned} planned assertions`);
  return problems;
}
