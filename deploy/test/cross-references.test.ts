// The names that tie deploy/ together and to the other layers: Service selectors and ports, ServiceMonitors, the
// canary's objects, every in-cluster URL, the conventions' ports and env, Fluent Bit's trace field against the
// library's log key, Grafana's datasource UIDs and URLs, pinned images.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { conventionDatasourceUids, conventionPorts, downstreamsInCode, libraryEnumValues, libraryLogKeys, secretVariablesInCode } from '../src/conventions.ts';
import { type Endpoint, findEndpoints, platformCatalog, type ServiceRef, unresolved } from '../src/endpoints.ts';
import { parseClassicConfig, pipelineProblems, value } from '../src/fluent-bit.ts';
import { argoApps, OVERLAYS, renderedKustomizations } from '../src/inventory.ts';
import { imageProblem } from '../src/kyverno-intent.ts';
import { asArray, asObject, at, type Json, type JsonObject, loadDir, loadFile, parseYaml } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';
import { podTemplates, selects, stringMap } from '../src/workloads.ts';

const apps = argoApps();
const rendered = renderedKustomizations(apps);
const byKind = (objects: JsonObject[], kind: string) => objects.filter((object) => object['kind'] === kind);
const nameOf = (object: Json | undefined) => String(at(object, 'metadata', 'name'));
const helmApp = (name: string) => {
  const found = apps.find((app) => app.name === name && app.helm);
  assert.ok(found, `no Helm Application ${name}`);
  return found;
};

