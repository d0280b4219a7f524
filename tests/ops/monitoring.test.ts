// The monitoring kit in docs/monitoring: alert rules valid and unit-tested by promtool, and a dashboard whose every
// Staybase series is one the metrics endpoint really serves. The promtool checks are skipped where promtool is not
// installed (Debian package prometheus), and fail there under .ci/run (tests/support/system-tools.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it, type TestContext } from 'vitest';
import { env } from '../support/env.ts';
import { needsSystemTool } from '../support/system-tools.ts';

const dir = new URL('../../docs/monitoring/', import.meta.url).pathname;

function promtool(context: TestContext, ...args: string[]) {
  needsSystemTool(context, 'promtool', 'prometheus');
  const result = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  expect(result.error).toBeUndefined();
  return result;
}

async function servedFamilies(): Promise<Set<string>> {
  const response = await fetch(`${env.apiUrl}/functions/v1/metrics`, { headers: { authorization: `Bearer ${env.metricsToken}` } });
  const text = await response.text();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

const staybaseSeries = (text: string) => new Set([...text.matchAll(/\bstaybase_[a-z_]+/g)].map((m) => m[0]));

describe('monitoring kit', () => {
  it('promtool accepts the alert rules', (context) => {
    const result = promtool(context, 'check', 'rules', 'alerts.yml');
    expect(result.stdout + result.stderr).toContain('SUCCESS: 4 rules found');
    expect(result.status).toBe(0);
  });

  it('each alert fires exactly when its unit test says (promtool test rules)', (context) => {
    const result = promtool(context, 'test', 'rules', 'alerts.test.yml');
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('every Staybase series in the alerts and the dashboard is served by /functions/v1/metrics', async () => {
    const served = await servedFamilies();
    const dashboard = readFileSync(`${dir}grafana-dashboard.json`, 'utf8');
    const used = new Set([...staybaseSeries(readFileSync(`${dir}alerts.yml`, 'utf8')), ...staybaseSeries(dashboard)]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
  });

  it('the dashboard is importable: every panel queries the chosen Prometheus data source', () => {
    const dashboard = JSON.parse(readFileSync(`${dir}grafana-dashboard.json`, 'utf8'));
    expect(dashboard.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(15);
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
  });
});
