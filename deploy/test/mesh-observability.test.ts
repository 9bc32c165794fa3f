// The mesh's own signals and Kiali, cross-referenced with the rest: the Telemetry resources name providers istiod
// defines; the ingress gateway's access log carries the fields Fluent Bit ships to Loki (service_name, level labels,
// trace_id as structured metadata) under the service name Istio's tracer gives the gateway, so Grafana's "logs for
// this span" finds it; Kiali's values fit the Kiali CR's schema (kiali-operator, its contract under deploy/upstream/crds),
// log in with tokens, read Thanos Query, and link to Grafana and to Tempo through Grafana's datasource.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { crdSchema, loadCrdContract } from '../src/crd-contract.ts';
import { platformCatalog } from '../src/endpoints.ts';
import { keyValueList, parseClassicConfig, value } from '../src/fluent-bit.ts';
import { argoApps, istioGatewayIdentity, renderedKustomizations } from '../src/inventory.ts';
import { asArray, asObject, at, type Json, type JsonObject, loadDir } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const apps = argoApps();
const app = (name: string) => {
  const found = apps.find((candidate) => candidate.name === name);
  assert.ok(found, `no Application ${name}`);
  return found;
};
const istioObjects = loadDir(join(DEPLOY_DIR, 'platform', 'istio')).filter((manifest) => manifest.doc['kind'] === 'Telemetry');
const providers = asArray(at(app('istiod').values, 'meshConfig', 'extensionProviders')).map(asObject);
const provider = (name: string) => providers.find((entry) => entry['name'] === name);
const datasources = parse(readFileSync(join(REPO_ROOT, 'dashboards', 'provisioning', 'datasources.yaml'), 'utf8')) as JsonObject;
const datasource = (uid: string) => asArray(datasources['datasources']).map(asObject).find((entry) => entry['uid'] === uid);

test('every Telemetry resource names providers istiod defines; tracing reaches the collector on its OTLP gRPC port', () => {
  assert.ok(istioObjects.length >= 2);
  for (const { doc, file } of istioObjects) {
    for (const section of ['tracing', 'accessLogging', 'metrics']) {
      for (const entry of asArray(at(doc, 'spec', section))) {
        for (const named of asArray(asObject(entry)['providers'])) assert.ok(provider(String(asObject(named)['name'])), `${file}: ${section} provider ${asObject(named)['name']} is not in meshConfig.extensionProviders`);
      }
    }
  }
  const tracing = providers.find((entry) => entry['opentelemetry']);
  const target = asObject(tracing?.['opentelemetry']);
  const [name, namespace] = String(target['service']).split('.');
  const service = platformCatalog().find((entry) => entry.name === name && entry.namespace === namespace);
  assert.ok(service?.ports.includes(Number(target['port'])), `${target['service']}:${target['port']} is not a platform Service port`);
  const grpc = String(at(app('otel-collector').values, 'config', 'receivers', 'otlp', 'protocols', 'grpc', 'endpoint'));
  assert.ok(grpc.endsWith(`:${target['port']}`), `the collector's OTLP gRPC receiver listens on ${grpc}`);
});

function gatewayIdentity() {
  const gateway = app('istio-ingressgateway');
  const { name, labels } = istioGatewayIdentity(gateway);
  return { namespace: gateway.namespace, workload: name, app: labels['app']!, istio: labels['istio']! };
}

