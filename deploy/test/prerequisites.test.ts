// What the upstream projects require of each other on a real cluster, read from our files: the documented bootstrap
// commands, the Helm values and the manifests. Each check names the upstream document it encodes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluateCondition, measurementPhase } from '../src/analysis-condition.ts';
import { ciliumBootstrap, shellLines } from '../src/chart-values.ts';
import { argoApps, istioGatewayIdentity, OVERLAYS, renderedKustomizations, s3Clients } from '../src/inventory.ts';
import { renderFallback } from '../src/kustomize.ts';
import { asArray, asObject, at, type JsonObject, loadFile, parseYaml } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';
import { journeys } from '@lab/loadtest';
import { type ProfileName, profileOptions, profiles } from '@lab/loadtest/k6/profiles';

const apps = argoApps();
const values = (name: string): JsonObject => {
  const found = apps.find((app) => app.name === name);
  assert.ok(found, `no Application ${name}`);
  return found.values;
};
const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');

/** The Helm values `cilium install` is given in the README (the reader the chart contract check uses too). */
function ciliumInstallValues(markdown: string): JsonObject {
  const installs = shellLines(markdown).filter((line) => /^cilium install\b/.test(line));
  assert.equal(installs.length, 1, `expected one \`cilium install\` in deploy/README.md, found ${installs.length}`);
  return ciliumBootstrap(markdown)!.values;
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

for (const overlay of OVERLAYS) {
  test(`${overlay}: a VirtualService carrying canary weights is bound to a Gateway an installed ingress gateway serves, and k6 enters there`, () => {
    const objects = renderFallback(join(REPO_ROOT, overlay));
    const named = (kind: string, name: string) => objects.find((object) => object['kind'] === kind && at(object, 'metadata', 'name') === name);
    const ingresses = apps.filter((app) => app.helm?.chart === 'gateway' && app.helm.repoURL.includes('istio-release'));
    const istiod = apps.find((app) => app.helm?.chart === 'istiod');
    for (const rollout of objects.filter((object) => object['kind'] === 'Rollout')) {
      const istio = asObject(at(rollout, 'spec', 'strategy', 'canary', 'trafficRouting', 'istio'));
      const virtualServices = [istio['virtualService'], ...asArray(istio['virtualServices'])].filter(Boolean).map((ref) => String(asObject(ref)['name']));
      for (const name of virtualServices) {
        const virtualService = named('VirtualService', name);
        assert.ok(virtualService, `VirtualService ${name}`);
        const gateways = asArray(at(virtualService, 'spec', 'gateways')).map(String);
        // Without gateways: only sidecars apply the weights; callers without one reach stable and canary alike.
        const bound = gateways.filter((gateway) => gateway !== 'mesh').map((gateway) => named('Gateway', gateway.replace(/^[^/]+\//, '')));
        assert.ok(bound.length > 0 && bound.every(Boolean), `VirtualService ${name} must name an ingress Gateway of the overlay in gateways: (has ${JSON.stringify(gateways)})`);
        assert.ok(gateways.includes('mesh'), `VirtualService ${name}: keep "mesh" so in-mesh callers follow the weights too`);
        for (const gateway of bound) {
          const selector = asObject(at(gateway, 'spec', 'selector'));
          const serving = ingresses.filter((app) => Object.entries(selector).every(([key, value]) => istioGatewayIdentity(app).labels[key] === value));
          assert.ok(serving.length > 0, `Gateway ${String(at(gateway, 'metadata', 'name'))} selects ${JSON.stringify(selector)}: no istio/gateway release has those pods`);
          for (const app of serving) assert.equal(app.helm?.version, istiod?.helm?.version, `${app.name}: the ingress gateway runs istiod's version`);
        }
      }
    }
    const testrun = loadFile(join(DEPLOY_DIR, 'platform', 'k6-operator', 'testrun.yaml'))[0]!.doc;
    const baseUrl = asArray(at(testrun, 'spec', 'runner', 'env')).map(asObject).find((entry) => entry['name'] === 'BASE_URL')?.['value'];
    const host = new URL(String(baseUrl)).hostname;
    assert.ok(
      ingresses.some((app) => host === `${istioGatewayIdentity(app).name}.${app.namespace}.svc.cluster.local`),
      `k6 has no sidecar: its BASE_URL (${String(baseUrl)}) must be the ingress gateway for the canary weights to apply`,
    );
  });
}

test('canary analysis: an empty or NaN result never counts as a pass, a value within the SLO does (conditions evaluated as the controller does)', () => {
  const objects = renderFallback(join(REPO_ROOT, OVERLAYS[0]!));
  const templates = objects.filter((object) => object['kind'] === 'AnalysisTemplate');
  assert.ok(templates.length > 0, 'no AnalysisTemplate');
  for (const template of templates) {
    for (const metric of asArray(at(template, 'spec', 'metrics')).map(asObject)) {
      const name = String(metric['name']);
      const conditions = { successCondition: metric['successCondition'] as string | undefined, failureCondition: metric['failureCondition'] as string | undefined };
      const threshold = Number(/<=\s*([\d.]+)/.exec(String(conditions.successCondition ?? conditions.failureCondition))?.[1]);
      assert.ok(Number.isFinite(threshold), `${name}: no threshold found`);
      // No data: no canary traffic, or a label the query relies on is missing. Error also stops promotion (after
      // consecutiveErrorLimit), but a Failed measurement says why at once.
      assert.notEqual(measurementPhase(conditions, []), 'Successful', `${name}: an empty result passes`);
      assert.equal(measurementPhase(conditions, [Number.NaN]), 'Failed', `${name}: NaN (0/0, no requests) passes`);
      assert.equal(measurementPhase(conditions, [threshold]), 'Successful', `${name}: a value at the threshold fails`);
      assert.equal(measurementPhase(conditions, [threshold * 2]), 'Failed', `${name}: a value over the threshold passes`);
      assert.equal(measurementPhase(conditions, [Number.POSITIVE_INFINITY]), 'Failed', `${name}: +Inf passes`);
    }
  }
});

test('the condition evaluator keeps expr semantics: short-circuit, index errors, no JavaScript coercions', () => {
  assert.equal(evaluateCondition('len(result) > 0 && result[0] <= 1', []), false);
  assert.equal(evaluateCondition('len(result) == 0 || isNaN(result[0]) || result[0] <= 0.01', []), true, 'the old condition passed on no data');
  assert.equal(evaluateCondition('!isNaN(result[0]) and not (result[0] > 1)', [0.5]), true);
  assert.throws(() => evaluateCondition('result[0] <= 1', []), /index out of range/);
  assert.throws(() => evaluateCondition('result[0] <= 1 + 1', [1]), /unsupported syntax|unexpected/);
  assert.equal(measurementPhase({ successCondition: 'len(result) > 0 && result[0] <= 1' }, []), 'Error', 'indexed condition on an empty result');
  assert.equal(measurementPhase({ successCondition: 'len(result) == 0 || result[0] <= 1' }, []), 'Error');
  assert.equal(measurementPhase({ successCondition: 'len(result) == 0' }, []), 'Successful');
});

/** Seconds of a Prometheus duration (`90s`, `1h30m`, `3d`); throws on anything else. */
function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  const parts = [...duration.matchAll(/(\d+)(ms|[smhdwy])/g)];
  assert.ok(parts.length > 0 && parts.map((part) => part[0]).join('') === duration, `not a Prometheus duration: ${duration}`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit!]!, 0);
}

test("every rule Prometheus evaluates looks back no further than Prometheus' local retention", () => {
  const prometheus = asObject(at(values('kube-prometheus-stack'), 'prometheus', 'prometheusSpec'));
  const retention = seconds(String(prometheus['retention']));
  // Every PrometheusRule is Prometheus' (ruleSelectorNilUsesHelmValues: false, no Thanos Ruler is deployed).
  assert.equal(prometheus['ruleSelectorNilUsesHelmValues'], false);
  const thanos = values('thanos');
  assert.ok(at(thanos, 'rule', 'enabled') !== true && at(thanos, 'ruler', 'enabled') !== true, 'a Thanos Ruler exists: check its rules against Thanos instead');
  const rules = [...renderedKustomizations(apps).values()].flat().filter((object) => object['kind'] === 'PrometheusRule');
  const ranges = rules.flatMap((rule) =>
    asArray(at(rule, 'spec', 'groups')).flatMap((group) =>
      asArray(asObject(group)['rules']).flatMap((item) => [...String(asObject(item)['expr']).matchAll(/\[(\w+)(?::\w*)?\]/g)].map((match) => ({ rule: String(asObject(item)['record'] ?? asObject(item)['alert']), range: match[1]! }))),
    ),
  );
  assert.ok(ranges.length >= 10, `only ${ranges.length} range selectors found`);
  for (const { rule, range } of ranges) assert.ok(seconds(range) <= retention, `${rule}: [${range}] is longer than Prometheus' retention ${String(prometheus['retention'])}`);
  assert.equal(seconds('1h30m'), 5400);
});

test('the k6 TestRun produces the declared arrival rate: each runner runs rate / parallelism (execution segments)', () => {
  const testrun = loadFile(join(DEPLOY_DIR, 'platform', 'k6-operator', 'testrun.yaml'))[0]!.doc;
  const parallelism = Number(at(testrun, 'spec', 'parallelism'));
  const env = Object.fromEntries(asArray(at(testrun, 'spec', 'runner', 'env')).map(asObject).map((entry) => [String(entry['name']), String(entry['value'])]));
  const profile = /k6-shop-(\w+)/.exec(String(at(testrun, 'spec', 'script', 'configMap', 'name')))?.[1] as ProfileName;
  assert.ok(profile in profiles, `the script ConfigMap names no profile: ${String(at(testrun, 'spec', 'script', 'configMap', 'name'))}`);
  // Iterations per second at the peak over all journeys, as the script's options declare them.
  const peak = (options: ReturnType<typeof profileOptions>) =>
    Object.values(options.scenarios ?? {}).reduce((sum, scenario) => {
      const config = scenario as { rate?: number; stages?: { target: number }[] };
      return sum + (config.rate ?? Math.max(...(config.stages ?? []).map((stage) => stage.target))) / 60;
    }, 0);
  const declared = peak(profileOptions(profile, journeys, {}));
  // k6-operator runs runner i with --execution-segment i/N:(i+1)/N; arrival-rate executors start rate x segment length.
  const perRunner = peak(profileOptions(profile, journeys, { LAB_RATE_SCALE: env['LAB_RATE_SCALE'] })) / parallelism;
  const produced = perRunner * parallelism;
  assert.ok(Math.abs(produced - declared) < 1e-9, `${parallelism} runners x ${perRunner.toFixed(2)}/s = ${produced.toFixed(2)}/s, but ${profile}.ts declares ${declared.toFixed(2)}/s`);
  // Per-minute rounding of each journey's share aside, that is the profile's peak.
  assert.ok(Math.abs(declared - Math.max(...profiles[profile].stages.map((stage) => stage.perSecond))) < 0.1);
  assert.doesNotMatch(readFileSync(join(REPO_ROOT, 'loadtest', 'k6', 'README.md'), 'utf8'), /every runner executes the full rate/);
});

test('every shop container sleeps in preStop before SIGTERM, and sleep + shutdown fit the grace period', () => {
  for (const overlay of OVERLAYS) {
    const workloads = renderFallback(join(REPO_ROOT, overlay)).filter((object) => object['kind'] === 'Deployment');
    assert.ok(workloads.length >= 4, `${overlay}: only ${workloads.length} Deployments`);
    for (const workload of workloads) {
      const pod = asObject(at(workload, 'spec', 'template', 'spec'));
      const grace = Number(pod['terminationGracePeriodSeconds'] ?? 30);
      for (const container of asArray(pod['containers']).map(asObject)) {
        const where = `${overlay} ${String(at(workload, 'metadata', 'name'))}/${String(container['name'])}`;
        const preStop = asObject(at(container, 'lifecycle', 'preStop'));
        const command = asArray(at(preStop, 'exec', 'command')).map(String);
        const sleep = Number(at(preStop, 'sleep', 'seconds') ?? (command[0] === 'sleep' ? command[1] : Number.NaN));
        assert.ok(sleep >= 1, `${where}: no preStop sleep: at SIGTERM the server closes while endpoints still route to it`);
        const env = asArray(container['env']).map(asObject);
        // The library's default flush deadline (packages/telemetry/src/config/config.ts) unless the env sets one.
        const shutdownMs = Number(env.find((entry) => entry['name'] === 'LAB_TELEMETRY_SHUTDOWN_TIMEOUT_MS')?.['value'] ?? 5000);
        assert.ok(sleep + shutdownMs / 1000 < grace, `${where}: preStop ${sleep} s + shutdown ${shutdownMs / 1000} s do not fit terminationGracePeriodSeconds ${grace}`);
      }
    }
  }
});

test('Istio makes the root sampling decision and the services follow it (parent-based, same ratio for their own roots)', () => {
  const telemetry = loadFile(join(DEPLOY_DIR, 'platform', 'istio', 'telemetry.yaml')).find((manifest) => manifest.doc['kind'] === 'Telemetry' && at(manifest.doc, 'metadata', 'namespace') === 'istio-system');
  assert.ok(telemetry, 'no mesh-wide Telemetry in istio-system');
  const percentage = Number(at(asArray(at(telemetry.doc, 'spec', 'tracing'))[0], 'randomSamplingPercentage'));
  assert.ok(percentage > 0 && percentage <= 100, `randomSamplingPercentage ${percentage}`);
  for (const overlay of OVERLAYS) {
    for (const workload of renderFallback(join(REPO_ROOT, overlay)).filter((object) => object['kind'] === 'Deployment')) {
      const env = new Map(asArray(at(asArray(at(workload, 'spec', 'template', 'spec', 'containers'))[0], 'env')).map(asObject).map((entry) => [entry['name'], entry['value']]));
      const where = `${overlay} ${String(at(workload, 'metadata', 'name'))}`;
      // The library's default is parentbased_always_on (packages/telemetry/README.md).
      const sampler = String(env.get('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on');
      assert.match(sampler, /^parentbased_/, `${where}: ${sampler} would overrule the decision Envoy made upstream`);
      if (sampler === 'parentbased_traceidratio') {
        assert.equal(Number(env.get('OTEL_TRACES_SAMPLER_ARG') ?? 1), percentage / 100, `${where}: its own roots are sampled at another ratio than Istio's ${percentage} %`);
      }
    }
  }
});

test('every S3 client uses an existing bucket of the object store with a key that may read, write and list it', () => {
  const store = apps.find((app) => app.name === 'seaweedfs');
  assert.ok(store, 'no seaweedfs Application');
  const buckets = new Set(asArray(at(store.values, 'allInOne', 's3', 'createBuckets')).map((bucket) => String(asObject(bucket)['name'])));
  // The identities SeaweedFS loads (`seaweedfs_s3_config`), from the ExternalSecret that renders them.
  const secretName = String(at(store.values, 'allInOne', 's3', 'existingConfigSecret'));
  const source = loadFile(join(DEPLOY_DIR, 'platform', 'external-secrets', 'config', 'seaweedfs.yaml')).find((manifest) => at(manifest.doc, 'spec', 'target', 'name') === secretName);
  assert.ok(source, `no ExternalSecret makes ${secretName}`);
  const template = String(at(source.doc, 'spec', 'target', 'template', 'data', 'seaweedfs_s3_config'));
  const identities = asArray(asObject(JSON.parse(template.replace(/\{\{[^}]*\}\}/g, 'x')))['identities']).map(asObject);
  const actionsOf = (accessKey: string) =>
    identities.find((identity) => asArray(identity['credentials']).some((credential) => asObject(credential)['accessKey'] === accessKey))?.['actions'];
  const clients = s3Clients(apps);
  for (const { who, bucket, accessKey } of clients) {
    assert.ok(buckets.has(bucket), `${who}: bucket ${bucket} is not created`);
    const actions = asArray(actionsOf(accessKey)).map(String);
    for (const action of ['Read', 'Write', 'List']) assert.ok(actions.includes(`${action}:${bucket}`) || actions.includes(action) || actions.includes('Admin'), `${who}: key ${accessKey} lacks ${action} on ${bucket}`);
  }
  // Velero's key cannot touch the telemetry, nor the other way round.
  assert.ok(!asArray(actionsOf('velero')).some((action) => /:(?!velero$)/.test(String(action))), 'the velero key reaches other buckets');
});
