// Checks that run a system tool npm does not bring: promtool (Debian package prometheus) and, on the server run,
// pg_dump and pg_restore (postgresql-client-15). Where the tool is missing the check is skipped with the reason and
// the package to install, so `npm test` passes on a machine that has only Node.js and says what it did not check.
// With STAYBASE_REQUIRE_SYSTEM_TOOLS=1 (.ci/run and the CI workflow set it, after installing the tools) a missing
// tool fails the check instead: CI never goes green by skipping.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'vitest';

const installed = new Map<string, boolean>();

function isInstalled(command: string): boolean {
  if (!installed.has(command)) {
    const probe = spawnSync(command, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    installed.set(command, (probe.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT');
  }
  return installed.get(command)!;
}

/** Skips the running test when `command` is not on the PATH, or fails it when STAYBASE_REQUIRE_SYSTEM_TOOLS=1. */
export function needsSystemTool(context: TestContext, command: string, debianPackage: string): void {
  if (isInstalled(command)) return;
  const reason = `${command} is not installed (Debian package ${debianPackage})`;
  if (process.env.STAYBASE_REQUIRE_SYSTEM_TOOLS === '1') {
    throw new Error(`${reason}, and STAYBASE_REQUIRE_SYSTEM_TOOLS=1 requires it`);
  }
  context.skip(reason);
}
