// A vitest reporter for scripts/test.mjs: writes to the file STAYBASE_VITEST_SUMMARY names how many tests passed
// and failed, which were skipped and why (a check whose system tool is missing says which package brings it), the
// failures outside any test (a file that does not load, a hook that throws: vitest then skips that suite's tests)
// and the errors vitest caught outside the run (an unhandled rejection, say). Counting tests, not suites: vitest's
// JSON report counts a failing test's describe block and file as failed suites too.
import { writeFileSync } from 'node:fs';

export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    if (!process.env.STAYBASE_VITEST_SUMMARY) return;
    const summary = { passed: 0, failed: 0, skipped: [], failuresOutsideTests: [], unhandledErrors: unhandledErrors.length };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') summary.passed += 1;
        else if (result.state === 'failed') summary.failed += 1;
        else summary.skipped.push({ test: `${module.relativeModuleId} > ${test.fullName}`, note: result.note ?? (result.state === 'pending' ? 'did not run' : null) });
      }
      for (const suite of [module, ...module.children.allSuites()]) {
        const where = suite === module ? module.relativeModuleId : `${module.relativeModuleId} > ${suite.fullName}`;
        for (const error of suite.errors()) summary.failuresOutsideTests.push(`${where}: ${error.message}`);
      }
    }
    writeFileSync(process.env.STAYBASE_VITEST_SUMMARY, JSON.stringify(summary));
  }
}