/** What the ingress access log format lacks for the Loki pipeline and the trace links. */
function accessLogProblems(format: JsonObject, env: Record<string, string>, expectedService: string): string[] {
  const problems: string[] = [];
  const fluentBit = parseClassicConfig(String(at(app('fluent-bit').values, 'config', 'outputs')));
  const loki = fluentBit.find((section) => value(section, 'name') === 'loki')!;
  // Fields the loki output reads from the record: `$field` in labels and structured metadata.
  const read = [...keyValueList(value(loki, 'labels')), ...keyValueList(value(loki, 'structured_metadata'))].map(([, source]) => /^\$(\w+)$/.exec(source)?.[1]).filter((field): field is string => Boolean(field));
  for (const field of ['service', 'level', 'trace_id']) {
    if (!read.includes(field)) problems.push(`Fluent Bit no longer reads ${field}`);
    if (typeof format[field] !== 'string') problems.push(`the access log has no ${field}`);
  }
  if (format['trace_id'] !== '%TRACE_ID%') problems.push('trace_id must be Envoy\'s %TRACE_ID% (the trace the ingress started or joined)');
  if (!['debug', 'info', 'warn', 'error'].includes(String(format['level']))) problems.push(`level ${format['level']} is not one of the services' levels`);
  const service = String(format['service']).replace(/%ENVIRONMENT\((\w+)\)%/g, (_, name: string) => env[name] ?? `<${name} unset>`);
  if (service !== expectedService) problems.push(`service renders as ${service}, the gateway's spans are named ${expectedService}`);
  return problems;
}

test("the ingress gateway's access log reaches Loki with its trace id, under the name its spans carry", () => {
  const identity = gatewayIdentity();
  const ingress = istioObjects.find(({ doc }) => at(doc, 'spec', 'accessLogging'));
  assert.ok(ingress, 'no Telemetry with accessLogging');
  assert.equal(at(ingress.doc, 'metadata', 'namespace'), identity.namespace, 'the Telemetry lives in the gateway namespace');
  assert.deepEqual(at(ingress.doc, 'spec', 'selector', 'matchLabels'), { istio: identity.istio }, 'selects the gateway pods');
  const name = String(asObject(asArray(at(asArray(at(ingress.doc, 'spec', 'accessLogging'))[0], 'providers'))[0])['name']);
  const file = asObject(provider(name)?.['envoyFileAccessLog']);
  assert.equal(file['path'], '/dev/stdout', 'Fluent Bit tails container stdout');
  const format = asObject(at(file, 'logFormat', 'labels'));
  // Istio names a proxy's spans <canonical service>.<namespace> (the app label, for the gateway chart); Envoy knows
  // its workload (the Deployment's name) and namespace from ISTIO_META_WORKLOAD_NAME and POD_NAMESPACE, which the
  // gateway injection template sets (istio/istio 1.30.2, f888ab4c8a0c3d0427bb0053fbebbe6b1f7e9a91,
  // manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml).
  const env = { ISTIO_META_WORKLOAD_NAME: identity.workload, POD_NAMESPACE: identity.namespace };
  const spanService = `${identity.app}.${identity.namespace}`;
  assert.deepEqual(accessLogProblems(format, env, spanService), []);
  assert.equal(format['msg'], 'request completed', 'the access line of docs/conventions.md');
  // Grafana looks logs up by service.name -> service_name.
  const tags = asArray(at(datasource('tempo'), 'jsonData', 'tracesToLogsV2', 'tags')).map(asObject);
  assert.ok(tags.some((tag) => tag['key'] === 'service.name' && tag['value'] === 'service_name'));
  // Negative controls.
  const { trace_id: _dropped, ...withoutTrace } = format;
  assert.ok(accessLogProblems(withoutTrace, env, spanService).some((problem) => /no trace_id/.test(problem)));
  assert.ok(accessLogProblems({ ...format, service: '%ENVIRONMENT(POD_NAME)%' }, env, spanService).some((problem) => /service renders as/.test(problem)));
  // The Telemetry in the gateway's namespace syncs after the Application that creates that namespace.
  const holder = apps.find((candidate) => candidate.paths.includes('deploy/platform/istio'))!;
  assert.ok(holder.wave > app('istio-ingressgateway').wave, `${holder.name} (wave ${holder.wave}) before istio-ingressgateway`);
});

