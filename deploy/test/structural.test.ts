// Checks for what has no model package (Kyverno, Cilium, k6 TestRun, Falco rules, Velero schedules, Helm values)
// and for the Argo CD layout: pinned charts, value files and paths that exist, projects that allow the sources,
// CRDs synced before the objects that need them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CRD_PROVIDERS } from '../src/argo-order.ts';
import { type ArgoApp, argoApps, OVERLAYS, REPO_URL, renderedKustomizations } from '../src/inventory.ts';
import { renderFallback } from '../src/kustomize.ts';
import { asArray, asObject, at, type Json, type JsonObject, loadDir, loadFile, parseYaml } from '../src/manifests.ts';
import { groupOf } from '../src/models.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const apps = argoApps();
const app = (name: string): ArgoApp => {
  const found = apps.find((candidate) => candidate.name === name && candidate.manifest.file.startsWith('deploy/argocd/apps/'));
  assert.ok(found, `no Application ${name}`);
  return found;
};

test('every chart is pinned to an exact version, from a source its project allows, with value files that exist', () => {
  const projects = loadFile(join(DEPLOY_DIR, 'argocd', 'apps', 'projects.yaml'));
  const allowed = new Map(projects.map((project) => [String(at(project.doc, 'metadata', 'name')), asArray(at(project.doc, 'spec', 'sourceRepos')).map(String)]));
  const charts = apps.filter((candidate) => candidate.helm);
  assert.ok(charts.length >= 18, `only ${charts.length} Helm releases`);
  for (const candidate of apps) {
    const where = candidate.manifest.file;
    if (candidate.helm) {
      assert.match(candidate.helm.version, /^\d+\.\d+\.\d+$/, `${where}: chart version ${candidate.helm.version} is not an exact version`);
      assert.ok(allowed.get(candidate.project)?.includes(candidate.helm.repoURL), `${where}: ${candidate.helm.repoURL} not in project ${candidate.project}`);
      for (const file of candidate.helm.valueFiles) assert.ok(existsSync(join(REPO_ROOT, file)), `${where}: value file ${file} missing`);
    }
    for (const path of candidate.paths) {
      assert.ok(existsSync(join(REPO_ROOT, path)), `${where}: path ${path} missing`);
      if (candidate.project !== 'default') assert.ok(allowed.get(candidate.project)?.includes(REPO_URL), `${where}: repo not in project`);
    }
    const text = JSON.stringify(candidate.manifest.doc);
    for (const url of text.match(/https:\/\/github\.com\/[^"]+/g) ?? []) assert.equal(url, REPO_URL, `${where}: one repository URL everywhere`);
  }
});

test('the root Applications pick up the projects, every platform release and one shop overlay', () => {
  for (const environment of ['dev', 'prod']) {
    const [root] = loadFile(join(DEPLOY_DIR, 'argocd', 'bootstrap', `root-${environment}.yaml`));
    assert.equal(at(root?.doc, 'spec', 'source', 'path'), 'deploy/argocd');
    assert.equal(at(root?.doc, 'spec', 'source', 'directory', 'include'), `{apps/*.yaml,envs/${environment}/*.yaml}`);
    assert.ok(existsSync(join(DEPLOY_DIR, 'argocd', 'envs', environment, 'shop.yaml')));
  }
  assert.equal(app('prometheus-operator-crds').wave, Math.min(...apps.filter((candidate) => candidate.project === 'platform').map((candidate) => candidate.wave)));
});

test('objects sync after the Application that installs their CRD', () => {
  const rendered = renderedKustomizations(apps);
  for (const candidate of apps) {
    const kinds = candidate.paths.flatMap((path) => rendered.get(path) ?? []).map((object) => groupOf(String(object['apiVersion'])));
    for (const group of new Set(kinds)) {
      const provider = CRD_PROVIDERS[group];
      if (provider) assert.ok(app(provider).wave < candidate.wave, `${candidate.name} (wave ${candidate.wave}) uses ${group} from ${provider} (wave ${app(provider).wave})`);
    }
    if (candidate.helm && JSON.stringify(candidate.values).includes('"serviceMonitor":{"enabled":true')) {
      assert.ok(app('prometheus-operator-crds').wave < candidate.wave, `${candidate.name} creates a ServiceMonitor before its CRD exists`);
    }
  }
});

function kyvernoPatternKeys(value: Json | undefined, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  if (Array.isArray(value)) return value.flatMap((item) => kyvernoPatternKeys(item, `${prefix}[]`));
  return Object.entries(value).flatMap(([key, item]) => kyvernoPatternKeys(item, prefix ? `${prefix}.${key}` : key));
}

test('Kyverno policies have the shape kyverno.io/v1 expects and the patterns the offline evaluation follows', () => {
  const policies = loadDir(join(DEPLOY_DIR, 'platform', 'kyverno', 'policies')).filter((manifest) => manifest.doc['kind'] === 'ClusterPolicy');
  const expected: Record<string, string[]> = {
    'require-labels': ['metadata.labels.app.kubernetes.io/name', 'metadata.labels.app.kubernetes.io/part-of'],
    'require-limits': ['spec.containers[].resources.limits.cpu', 'spec.containers[].resources.limits.memory', 'spec.containers[].resources.requests.memory'],
    'disallow-latest-tag': ['spec.containers[].image'],
    'require-run-as-nonroot': ['spec.containers[].securityContext.runAsNonRoot', 'spec.securityContext.runAsNonRoot'],
  };
  for (const policy of policies) {
    assert.equal(policy.doc['apiVersion'], 'kyverno.io/v1');
    const name = String(at(policy.doc, 'metadata', 'name'));
    const rules = asArray(at(policy.doc, 'spec', 'rules')).map(asObject);
    assert.ok(rules.length > 0, `${name}: no rules`);
    const keys = new Set<string>();
    for (const rule of rules) {
      assert.equal(typeof rule['name'], 'string', `${name}: a rule without a name`);
      assert.ok(at(rule, 'validate', 'message'), `${name}: rule ${String(rule['name'])} has no message`);
      const patterns = [at(rule, 'validate', 'pattern'), ...asArray(at(rule, 'validate', 'anyPattern'))].filter((pattern) => pattern !== undefined);
      assert.ok(patterns.length > 0, `${name}: rule ${String(rule['name'])} has no pattern`);
      for (const pattern of patterns) for (const key of kyvernoPatternKeys(pattern)) keys.add(key.replace(/=\(([^)]+)\)/g, '$1'));
    }
    for (const key of expected[name] ?? assert.fail(`unexpected policy ${name}`)) assert.ok(keys.has(key), `${name}: pattern ${key} missing`);
  }
});

test('Cilium policies are well formed and allow exactly the shop call graph on the services\' ports', () => {
  const policies = loadDir(join(DEPLOY_DIR, 'platform', 'cilium')).filter((manifest) => manifest.doc['kind'] === 'CiliumNetworkPolicy');
  const ingress = new Map<string, { from: JsonObject[]; ports: string[] }>();
  for (const policy of policies) {
    assert.equal(policy.doc['apiVersion'], 'cilium.io/v2');
    assert.ok(at(policy.doc, 'spec', 'endpointSelector', 'matchLabels'), `${policy.file}: no endpointSelector`);
    for (const rule of [...asArray(at(policy.doc, 'spec', 'ingress')), ...asArray(at(policy.doc, 'spec', 'egress'))]) {
      for (const ports of asArray(asObject(rule)['toPorts'])) {
        for (const port of asArray(asObject(ports)['ports'])) {
          assert.match(String(asObject(port)['port']), /^\d+$/, `${policy.file}: port must be a quoted number`);
          assert.ok(['TCP', 'UDP', 'ANY'].includes(String(asObject(port)['protocol'])), `${policy.file}: bad protocol`);
        }
      }
    }
    const target = String(at(policy.doc, 'spec', 'endpointSelector', 'matchLabels', 'app.kubernetes.io/name') ?? '');
    for (const rule of asArray(at(policy.doc, 'spec', 'ingress'))) {
      ingress.set(target, {
        from: asArray(asObject(rule)['fromEndpoints']).map((selector) => asObject(asObject(selector)['matchLabels'])),
        ports: asArray(asObject(rule)['toPorts']).flatMap((ports) => asArray(asObject(ports)['ports']).map((port) => String(asObject(port)['port']))),
      });
    }
  }
  const callers = (service: string) => [...(ingress.get(service)?.from ?? [])].map((labels) => String(labels['app.kubernetes.io/name'] ?? labels['k8s:io.kubernetes.pod.namespace'])).sort();
  assert.deepEqual(callers('gateway'), ['istio-ingress', 'monitoring']);
  assert.deepEqual(callers('catalog'), ['gateway', 'monitoring', 'orders']);
  assert.deepEqual(callers('orders'), ['gateway', 'monitoring']);
  assert.deepEqual(callers('payments'), ['monitoring', 'orders']);
  assert.deepEqual(ingress.get('gateway')?.ports, ['8080']);
  assert.deepEqual(ingress.get('payments')?.ports, ['8083']);
  // Egress to the telemetry backends must cover every port the services and sidecars send to.
  const egressPorts = policies.flatMap((policy) => asArray(at(policy.doc, 'spec', 'egress'))).flatMap((rule) =>
    asArray(asObject(rule)['toPorts']).flatMap((ports) => asArray(asObject(ports)['ports']).map((port) => Number(asObject(port)['port']))),
  );
  const [deployment] = renderFallback(join(REPO_ROOT, OVERLAYS[0]!)).filter((object) => object['kind'] === 'Deployment');
  const env = asArray(at(asArray(at(deployment, 'spec', 'template', 'spec', 'containers'))[0], 'env')).map(asObject);
  const urlPort = (name: string) => Number(new URL(String(env.find((entry) => entry['name'] === name)?.['value'])).port);
  const telemetryPorts = [
    Number(at(asArray(at(app('istiod').values, 'meshConfig', 'extensionProviders'))[0], 'opentelemetry', 'port')),
    urlPort('OTEL_EXPORTER_OTLP_ENDPOINT'),
    urlPort('PYROSCOPE_SERVER_ADDRESS'),
  ];
  assert.deepEqual(telemetryPorts, [4317, 4318, 4040]);
  for (const port of telemetryPorts) assert.ok(egressPorts.includes(port), `shop egress does not allow port ${port}`);
});

test('the k6 TestRun runs the bundled script from a ConfigMap and writes to Prometheus remote write', () => {
  const [testRun] = loadFile(join(DEPLOY_DIR, 'platform', 'k6-operator', 'testrun.yaml'));
  const doc = testRun!.doc;
  assert.equal(doc['apiVersion'], 'k6.io/v1alpha1');
  assert.equal(doc['kind'], 'TestRun');
  assert.ok(Number.isInteger(at(doc, 'spec', 'parallelism')) && Number(at(doc, 'spec', 'parallelism')) >= 1);
  assert.ok(at(doc, 'spec', 'script', 'configMap', 'name') && at(doc, 'spec', 'script', 'configMap', 'file'));
  assert.match(String(at(doc, 'spec', 'arguments')), /-o experimental-prometheus-rw/);
  const env = Object.fromEntries(asArray(at(doc, 'spec', 'runner', 'env')).map((entry) => [String(asObject(entry)['name']), String(asObject(entry)['value'])]));
  assert.match(env['K6_PROMETHEUS_RW_SERVER_URL'] ?? '', /\/api\/v1\/write$/);
});

test('Falco rules parse and use only known fields, lists and macros', () => {
  const values = app('falco').values;
  const files = asObject(values['customRules']);
  assert.ok(Object.keys(files).length > 0, 'no customRules');
  for (const [file, text] of Object.entries(files)) {
    const items = parseYaml(`items:\n${String(text).replace(/^/gm, '  ')}`, file)[0];
    const entries = asArray(asObject(items)['items']).map(asObject);
    const rules = entries.filter((entry) => entry['rule']);
    assert.ok(rules.length >= 2, `${file}: shell and outbound rules expected`);
    const defined = new Set(entries.flatMap((entry) => [entry['list'], entry['macro']]).filter(Boolean).map(String));
    // Lists and macros of Falco's default rule set that ours build on.
    for (const builtin of ['spawned_process', 'shell_binaries', 'outbound', 'container', 'rfc_1918_addresses']) defined.add(builtin);
    for (const rule of rules) {
      for (const field of ['desc', 'condition', 'output', 'priority']) assert.ok(rule[field], `${file}: rule ${String(rule['rule'])} has no ${field}`);
      assert.ok(['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFORMATIONAL', 'DEBUG'].includes(String(rule['priority'])));
      // Whole words with an underscore that are not part of a dotted field name (proc.name, fd.snet, ...).
      const identifiers: string[] = String(rule['condition']).match(/(?<![\w.])[a-z][a-z0-9]*_[a-z0-9_]*(?![\w.])/g) ?? [];
      assert.ok(identifiers.includes('shop_container'), `${file}: rule ${String(rule['rule'])} is not scoped to the shop`);
      for (const name of identifiers) assert.ok(defined.has(name), `${file}: rule ${String(rule['rule'])} uses unknown list/macro ${name}`);
    }
  }
});

test('Velero backs the shop up to the object store on a schedule', () => {
  const values = app('velero').values;
  const location = asObject(asArray(at(values, 'configuration', 'backupStorageLocation'))[0]);
  assert.equal(location['bucket'], 'velero');
  assert.match(String(at(location, 'config', 's3Url')), /seaweedfs-all-in-one\.seaweedfs\.svc/);
  const schedules = Object.values(asObject(values['schedules'])).map(asObject);
  assert.ok(schedules.length > 0, 'no schedule');
  for (const schedule of schedules) {
    assert.match(String(schedule['schedule']), /^(\S+\s+){4}\S+$/, 'a five-field cron expression');
    assert.deepEqual(at(schedule, 'template', 'includedNamespaces'), ['shop']);
    assert.ok(at(schedule, 'template', 'ttl'));
  }
  const buckets = asArray(at(app('seaweedfs').values, 'allInOne', 's3', 'createBuckets')).map((bucket) => String(asObject(bucket)['name']));
  assert.deepEqual([...buckets].sort(), ['loki-chunks', 'loki-ruler', 'pyroscope', 'tempo', 'thanos', 'velero']);
});

test('the chart values carry the settings the platform relies on', () => {
  const kps = asObject(at(app('kube-prometheus-stack').values, 'prometheus', 'prometheusSpec'));
  assert.equal(kps['scrapeInterval'], '15s');
  assert.ok(asArray(kps['enableFeatures']).includes('exemplar-storage'));
  assert.equal(kps['enableRemoteWriteReceiver'], true);
  assert.equal(kps['serviceMonitorSelectorNilUsesHelmValues'], false);
  assert.equal(kps['ruleSelectorNilUsesHelmValues'], false);
  assert.ok(at(kps, 'thanos', 'objectStorageConfig', 'existingSecret', 'name'));
  assert.equal(at(app('kube-prometheus-stack').values, 'grafana', 'enabled'), false, 'Grafana is its own release');

  const loki = app('loki').values;
  assert.equal(loki['deploymentMode'], 'Monolithic');
  assert.equal(at(loki, 'loki', 'storage', 'type'), 's3');
  assert.equal(at(loki, 'loki', 'storage', 's3', 's3ForcePathStyle'), true);
  assert.equal(at(loki, 'loki', 'limits_config', 'allow_structured_metadata'), true);
  assert.equal(at(loki, 'minio', 'enabled'), false, 'the bundled MinIO is deprecated');

  const tempo = asObject(app('tempo').values['tempo']);
  assert.equal(at(tempo, 'storage', 'trace', 'backend'), 's3');
  assert.equal(at(tempo, 'metricsGenerator', 'enabled'), true);
  assert.match(String(at(tempo, 'metricsGenerator', 'remoteWriteUrl')), /\/api\/v1\/write$/);
  const remoteWrite = asArray(at(tempo, 'metricsGenerator', 'storage', 'remote_write')).map(asObject);
  assert.deepEqual(remoteWrite.map((target) => [target['url'], target['send_exemplars']]), [[at(tempo, 'metricsGenerator', 'remoteWriteUrl'), true]], 'span metrics carry exemplars');
  assert.deepEqual(at(tempo, 'overrides', 'defaults', 'metrics_generator', 'processors'), ['service-graphs', 'span-metrics']);

  const pyroscope = app('pyroscope').values;
  assert.equal(at(pyroscope, 'alloy', 'enabled'), false, 'the SDK pushes');
  assert.equal(at(pyroscope, 'pyroscope', 'structuredConfig', 'storage', 'backend'), 's3');

  const collector = app('otel-collector').values;
  assert.ok(collector['mode'] && at(collector, 'image', 'repository'), 'mode and image.repository are required by the chart');
  const exporters = Object.keys(asObject(at(collector, 'config', 'exporters')));
  for (const name of exporters) assert.doesNotMatch(name, /^(otlp|otlphttp)(\/|$)/, `exporter ${name} uses a deprecated name`);
  const pipeline = asObject(at(collector, 'config', 'service', 'pipelines', 'traces'));
  assert.deepEqual(asArray(pipeline['processors']).slice(0, 1), ['memory_limiter'], 'memory_limiter runs first');
  assert.ok(asArray(pipeline['processors']).includes('k8sattributes'));
  assert.equal(at(collector, 'presets', 'kubernetesAttributes', 'enabled'), true);
  for (const exporter of asArray(pipeline['exporters'])) assert.equal(at(collector, 'config', 'exporters', String(exporter), 'sending_queue', 'enabled'), true, 'batching in the exporter queue');

  const istiod = app('istiod').values;
  const provider = asObject(asArray(at(istiod, 'meshConfig', 'extensionProviders'))[0]);
  const [telemetry] = loadFile(join(DEPLOY_DIR, 'platform', 'istio', 'telemetry.yaml'));
  const providers = asArray(at(asArray(at(telemetry?.doc, 'spec', 'tracing'))[0], 'providers')).map((entry) => asObject(entry)['name']);
  assert.deepEqual(providers, [provider['name']], 'the Telemetry resource names the provider istiod defines');
  assert.equal(at(istiod, 'pilot', 'cni', 'enabled'), true, 'no privileged istio-init in the shop pods');
  assert.equal(app('istio-cni').helm?.chart, 'cni');
});

test('the release table of deploy/README.md matches the Applications (name, chart version, wave)', () => {
  const rows = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8')
    .split('\n')
    .filter((line) => /^\| -?\d+ \|/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  for (const candidate of apps.filter((item) => item.project === 'platform')) {
    const row = rows.find((cells) => cells[2]!.split(/,\s*/).includes(candidate.name));
    assert.ok(row, `${candidate.name} is missing from the README's release table`);
    assert.equal(Number(row[1]), candidate.wave, `${candidate.name}: wave`);
    if (candidate.helm) assert.equal(row[4], candidate.helm.version, `${candidate.name}: chart version`);
  }
});
