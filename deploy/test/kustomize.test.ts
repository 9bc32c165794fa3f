// Each kustomization Argo CD syncs renders. Where kubectl is installed, `kubectl kustomize` renders it and the
// fallback renderer (used where kubectl is not, e.g. the CI image) must produce exactly the same objects.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { argoApps, OVERLAYS } from '../src/inventory.ts';
import { kubectlPath, renderFallback, renderWithKubectl, sortObjects } from '../src/kustomize.ts';
import { asObject } from '../src/manifests.ts';
import { REPO_ROOT } from '../src/paths.ts';

const paths = [...new Set(argoApps().flatMap((app) => app.paths))].filter((path) => path !== 'deploy/argocd');
const kubectl = kubectlPath();

test('Argo CD syncs both shop overlays and every platform kustomization', () => {
  for (const overlay of OVERLAYS) assert.ok(paths.includes(overlay), `${overlay} is not synced`);
  assert.ok(paths.length >= 8, `only ${paths.length} kustomizations synced`);
});

for (const path of paths) {
  test(`${path} renders (fallback renderer)`, () => {
    const objects = renderFallback(join(REPO_ROOT, path));
    assert.ok(objects.length > 0, 'renders nothing');
    for (const object of objects) assert.ok(asObject(object['metadata'])['name'], `${String(object['kind'])} without a name`);
  });

  test(`${path} renders with kubectl kustomize, equal to the fallback`, { skip: kubectl ? false : 'kubectl is not installed here: only the fallback renderer ran' }, () => {
    const expected = sortObjects(renderWithKubectl(join(REPO_ROOT, path)));
    const actual = sortObjects(renderFallback(join(REPO_ROOT, path)));
    assert.equal(actual.length, expected.length, 'object count differs');
    for (let index = 0; index < expected.length; index++) {
      if (!isDeepStrictEqual(actual[index], expected[index])) assert.deepEqual(actual[index], expected[index]);
    }
  });
}

test('the overlays set the environment and keep every service', () => {
  for (const overlay of OVERLAYS) {
    const environment = overlay.split('/').at(-1);
    const deployments = renderFallback(join(REPO_ROOT, overlay)).filter((object) => object['kind'] === 'Deployment');
    assert.deepEqual(deployments.map((deployment) => asObject(deployment['metadata'])['name']).sort(), ['catalog', 'gateway', 'orders', 'payments']);
    for (const deployment of deployments) {
      const text = JSON.stringify(deployment);
      assert.ok(text.includes(`deployment.environment.name=${environment}`), `${overlay}: no deployment.environment.name=${environment}`);
      assert.ok(text.includes('"namespace":"shop"'), `${overlay}: not in namespace shop`);
    }
  }
});

test('the fallback renderer refuses what it does not implement', () => {
  assert.throws(() => renderFallback(join(REPO_ROOT, 'deploy', 'test', 'fixtures', 'unsupported-kustomization')), /not supported by the fallback renderer/);
});
