// One error table: the SQLSTATE → HTTP status map the edge functions answer with (functions/_shared/error-statuses.ts)
// is the one the README's "Errors" section and docs/conventions.md list, code for code and status for status.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { statusBySqlState } from '../../functions/_shared/error-statuses.ts';

const root = new URL('../../', import.meta.url).pathname;

/**
 * The SQLSTATE → status pairs of the first table under the `## <heading>` section of a markdown file. A row names
 * its codes in backticks in the first column (`23505`, `23503`) and starts the second with the status; what follows
 * (403 "(401 for anon)") is prose. A row that yields no code or no status fails, rather than being skipped.
 */
function documentedStatuses(file: string, heading: string): Record<string, number> {
  const lines = readFileSync(`${root}${file}`, 'utf8').split('\n');
  const start = lines.findIndex((line) => line === `## ${heading}` || line.startsWith(`## ${heading}:`));
  expect(start, `${file} has a "## ${heading}" section`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  const section = lines.slice(start + 1, end === -1 ? undefined : end);
  const tableStart = section.findIndex((line) => line.startsWith('|'));
  expect(tableStart, `a table in ${file}'s "${heading}" section`).toBeGreaterThanOrEqual(0);
  const tableEnd = section.findIndex((line, i) => i > tableStart && !line.startsWith('|'));
  const table = section.slice(tableStart, tableEnd === -1 ? undefined : tableEnd);
  const statuses: Record<string, number> = {};
  for (const row of table.slice(2)) { // header and separator
    const [codesCell = '', statusCell = ''] = row.split('|').slice(1);
    const codes = [...codesCell.matchAll(/`([0-9A-Z]{5})`/g)].map((m) => m[1]!);
    const status = /^\s*(\d{3})\b/.exec(statusCell)?.[1];
    expect(codes.length, `SQLSTATEs in ${file}: ${row}`).toBeGreaterThan(0);
    expect(status, `the status in ${file}: ${row}`).toBeDefined();
    for (const code of codes) {
      expect(statuses, `${code} listed twice in ${file}`).not.toHaveProperty(code);
      statuses[code] = Number(status);
    }
  }
  return statuses;
}

describe('one error table', () => {
  it('the README\'s "Errors" table lists exactly the SQLSTATEs and statuses the functions use', () => {
    expect(documentedStatuses('README.md', 'Errors')).toEqual(statusBySqlState);
  });

  it('docs/conventions.md lists exactly the SQLSTATEs and statuses the functions use', () => {
    expect(documentedStatuses('docs/conventions.md', 'Errors')).toEqual(statusBySqlState);
  });

  it('a foreign-key violation (23503) is a 409, as PostgREST answers it', () => {
    expect(statusBySqlState['23503']).toBe(409);
  });
});
