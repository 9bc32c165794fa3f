import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifacts, staleArtifacts } from '../src/artifacts.ts';

const packageRoot = join(import.meta.dirname, '..');

test('committed dashboards, provisioning and rules match what the sources render (run the build when this fails)', () => {
  assert.deepEqual(staleArtifacts(packageRoot), [], 'stale: run `pnpm --filter @lab/dashboards build` and commit');
});

test('rendering is deterministic and covers every generated file', () => {
  const first = artifacts();
  assert.deepEqual([...artifacts()], [...first]);
  assert.deepEqual(
    [...first.keys()].sort(),
    [
      'generated/load-test.json',
      'generated/service-detail.json',
      'generated/services-overview.json',
      'generated/telemetry-pipeline.json',
      'provisioning/dashboards.yaml',
      'provisioning/datasources.yaml',
      'rules/slo-alerts.yaml',
      'rules/slo-recording.yaml',
    ],
  );
});

test('an edited or missing generated file is reported as stale', (t) => {
  const copy = mkdtempSync(join(tmpdir(), 'lab-dashboards-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  for (const dir of ['generated', 'provisioning', 'rules']) cpSync(join(packageRoot, dir), join(copy, dir), { recursive: true });
  assert.deepEqual(staleArtifacts(copy), []);
  writeFileSync(join(copy, 'generated/load-test.json'), '{}\n');
  rmSync(join(copy, 'rules/slo-alerts.yaml'));
  assert.deepEqual(staleArtifacts(copy), ['generated/load-test.json', 'rules/slo-alerts.yaml']);
});