// The Kiali CR spec's contract as a closed JSON Schema: a key the CR does not declare is an error (Kiali would ignore it).
const kialiCr = loadCrdContract('kiali', '2.29.0');
const validateKiali = new Ajv({ allErrors: true, strict: false }).compile(crdSchema(kialiCr));
const kialiProblems = (values: JsonObject) => {
  // kiali_route_url is the chart's own key; the template drops it before writing the config (configmap.yaml).
  const { kiali_route_url: _route, ...config } = values;
  return validateKiali(config) ? [] : (validateKiali.errors ?? []).map((error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
};

test("Kiali's values fit the Kiali CR of its version and log in with a token, read-only", () => {
  const kiali = app('kiali');
  assert.equal(kiali.helm?.chart, 'kiali-server');
  assert.equal(`v${kiali.helm.version}`, kialiCr.source.tag, 'the CR schema of the pinned release');
  assert.deepEqual(kialiProblems(kiali.values), []);
  assert.ok(['token', 'openid', 'header'].includes(String(at(kiali.values, 'auth', 'strategy'))), 'never anonymous (the chart default strategy on Kubernetes is token; be explicit)');
  assert.equal(at(kiali.values, 'deployment', 'view_only_mode'), true);
  // Negative controls: a misspelt key and a wrong type are caught.
  assert.ok(kialiProblems({ ...kiali.values, external_services: { tracing: { tempo_config: { datasourceUid: 'tempo' } } } }).some((problem) => /additionalProperty":"datasourceUid"/.test(problem)));
  assert.ok(kialiProblems({ auth: { strategy: 'password' } }).some((problem) => /allowedValues/.test(problem)));
  assert.ok(kialiProblems({ deployment: { custom_envs: [{ name: 'X', valu: '1' }] } }).some((problem) => /custom_envs\/0 must have required property 'value'/.test(problem)));
});

test('Kiali reads Thanos Query and Istio metrics, links to Grafana and to Tempo traces through the tempo datasource', () => {
  const kiali = app('kiali');
  const services = at(kiali.values, 'external_services');
  const host = (url: Json | undefined) => {
    const parsed = new URL(String(url));
    const [name, namespace] = parsed.hostname.split('.');
    return { name, namespace, port: Number(parsed.port || 80) };
  };
  const catalog = platformCatalog();
  const releaseOf = (url: Json | undefined) => {
    const target = host(url);
    const entry = catalog.find((service) => service.name === target.name && service.namespace === target.namespace);
    assert.ok(entry?.ports.includes(target.port), `${url} is not a platform Service port`);
    return entry?.release;
  };
  assert.equal(releaseOf(at(services, 'prometheus', 'url')), 'thanos');
  assert.equal(at(services, 'prometheus', 'thanos_proxy', 'enabled'), true);
  assert.equal(at(services, 'prometheus', 'thanos_proxy', 'scrape_interval'), '15s', 'the ServiceMonitors\' interval');
  assert.equal(releaseOf(at(services, 'grafana', 'internal_url')), 'grafana');
  assert.equal(at(services, 'tracing', 'provider'), 'tempo');
  assert.equal(releaseOf(at(services, 'tracing', 'internal_url')), 'tempo');
  assert.equal(at(services, 'tracing', 'use_grpc'), false, 'the HTTP API port');
  assert.ok(datasource(String(at(services, 'tracing', 'tempo_config', 'datasource_uid')))?.['type'] === 'tempo', 'trace links open a Tempo datasource of Grafana');
  assert.equal(at(services, 'tracing', 'tempo_config', 'url_format'), 'grafana');
  assert.equal(at(services, 'tracing', 'external_url'), at(services, 'grafana', 'external_url'), 'trace links go through Grafana');
  // After the backends it reads.
  for (const backend of ['thanos', 'tempo']) assert.ok(kiali.wave > app(backend).wave, `kiali before ${backend}`);

  // `secret:<name>:<key>` credentials: the chart mounts the Secret; an ExternalSecret of platform/kiali creates it
  // in Kiali's namespace from the seed secret deploy/README.md creates.
  const references = JSON.stringify(services).match(/secret:[\w-]+:[\w-]+/g) ?? [];
  assert.ok(references.length >= 2);
  const kialiDir = loadDir(join(DEPLOY_DIR, 'platform', 'kiali'));
  const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
  for (const reference of references) {
    const [, name, key] = reference.split(':');
    const secret = kialiDir.find(({ doc }) => doc['kind'] === 'ExternalSecret' && at(doc, 'spec', 'target', 'name') === name);
    assert.ok(secret, `no ExternalSecret creates ${name}`);
    assert.equal(at(secret.doc, 'metadata', 'namespace'), kiali.namespace);
    const data = asArray(at(secret.doc, 'spec', 'data')).map(asObject).find((entry) => entry['secretKey'] === key);
    assert.ok(data, `${name} has no key ${key}`);
    const remote = asObject(data['remoteRef']);
    assert.match(readme, new RegExp(`create secret generic ${remote['key']} [^\\n]*--from-literal=${remote['property']}=`), `the seed secret ${remote['key']} lacks ${remote['property']}`);
  }

  // The graph's metrics: every istio-proxy (sidecars and the ingress gateway) and istiod are scraped.
  const monitors = kialiDir.map(({ doc }) => doc);
  const envoy = monitors.find((doc) => doc['kind'] === 'PodMonitor');
  const endpoint = asObject(asArray(at(envoy, 'spec', 'podMetricsEndpoints'))[0]);
  assert.equal(endpoint['path'], '/stats/prometheus');
  assert.equal(endpoint['port'], 'http-envoy-prom', 'the Envoy stats port every istio-proxy container declares');
  assert.ok(asArray(endpoint['relabelings']).map(asObject).some((rule) => rule['action'] === 'keep' && rule['regex'] === 'istio-proxy'));
  assert.equal(at(envoy, 'spec', 'namespaceSelector', 'any'), true);
  assert.ok(monitors.some((doc) => doc['kind'] === 'ServiceMonitor' && JSON.stringify(at(doc, 'spec', 'selector')).includes('pilot')));
  assert.equal(at(app('kube-prometheus-stack').values, 'prometheus', 'prometheusSpec', 'podMonitorSelectorNilUsesHelmValues'), false, 'Prometheus selects PodMonitors outside its chart');
  // The shop's Cilium policies let Prometheus reach the sidecars' Envoy stats port: 15090, `http-envoy-prom` in
  // Istio's injection template (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml).
  const shopPods = renderedKustomizations(apps).get('deploy/apps/overlays/dev')!.filter((object) => object['kind'] === 'Deployment');
  const policies = loadDir(join(DEPLOY_DIR, 'platform', 'cilium')).map(({ doc }) => doc).filter((doc) => doc['kind'] === 'CiliumNetworkPolicy');
  for (const deployment of shopPods) {
    const labels = asObject(at(deployment, 'spec', 'template', 'metadata', 'labels'));
    const allowed = policies
      .filter((policy) => Object.entries(asObject(at(policy, 'spec', 'endpointSelector', 'matchLabels'))).every(([key, label]) => labels[key] === label))
      .flatMap((policy) => asArray(at(policy, 'spec', 'ingress')).map(asObject))
      .filter((rule) => asArray(rule['fromEndpoints']).some((selector) => at(selector, 'matchLabels', 'k8s:io.kubernetes.pod.namespace') === 'monitoring'))
      .flatMap((rule) => asArray(rule['toPorts']).flatMap((ports) => asArray(asObject(ports)['ports']).map((port) => String(asObject(port)['port']))));
    assert.ok(allowed.includes('15090'), `${at(deployment, 'metadata', 'name')}: Prometheus may not scrape its sidecar on 15090`);
  }
});
