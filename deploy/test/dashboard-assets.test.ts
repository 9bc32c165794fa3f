// deploy/platform/dashboards is a generated copy of dashboards/ (see src/dashboard-assets.ts): it must equal what
// the sources give today, with no file missing, changed or left over.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ASSETS_DIR, dashboardAssets } from '../src/dashboard-assets.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [relative(ASSETS_DIR, path)];
  });
}

test('deploy/platform/dashboards is up to date with dashboards/ (run `node deploy/scripts/sync-dashboards.ts`)', () => {
  const expected = dashboardAssets();
  assert.ok(expected.has('kustomization.yaml'));
  assert.deepEqual(files(ASSETS_DIR).sort(), [...expected.keys()].sort(), 'the same files');
  for (const [path, content] of expected) assert.equal(readFileSync(join(ASSETS_DIR, path), 'utf8'), content, `${path} differs from its source`);
});

test('the generated kustomization lists every dashboard, the datasources and every rule file', () => {
  const assets = dashboardAssets();
  const kustomization = assets.get('kustomization.yaml')!;
  for (const path of assets.keys()) {
    if (path === 'kustomization.yaml') continue;
    assert.ok(kustomization.includes(path), `${path} is not in the kustomization`);
  }
});
