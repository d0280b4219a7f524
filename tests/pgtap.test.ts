// Runs every pgTAP suite in tests/db/ against the database under test and reports each assertion as a vitest
// test, so one runner and one summary cover SQL and TypeScript. (DBAs can run the same files with pg_prove:
// `npm run test:db`.)
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { database } from './support/env.ts';

type Assertion = { number: number; ok: boolean; description: string; diagnostics: string[] };
type Run = { planned: number | null; assertions: Assertion[]; error: string | null };

function parseTap(lines: string[]): Omit<Run, 'error'> {
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

async function runSuite(file: string): Promise<Run> {
  const sql = database({ max: 1 });
  const lines: string[] = [];
  let error: string | null = null;
  try {
    const results = await sql.unsafe(readFileSync(file, 'utf8')).simple();
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

const dir = new URL('./db/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.test.sql')).sort();

for (const file of files) {
  const run = await runSuite(dir + file);
  describe(`pgTAP ${file}`, () => {
    it('runs to the end of its plan', () => {
      expect(run.error, `the suite stopped on an error`).toBeNull();
      expect(run.assertions.length, 'assertions run').toBe(run.planned);
    });
    for (const assertion of run.assertions) {
      it(`${assertion.number} - ${assertion.description}`, () => {
        expect(assertion.ok, assertion.diagnostics.join('\n')).toBe(true);
      });
    }
  });
}