for (const overlay of OVERLAYS) {
  const objects = rendered.get(overlay)!;
  const pods = podTemplates(objects);
  const services = byKind(objects, 'Service');

  test(`${overlay}: every Service selects pods and targets a port they expose`, () => {
    assert.ok(services.length >= 6);
    for (const service of services) {
      const selector = stringMap(at(service, 'spec', 'selector'));
      const matching = pods.filter((pod) => selects(selector, pod.labels));
      assert.ok(matching.length > 0, `Service ${nameOf(service)} selects no pod`);
      for (const port of asArray(at(service, 'spec', 'ports')).map(asObject)) {
        for (const pod of matching) {
          const exposed = asArray(pod.spec['containers']).flatMap((container) => asArray(asObject(container)['ports'])).map(asObject);
          assert.ok(
            exposed.some((candidate) => candidate['name'] === port['targetPort'] || candidate['containerPort'] === port['targetPort']),
            `Service ${nameOf(service)} targets ${String(port['targetPort'])}, which ${pod.owner} does not expose`,
          );
        }
      }
    }
  });

  test(`${overlay}: each ServiceMonitor selects exactly one Service, on a port it has, with job = service name`, () => {
    const monitors = byKind(objects, 'ServiceMonitor');
    assert.equal(monitors.length, 4);
    for (const monitor of monitors) {
      const selected = services.filter((service) => selects(stringMap(at(monitor, 'spec', 'selector', 'matchLabels')), stringMap(at(service, 'metadata', 'labels'))));
      assert.equal(selected.length, 1, `ServiceMonitor ${nameOf(monitor)} selects ${selected.map(nameOf).join(', ') || 'nothing'}`);
      const service = selected[0]!;
      const jobLabel = String(at(monitor, 'spec', 'jobLabel'));
      assert.equal(at(service, 'metadata', 'labels', jobLabel), nameOf(service), 'the job label is the service name');
      const portNames = asArray(at(service, 'spec', 'ports')).map((port) => asObject(port)['name']);
      for (const endpoint of asArray(at(monitor, 'spec', 'endpoints')).map(asObject)) {
        assert.ok(portNames.includes(endpoint['port']), `ServiceMonitor ${nameOf(monitor)} scrapes port ${String(endpoint['port'])}`);
        assert.equal(endpoint['path'], '/metrics');
        assert.equal(endpoint['interval'], '15s');
      }
      assert.equal(asArray(at(monitor, 'spec', 'scrapeProtocols'))[0], 'OpenMetricsText1.0.0', 'OpenMetrics first: exemplars');
    }
  });

  test(`${overlay}: services use the conventions' ports and the telemetry env`, () => {
    const ports = conventionPorts();
    assert.equal(ports.size, 4);
    const deployments = byKind(objects, 'Deployment');
    for (const [service, expected] of ports) {
      const deployment = deployments.find((candidate) => nameOf(candidate) === service);
      assert.ok(deployment, `no Deployment ${service}`);
      const container = asObject(asArray(at(deployment, 'spec', 'template', 'spec', 'containers'))[0]);
      const env = new Map(asArray(container['env']).map((entry) => [String(asObject(entry)['name']), asObject(entry)]));
      const containerPorts = Object.fromEntries(asArray(container['ports']).map((port) => [String(asObject(port)['name']), asObject(port)['containerPort']]));
      assert.deepEqual(containerPorts, { http: expected.port, admin: expected.adminPort }, service);
      assert.equal(env.get('PORT')?.['value'], String(expected.port));
      assert.equal(env.get('ADMIN_PORT')?.['value'], String(expected.adminPort));
      const downward: Record<string, string> = {
        K8S_POD_NAME: 'metadata.name',
        K8S_NAMESPACE_NAME: 'metadata.namespace',
        K8S_NODE_NAME: 'spec.nodeName',
        K8S_DEPLOYMENT_NAME: "metadata.labels['app.kubernetes.io/name']",
        OTEL_SERVICE_NAME: "metadata.labels['app.kubernetes.io/name']",
      };
      for (const [name, fieldPath] of Object.entries(downward)) assert.equal(at(env.get(name), 'valueFrom', 'fieldRef', 'fieldPath'), fieldPath, `${service} ${name}`);
      assert.equal(at(deployment, 'spec', 'template', 'metadata', 'labels', 'app.kubernetes.io/name'), service, 'the label the Downward API reads');
      for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'PYROSCOPE_SERVER_ADDRESS', 'OTEL_RESOURCE_ATTRIBUTES', 'DATA_DIR']) assert.ok(env.get(name)?.['value'], `${service} ${name}`);
      const mounts = asArray(container['volumeMounts']).map(asObject);
      const dataMount = mounts.find((mount) => mount['mountPath'] === env.get('DATA_DIR')?.['value']);
      assert.ok(dataMount, `${service}: DATA_DIR is not a mounted volume (the root filesystem is read-only)`);
      const volume = asArray(at(deployment, 'spec', 'template', 'spec', 'volumes')).map(asObject).find((candidate) => candidate['name'] === dataMount['name']);
      assert.ok(volume?.['emptyDir'] || volume?.['persistentVolumeClaim'], `${service}: DATA_DIR volume is neither emptyDir nor PVC`);
      const secrets = secretVariablesInCode(service);
      assert.ok(secrets.includes('LAB_ADMIN_TOKEN'), `${service}: the admin token is read through the kit`);
      for (const variable of secrets) {
        assert.ok(env.get(variable), `${service}: its code reads ${variable} but the Deployment does not set it`);
        const ref = asObject(at(env.get(variable), 'valueFrom', 'secretKeyRef'));
        const externalSecret = byKind(objects, 'ExternalSecret').find((candidate) => at(candidate, 'spec', 'target', 'name') === ref['name']);
        assert.ok(externalSecret, `${service}: ${variable}'s Secret ${String(ref['name'])} is not made by an ExternalSecret`);
        assert.ok(asArray(at(externalSecret, 'spec', 'data')).some((entry) => asObject(entry)['secretKey'] === ref['key']), `${variable}: the ExternalSecret provides the key`);
      }
    }
  });

  test(`${overlay}: each service gets the downstream URLs its code asks for, and env values the library accepts`, () => {
    const accepted = libraryEnumValues();
    for (const deployment of byKind(objects, 'Deployment')) {
      const service = nameOf(deployment);
      const env = new Map(
        asArray(at(asArray(at(deployment, 'spec', 'template', 'spec', 'containers'))[0], 'env')).map((entry) => [String(asObject(entry)['name']), asObject(entry)['value']]),
      );
      const urls = [...env.keys()].filter((name) => /^[A-Z]+_URL$/.test(name) && name !== 'PYROSCOPE_SERVER_ADDRESS').map((name) => name.replace(/_URL$/, '').toLowerCase());
      assert.deepEqual(urls.sort(), downstreamsInCode(service), `${service}: *_URL env vs downstreamFromEnv() in services/${service}/src`);
      for (const [name, values] of Object.entries(accepted)) {
        const value = env.get(name);
        if (typeof value !== 'string') continue;
        for (const item of value.split(',')) assert.ok(values.includes(item.trim()), `${service}: ${name}=${value}: ${item} is not one of ${values.join(', ')}`);
      }
    }
    assert.deepEqual(downstreamsInCode('gateway').length > 0 && downstreamsInCode('orders').length > 0, true, 'the services read their downstreams');
  });

  test(`${overlay}: the canary's Rollout, Services, VirtualService, analysis, HPAs and PDBs point at real objects`, () => {
    const [rollout] = byKind(objects, 'Rollout');
    assert.ok(rollout, 'no Rollout');
    const workload = asObject(at(rollout, 'spec', 'workloadRef'));
    const deployment = byKind(objects, 'Deployment').find((candidate) => nameOf(candidate) === workload['name']);
    assert.ok(deployment && workload['kind'] === 'Deployment', 'workloadRef names a Deployment of the overlay');
    assert.deepEqual(at(rollout, 'spec', 'selector'), at(deployment, 'spec', 'selector'));
    const canary = asObject(at(rollout, 'spec', 'strategy', 'canary'));
    for (const key of ['canaryService', 'stableService']) assert.ok(services.some((service) => nameOf(service) === canary[key]), `${key} ${String(canary[key])}`);
    const virtualService = byKind(objects, 'VirtualService').find((candidate) => nameOf(candidate) === at(canary, 'trafficRouting', 'istio', 'virtualService', 'name'));
    assert.ok(virtualService, 'the VirtualService the canary routes through');
    const routes = asArray(at(virtualService, 'spec', 'http')).map(asObject);
    for (const route of asArray(at(canary, 'trafficRouting', 'istio', 'virtualService', 'routes'))) {
      const http = routes.find((candidate) => candidate['name'] === route);
      assert.ok(http, `route ${String(route)}`);
      const hosts = asArray(http['route']).map((destination) => at(destination, 'destination', 'host')).sort();
      assert.deepEqual(hosts, [canary['canaryService'], canary['stableService']].sort());
    }
    for (const template of asArray(at(canary, 'analysis', 'templates'))) {
      const analysis = byKind(objects, 'AnalysisTemplate').find((candidate) => nameOf(candidate) === asObject(template)['templateName']);
      assert.ok(analysis, 'the AnalysisTemplate exists');
      const declared = asArray(at(analysis, 'spec', 'args')).map((arg) => asObject(arg)['name']);
      for (const arg of asArray(at(canary, 'analysis', 'args'))) assert.ok(declared.includes(asObject(arg)['name']), `argument ${String(asObject(arg)['name'])} declared`);
    }
    const scalable = [...byKind(objects, 'Deployment'), rollout].filter((candidate) => !(candidate['kind'] === 'Deployment' && nameOf(candidate) === workload['name']));
    for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
      const target = asObject(at(hpa, 'spec', 'scaleTargetRef'));
      assert.ok(scalable.some((candidate) => candidate['kind'] === target['kind'] && nameOf(candidate) === target['name'] && candidate['apiVersion'] === target['apiVersion']), `HPA ${nameOf(hpa)} -> ${JSON.stringify(target)}`);
    }
    for (const pdb of byKind(objects, 'PodDisruptionBudget')) {
      assert.ok(pods.some((pod) => selects(stringMap(at(pdb, 'spec', 'selector', 'matchLabels')), pod.labels)), `PDB ${nameOf(pdb)} selects no pod`);
    }
  });
}

