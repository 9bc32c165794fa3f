// Every generated file, rendered in memory: build.ts writes them, the freshness test compares them with the
// committed copies.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { renderDashboardProviderYaml } from './dashboard-provisioning.ts';
import { renderDatasourcesYaml } from './datasources.ts';
import { loadTest } from './load-test.ts';
import { renderRuleManifest, ruleManifests } from './rules.ts';
import { serviceDetail } from './service-detail.ts';
import { servicesOverview } from './services-overview.ts';
import { telemetryPipeline } from './telemetry-pipeline.ts';

export function dashboards(): Record<string, dashboard.Dashboard> {
  return {
    'services-overview.json': servicesOverview(),
    'service-detail.json': serviceDetail(),
    'load-test.json': loadTest(),
    'telemetry-pipeline.json': telemetryPipeline(),
  };
}

/** Paths relative to the dashboards package, with their exact content. */
export function artifacts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, board] of Object.entries(dashboards())) {
    files.set(`generated/${name}`, `${JSON.stringify(board, null, 2)}\n`);
  }
  files.set('provisioning/datasources.yaml', renderDatasourcesYaml());
  files.set('provisioning/dashboards.yaml', renderDashboardProviderYaml());
  for (const [name, rule] of Object.entries(ruleManifests())) files.set(`rules/${name}`, renderRuleManifest(rule));
  return files;
}

/** Generated files whose committed copy under `root` is missing or differs from what the sources render now. */
export function staleArtifacts(root: string): string[] {
  return [...artifacts()].filter(([path, content]) => readOr(join(root, path)) !== content).map(([path]) => path);
}

function readOr(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
