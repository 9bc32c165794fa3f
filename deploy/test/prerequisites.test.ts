// What the upstream projects require of each other on a real cluster, read from our files: the documented bootstrap
// commands, the Helm values and the manifests. Each check names the upstream document it encodes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { argoApps, renderedKustomizations } from '../src/inventory.ts';
import { asArray, asObject, at, type Json, type JsonObject, parseYaml } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const apps = argoApps();
const values = (name: string): JsonObject => {
  const found = apps.find((app) => app.name === name);
  assert.ok(found, `no Application ${name}`);
  return found.values;
};
const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');

/** The shell lines of the README's ```sh blocks, continuation lines joined. */
function shellLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n')).map((line) => line.replace(/\s+#.*$/, '').trim());
}

function setPath(target: JsonObject, dotted: string, value: Json): void {
  const keys = dotted.split('.');
  let current = target;
  for (const key of keys.slice(0, -1)) current = (current[key] = asObject(current[key]));
  current[keys.at(-1)!] = value;
}

/** The Helm values `cilium install` is given in the README: --values files (in order), then --set overrides. */
function ciliumInstallValues(markdown: string): JsonObject {
  const installs = shellLines(markdown).filter((line) => /^cilium install\b/.test(line));
  assert.equal(installs.length, 1, `expected one \`cilium install\` in deploy/README.md, found ${installs.length}`);
  const words = installs[0]!.split(/\s+/);
  const merged: JsonObject = {};
  for (let index = 0; index < words.length; index++) {
    const [flag, inline] = words[index]!.split(/=(.*)/s) as [string, string | undefined];
    const argument = () => inline ?? words[++index] ?? '';
    if (flag === '--values' || flag === '-f') {
      const file = argument();
      for (const [key, value] of Object.entries(parseYaml(readFileSync(join(REPO_ROOT, file), 'utf8'), file)[0] ?? {})) merged[key] = value;
    } else if (flag === '--set') {
      const [path, raw = ''] = argument().split(/=(.*)/s) as [string, string?];
      setPath(merged, path, raw === 'true' ? true : raw === 'false' ? false : raw);
    }
  }
  return merged;
}

test('Cilium leaves the Istio CNI plugin in place whenever Istio CNI is enabled (Istio platform prerequisites)', () => {
  const istioCni = at(values('istiod'), 'pilot', 'cni', 'enabled') === true || apps.some((app) => app.helm?.chart === 'cni');
  assert.ok(istioCni, 'this check exists for the Istio CNI setup; istiod values no longer enable it');
  const cilium = ciliumInstallValues(readme);
  // Cilium's chart default is cni.exclusive=true: it deletes other CNI configs (cilium/cilium#26760).
  assert.equal(at(cilium, 'cni', 'exclusive'), false, 'Istio CNI chains onto Cilium: `cilium install` needs cni.exclusive=false');
  assert.equal(at(cilium, 'socketLB', 'hostNamespaceOnly'), true, 'socket LB inside pods bypasses the sidecars: socketLB.hostNamespaceOnly=true');
});

test('the Cilium values reader follows --set over --values, so the check above cannot be satisfied by accident', () => {
  const parsed = ciliumInstallValues('```sh\ncilium install --values deploy/platform/cilium/bootstrap-values.yaml --set cni.exclusive=true --wait\n```\n');
  assert.equal(at(parsed, 'cni', 'exclusive'), true);
  assert.deepEqual(ciliumInstallValues('```sh\ncilium install --wait   # defaults\n```\n'), {});
});

const datasources = asArray(at(parseYaml(readFileSync(join(REPO_ROOT, 'dashboards', 'provisioning', 'datasources.yaml'), 'utf8'), 'datasources.yaml')[0], 'datasources')).map(asObject);

test("Grafana streams from Tempo only if Tempo serves streaming over HTTP (chart's tempo.streamOverHttpEnabled)", () => {
  const tempo = datasources.find((source) => source['type'] === 'tempo');
  assert.ok(tempo, 'no Tempo datasource');
  const streaming = Object.values(asObject(at(tempo, 'jsonData', 'streamingEnabled'))).some((enabled) => enabled === true);
  // The chart renders `stream_over_http_enabled: {{ .Values.tempo.streamOverHttpEnabled }}`, default false.
  assert.equal(at(values('tempo'), 'tempo', 'streamOverHttpEnabled') === true, streaming, 'datasource streamingEnabled and Tempo streamOverHttpEnabled disagree');
});

test('dashboards land in the folder the provisioning names ("Lab"), not in General', () => {
  const provider = asObject(asArray(at(parseYaml(readFileSync(join(REPO_ROOT, 'dashboards', 'provisioning', 'dashboards.yaml'), 'utf8'), 'dashboards.yaml')[0], 'providers'))[0]);
  const folder = String(provider['folder']);
  const sidecar = asObject(at(values('grafana'), 'sidecar', 'dashboards'));
  const annotation = sidecar['folderAnnotation'];
  const configMaps = renderedKustomizations(apps).get('deploy/platform/dashboards') ?? [];
  const dashboards = configMaps.filter((object) => object['kind'] === 'ConfigMap' && at(object, 'metadata', 'labels', String(sidecar['label'])) === sidecar['labelValue']);
  assert.ok(dashboards.length >= 4, 'the dashboards ConfigMaps are not labelled for the sidecar');
  for (const configMap of dashboards) {
    const name = String(at(configMap, 'metadata', 'name'));
    if (typeof annotation === 'string') {
      // The sidecar puts the files under <annotation value>/; Grafana makes that a folder only when the provider
      // follows the file structure (grafana chart values, sidecar.dashboards.folderAnnotation).
      assert.equal(at(configMap, 'metadata', 'annotations', annotation), folder, `${name}: ${annotation} annotation`);
      assert.equal(at(sidecar, 'provider', 'foldersFromFilesStructure'), true, 'folderAnnotation needs provider.foldersFromFilesStructure: true');
    } else {
      assert.equal(at(sidecar, 'provider', 'folder'), folder, 'without a folder annotation the provider names the folder');
    }
  }
});