/** The Services an endpoint may resolve to: the platform catalog plus every Service Argo CD syncs. */
function knownServices(): ServiceRef[] {
  const synced = [...rendered.values()].flat().filter((object) => object['kind'] === 'Service');
  return [
    ...platformCatalog(),
    ...synced.map((service) => ({
      namespace: String(at(service, 'metadata', 'namespace')),
      name: nameOf(service),
      ports: asArray(at(service, 'spec', 'ports')).map((port) => Number(asObject(port)['port'])),
    })),
  ];
}

test('the platform catalog matches the releases: each Service comes from an Application in its namespace that fixes its name', () => {
  for (const entry of platformCatalog()) {
    const app = helmApp(entry.release!);
    assert.equal(app.namespace, entry.namespace, `${entry.name}: release ${entry.release} deploys to ${app.namespace}`);
    // Istio's gateway chart names its objects by `name` instead; Pyroscope's reads `pyroscope.fullnameOverride`.
    const prefix = String(app.values['fullnameOverride'] ?? app.values['name'] ?? at(app.values, 'pyroscope', 'fullnameOverride') ?? '');
    assert.ok(prefix && entry.name.startsWith(prefix), `${entry.name}: release ${entry.release} must set fullnameOverride to a prefix of it (has "${prefix}")`);
  }
});

