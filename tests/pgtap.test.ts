// Runs every pgTAP suite in tests/db/ against the database under test and reports each assertion as a vitest
// test, so one runner and one summary cover SQL and TypeScript. (DBAs can run the same files with pg_prove:
// `npm run test:db`.)
import { describe, expect, it } from 'vitest';
import { env } from './support/env.ts';
import { pgtapSuites, runPgtapSuite } from './support/pgtap.ts';

for (const file of pgtapSuites()) {
  const run = await runPgtapSuite(env.databaseUrl, file);
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
