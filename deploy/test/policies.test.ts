// The Kyverno policies' intent, applied offline to every workload the shop overlays render (and the k6 runner):
// required labels (read from the policy), runAsNonRoot, CPU/memory limits, pinned images; plus the hardening the
// issue asks of every service (read-only root filesystem, no capabilities, no privilege escalation).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { OVERLAYS } from '../src/inventory.ts';
import { renderFallback } from '../src/kustomize.ts';
import { evaluate, requiredLabels } from '../src/kyverno-intent.ts';
import { asArray, asObject, at, loadDir, loadFile } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';
import { containersOf, type PodTemplate, podTemplates } from '../src/workloads.ts';

const policies = loadDir(join(DEPLOY_DIR, 'platform', 'kyverno', 'policies')).filter((manifest) => manifest.doc['kind'] === 'ClusterPolicy');
const labelKeys = requiredLabels(policies);
const workloads: PodTemplate[] = OVERLAYS.flatMap((overlay) =>
  podTemplates(renderFallback(join(REPO_ROOT, overlay))).map((pod) => ({ ...pod, owner: `${overlay} ${pod.owner}` })),
);

test('the four policies exist and enforce on the shop namespace label', () => {
  const names = policies.map((manifest) => String(asObject(manifest.doc['metadata'])['name'])).sort();
  assert.deepEqual(names, ['disallow-latest-tag', 'require-labels', 'require-limits', 'require-run-as-nonroot']);
  const namespace = renderFallback(join(REPO_ROOT, OVERLAYS[0]!)).find((object) => object['kind'] === 'Namespace');
  const namespaceLabels = asObject(at(namespace, 'metadata', 'labels'));
  for (const policy of policies) {
    for (const rule of asArray(at(policy.doc, 'spec', 'rules'))) {
      assert.equal(at(rule, 'validate', 'failureAction'), 'Enforce', `${policy.file}: not enforced`);
      const match = asArray(at(rule, 'match', 'any')).map((entry) => asObject(at(entry, 'resources', 'namespaceSelector', 'matchLabels')));
      assert.ok(
        match.some((labels) => Object.entries(labels).every(([key, value]) => namespaceLabels[key] === value)),
        `${policy.file}: its namespaceSelector does not select the shop namespace`,
      );
    }
  }
  assert.deepEqual(labelKeys.sort(), ['app.kubernetes.io/name', 'app.kubernetes.io/part-of']);
});

test('every shop workload passes the policies', () => {
  assert.equal(workloads.length, 8, 'four Deployments per overlay');
  const violations = workloads.flatMap((pod) => evaluate(pod, labelKeys));
  assert.deepEqual(violations, []);
});

test('every shop container is hardened (read-only root fs, drop ALL, no privilege escalation, RuntimeDefault seccomp)', () => {
  for (const pod of workloads) {
    assert.equal(at(pod.spec, 'securityContext', 'seccompProfile', 'type'), 'RuntimeDefault', pod.owner);
    for (const container of containersOf(pod.spec)) {
      const context = asObject(container['securityContext']);
      assert.equal(context['readOnlyRootFilesystem'], true, `${pod.owner}: root filesystem writable`);
      assert.equal(context['allowPrivilegeEscalation'], false, `${pod.owner}: privilege escalation allowed`);
      assert.deepEqual(at(context, 'capabilities', 'drop'), ['ALL'], `${pod.owner}: capabilities not dropped`);
    }
  }
});

test('the k6 runner also passes the policies', () => {
  const [testRun] = loadFile(join(DEPLOY_DIR, 'platform', 'k6-operator', 'testrun.yaml'));
  const runner = asObject(at(testRun?.doc, 'spec', 'runner'));
  const pod: PodTemplate = {
    owner: 'TestRun/shop-load runner',
    namespace: 'loadtest',
    labels: Object.fromEntries(Object.entries(asObject(at(runner, 'metadata', 'labels'))).map(([key, value]) => [key, String(value)])),
    spec: { securityContext: runner['securityContext'] ?? null, containers: [{ name: 'k6', image: runner['image'] ?? null, resources: runner['resources'] ?? null }] },
  };
  assert.deepEqual(evaluate(pod, labelKeys), []);
});

test('the evaluation rejects each kind of violation (negative control)', () => {
  const pod = structuredClone(workloads[0]!);
  const container = asObject(asArray(pod.spec['containers'])[0]);
  delete pod.labels['app.kubernetes.io/part-of'];
  pod.spec['securityContext'] = {};
  asObject(container['securityContext'])['runAsNonRoot'] = false;
  container['image'] = 'ghcr.io/lab-observability/gateway:latest';
  asObject(container['resources'])['limits'] = { memory: '1Gi' };
  const policiesHit = evaluate(pod, labelKeys).map((violation) => violation.policy).sort();
  assert.deepEqual(policiesHit, ['disallow-latest-tag', 'require-labels', 'require-limits', 'require-run-as-nonroot']);
  container['image'] = 'ghcr.io/lab-observability/gateway';
  assert.ok(evaluate(pod, labelKeys).some((violation) => /no tag or digest/.test(violation.detail)));
});