test('every in-cluster URL in deploy/ resolves to a Service and port that exist', () => {
  const endpoints: Endpoint[] = [];
  for (const app of apps) {
    if (app.helm) endpoints.push(...findEndpoints(app.values, `${app.name} values`, app.namespace));
  }
  for (const [path, objects] of rendered) {
    for (const [index, object] of objects.entries()) {
      endpoints.push(...findEndpoints(object, `${path}#${index} ${String(object['kind'])}`, String(at(object, 'metadata', 'namespace') ?? '')));
    }
  }
  for (const manifest of loadFile(join(DEPLOY_DIR, 'platform', 'k6-operator', 'testrun.yaml'))) {
    endpoints.push(...findEndpoints(manifest.doc, manifest.file, String(at(manifest.doc, 'metadata', 'namespace'))));
  }
  assert.ok(endpoints.length >= 25, `only ${endpoints.length} endpoints found: the scan is broken`);
  const services = knownServices();
  assert.deepEqual(endpoints.map((endpoint) => unresolved(endpoint, services)).filter(Boolean), []);
  assert.ok(unresolved({ where: 'control', host: 'tempo', namespace: 'monitoring', port: 9999 }, services), 'a wrong port is caught');
  assert.ok(unresolved({ where: 'control', host: 'tempoo', namespace: 'monitoring', port: 3200 }, services), 'a wrong name is caught');
});

test("Fluent Bit ships the library's trace field as structured metadata and only service_name, namespace, level as labels", () => {
  const keys = libraryLogKeys();
  const config = Object.values(asObject(helmApp('fluent-bit').values['config'])).map(String).join('\n');
  assert.deepEqual(pipelineProblems(parseClassicConfig(config), keys), [], `log keys from ${keys.source}`);
  const output = parseClassicConfig(config).find((section) => section.name === 'OUTPUT')!;
  assert.equal(value(output, 'host'), `loki.${helmApp('loki').namespace}.svc.cluster.local`);
  // Negative controls: the mistakes the check exists for.
  const asLabel = config.replace('level=$level', `level=$level, trace_id=$${keys.traceId}`);
  assert.ok(pipelineProblems(parseClassicConfig(asLabel), keys).some((problem) => /labels are|used as a label/.test(problem)));
  const wrongKey = config.replace(/structured_metadata .*/, 'structured_metadata_keys trace_id');
  assert.ok(pipelineProblems(parseClassicConfig(wrongKey), keys).some((problem) => /structured_metadata_keys does not exist/.test(problem)));
  assert.ok(pipelineProblems(parseClassicConfig(config), { ...keys, traceId: 'traceId' }).length > 0, 'a renamed library key is caught');
});

