// Every YAML file in deploy/ parses, and every Kubernetes object in it (raw, and as the overlays render it)
// validates against the schema of its kind: kubernetes-models for core kinds, the project's model package for
// Argo CD, Argo Rollouts, Istio, prometheus-operator and External Secrets. Kinds without a model package are
// covered by structural.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { OVERLAYS, patchFiles, renderedKustomizations } from '../src/inventory.ts';
import { describe, isResource, loadDir, loadFile, type Manifest, yamlFiles } from '../src/manifests.ts';
import { groupOf, STRUCTURAL_GROUPS, schemaErrors } from '../src/models.ts';
import { DEPLOY_DIR } from '../src/paths.ts';

const manifests: Manifest[] = loadDir(DEPLOY_DIR);

test('every YAML file under deploy/ parses', () => {
  const files = yamlFiles(DEPLOY_DIR);
  assert.ok(files.length > 60, `expected the whole tree, found ${files.length} files`);
  const problems: string[] = [];
  for (const file of files) {
    try {
      loadFile(file);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  assert.deepEqual(problems, []);
});

async function validateAll(objects: { what: string; doc: Manifest['doc'] }[]): Promise<{ checked: number; problems: string[] }> {
  const problems: string[] = [];
  let checked = 0;
  for (const { what, doc } of objects) {
    if (STRUCTURAL_GROUPS.includes(groupOf(String(doc['apiVersion'])))) continue;
    try {
      const errors = await schemaErrors(doc);
      checked++;
      if (errors) problems.push(`${what}: ${errors}`);
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  }
  return { checked, problems };
}

test('every object in deploy/ validates against its kind schema', async () => {
  const patches = patchFiles(manifests);
  assert.ok(patches.size >= 3, 'the overlay and component patches are known');
  const objects = manifests.filter((manifest) => isResource(manifest.doc) && !patches.has(manifest.file)).map((manifest) => ({ what: describe(manifest), doc: manifest.doc }));
  const { checked, problems } = await validateAll(objects);
  assert.deepEqual(problems, []);
  assert.ok(checked > 50, `only ${checked} objects validated`);
});

test('every object of every synced kustomization, as rendered, validates', async () => {
  const rendered = renderedKustomizations();
  for (const overlay of OVERLAYS) assert.ok(rendered.has(overlay), `${overlay} is not synced by any Application`);
  const objects = [...rendered].flatMap(([path, docs]) => docs.map((doc, index) => ({ what: `${path}#${index} ${String(doc['kind'])}`, doc })));
  const { checked, problems } = await validateAll(objects);
  assert.deepEqual(problems, []);
  assert.ok(checked > 40, `only ${checked} rendered objects validated`);
});

test('the validation catches a broken object (negative control)', async () => {
  const deployment = manifests.find((manifest) => manifest.doc['kind'] === 'Deployment');
  assert.ok(deployment, 'no Deployment found');
  const broken = structuredClone(deployment.doc);
  (broken['spec'] as { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } }).template.spec.containers[0]!.ports[0]!.containerPort = 'http';
  assert.match(await schemaErrors(broken), /containerPort must be integer/);
  const rollout = manifests.find((manifest) => manifest.doc['kind'] === 'Rollout');
  assert.ok(rollout, 'no Rollout found');
  const badRollout = parse(JSON.stringify(rollout.doc)) as Manifest['doc'];
  (badRollout['spec'] as { strategy: { canary: { steps: unknown[] } } }).strategy.canary.steps = [{ setWeight: 'ten' }];
  assert.match(await schemaErrors(badRollout), /setWeight must be integer/);
});