const DATASOURCES = join(REPO_ROOT, 'dashboards', 'provisioning', 'datasources.yaml');
test('Grafana datasources: the conventions\' UIDs, every reference resolves, every URL variable is set to a real Service', { skip: existsSync(DATASOURCES) ? false : 'dashboards/provisioning/datasources.yaml does not exist yet' }, () => {
  const [provisioning] = parseYaml(readFileSync(DATASOURCES, 'utf8'), 'datasources.yaml');
  const datasources = asArray(asObject(provisioning)['datasources']).map(asObject);
  const uids = datasources.map((datasource) => String(datasource['uid']));
  assert.deepEqual([...uids].sort(), [...conventionDatasourceUids()].sort());
  const referenced = JSON.stringify(datasources).match(/"datasourceUid":"([^"]+)"/g) ?? [];
  assert.ok(referenced.length >= 5, 'the correlations reference other datasources');
  for (const reference of referenced) assert.ok(uids.includes(reference.split(':')[1]!.replaceAll('"', '')), reference);
  const keys = libraryLogKeys();
  const loki = datasources.find((datasource) => datasource['uid'] === 'loki');
  assert.ok(asArray(at(loki, 'jsonData', 'derivedFields')).some((field) => asObject(field)['matcherRegex'] === keys.traceId && asObject(field)['matcherType'] === 'label'), 'Loki derives traces from the structured metadata field');
  const env = asObject(helmApp('grafana').values['env']);
  const grafana = helmApp('grafana');
  const services = knownServices();
  for (const datasource of datasources) {
    const variable = /^\$\{(\w+)\}$/.exec(String(datasource['url']))?.[1];
    const url = variable ? env[variable] : datasource['url'];
    assert.ok(typeof url === 'string' && url, `${String(datasource['uid'])}: ${String(datasource['url'])} is not set in the Grafana values`);
    const endpoints = findEndpoints(url, `grafana env ${variable}`, grafana.namespace);
    assert.equal(endpoints.length, 1, `${url} is not an in-cluster URL`);
    assert.equal(unresolved(endpoints[0]!, services), undefined);
  }
});

/** Every string under a key named image, and every image built from repository + tag. */
function images(value: Json | undefined, where: string): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => images(item, `${where}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]): [string, string][] => {
    if (key === 'image' && typeof item === 'string') return [[`${where}.image`, item]];
    if (key === 'image' && item && typeof item === 'object' && !Array.isArray(item) && typeof item['tag'] === 'string') {
      return [[`${where}.image`, `${String(item['repository'])}:${item['tag']}`]];
    }
    return images(item, `${where}.${key}`);
  });
}

test('every image is pinned (a tag that is not latest, or a digest); charts pin theirs through the chart version', () => {
  const found: [string, string][] = [];
  // Kyverno patterns (`!*:latest`) are not images.
  for (const [path, objects] of rendered) found.push(...images(objects.filter((object) => !/Policy$/.test(String(object['kind']))) as Json, path));
  for (const app of apps) if (app.helm) found.push(...images(app.values, `${app.name} values`));
  for (const manifest of loadDir(join(DEPLOY_DIR, 'platform', 'k6-operator'))) found.push(...images(manifest.doc, manifest.file));
  assert.ok(found.length >= 10, `only ${found.length} images found`);
  assert.deepEqual(found.map(([where, image]) => (imageProblem(image) ? `${where}: ${imageProblem(image)}` : '')).filter(Boolean), []);
});
