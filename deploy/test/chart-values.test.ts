// Every values file held to the chart version it is installed with (Argo CD Applications, the README's
// `cilium install`): the chart's contract in deploy/upstream/charts (src/chart-values.ts; written by
// scripts/vendor-chart-schemas.ts, sources in SOURCES.md). An unknown key, a wrong type or a value outside an enum fails.
// A CRD chart installed apart from its operator must be the operator's release (the contracts' appVersions).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ChartContract,
  ciliumBootstrap,
  contractFor,
  contractPaths,
  inlineHelmValues,
  loadContracts,
  type OpenPath,
  pinnedReleases,
  type ValuedRelease,
  templatePaths,
  validateValues,
  valuedReleases,
} from '../src/chart-values.ts';
import { argoApps } from '../src/inventory.ts';

/**
 * Keys and subtrees a chart takes beyond what its contract could derive: subtrees it hands whole to the software it
 * configures, and keys its values.yaml documents only in comments that its templates read through a variable. Each
 * entry names the template that makes it so.
 */
const OPEN_PATHS: OpenPath[] = [
  {
    chart: 'istiod',
    path: 'meshConfig',
    reason: "templates/configmap.yaml merges it over the chart's mesh defaults (mergeOverwrite): its keys are Istio's MeshConfig API",
  },
  {
    chart: 'opentelemetry-collector',
    path: 'config',
    reason: "templates/_config.tpl merges a deep copy of it with the presets' configuration: its keys are the Collector's",
  },
  {
    chart: 'pyroscope',
    path: 'pyroscope.extraArgs',
    reason: "templates/deployments-statefulsets.yaml merges it into each component's arguments and renders every key as a -key=value flag",
  },
  {
    chart: 'cilium',
    path: 'socketLB.hostNamespaceOnly',
    reason: 'commented out in values.yaml; templates/cilium-configmap.yaml renders it as bpf-lb-sock-hostns-only (hasKey $socketLB)',
  },
  {
    chart: 'kiali-server',
    path: 'external_services',
    reason: "templates/configmap.yaml renders the values as Kiali's config: its keys are the Kiali CR spec's (deploy/upstream/crds, checked by mesh-observability.test.ts)",
  },
];

const pinned = pinnedReleases(argoApps());
const releases = valuedReleases(argoApps());
const contracts = loadContracts();

test('every chart release we pin (Applications, the README\'s cilium install) has the contract of exactly its version', () => {
  assert.ok(releases.length >= 15, `only ${releases.length} releases with values`);
  assert.ok(pinned.length > releases.length, 'the CRD-only releases (no values) are pinned releases too');
  const lacking = pinned.filter((release) => !contractFor(release, contracts)).map((release) => `${release.where}: ${release.chart} ${release.version}`);
  assert.deepEqual(lacking, [], `no contract under deploy/upstream/charts (run scripts/vendor-chart-schemas.ts) for:\n${lacking.join('\n')}`);
});

test('Applications give their charts values only through value files (inline values would go unchecked)', () => {
  for (const app of argoApps()) assert.deepEqual(inlineHelmValues(app.manifest.doc), [], `${app.manifest.file}: inline Helm values; use a values file under deploy/platform`);
  assert.deepEqual(inlineHelmValues({ spec: { source: { chart: 'x', helm: { valuesObject: { a: 1 }, valueFiles: [] } } } }), ['helm.valuesObject']);
});

test('every contract is used by a release and records its upstream source and appVersion', () => {
  const used = new Set(pinned.map((release) => contractFor(release, contracts)));
  for (const contract of contracts) {
    const where = `${contract.chart}-${contract.version}`;
    assert.ok(used.has(contract), `${where}: no release pins it`);
    assert.match(contract.source.commit, /^[0-9a-f]{40}$/, `${where}: source commit`);
    assert.ok(contract.source.repo && contract.source.path && contract.source.files.includes('values.yaml'), `${where}: source`);
    assert.match(contract.appVersion ?? '', /^v?\d+\.\d+(\.\d+)?$/, `${where}: appVersion`);
  }
  for (const open of OPEN_PATHS) assert.ok(contracts.some((contract) => contract.chart === open.chart), `open path for unknown chart ${open.chart}`);
});

for (const release of releases) {
  test(`${release.name}: ${release.valueFiles.join(', ')} fit ${release.chart} ${release.version}`, () => {
    const contract = contractFor(release, contracts);
    assert.ok(contract, `no contract for ${release.chart} ${release.version} (${release.where})`);
    const problems = validateValues(release.values, contract, OPEN_PATHS);
    assert.deepEqual(problems, [], `${release.valueFiles.join(', ')} against ${contract.chart} ${contract.version} (${contract.source.repo}@${contract.source.commit.slice(0, 12)}):\n${problems.join('\n')}`);
  });
}

test('the README pins the Cilium chart its bootstrap values are checked against', () => {
  const cilium = ciliumBootstrap();
  assert.ok(cilium, 'deploy/README.md has no `cilium install`');
  assert.match(cilium.version, /^\d+\.\d+\.\d+$/, '`cilium install` needs --version <chart version>');
  assert.deepEqual(ciliumBootstrap('```sh\ncilium install --wait\n```\n')?.version, 'unpinned');
  // --set overrides are held to the chart too.
  const withSet = ciliumBootstrap('```sh\ncilium install --version 1.19.6 --set cni.exclusive=false --set socketLB.hostNamespaceOnlyy=true\n```\n');
  assert.deepEqual(withSet?.values, { cni: { exclusive: false }, socketLB: { hostNamespaceOnlyy: true } });
  assert.deepEqual(validateValues(withSet!.values, contractFor(withSet!, contracts)!, OPEN_PATHS), ["socketLB.hostNamespaceOnlyy: unknown key (not in the chart's values)"]);
});

/**
 * CRD charts installed apart from the operator that serves them. The CRDs must be the operator's release: an older
 * CRD lacks the kinds and fields a newer operator reads and the API server prunes them; Argo CD syncs both, so a skew
 * shows up only at run time. `operatorTags` are where the operator's values override the image tag the appVersion
 * names, in the order the chart's template reads them.
 */
const CRD_PAIRS = [
  {
    crds: 'prometheus-operator-crds',
    operator: 'kube-prometheus-stack',
    operatorTags: ['prometheusOperator.image.tag'],
    why: "both charts' appVersion is the prometheus-operator release (kube-prometheus-stack runs it unless prometheusOperator.image.tag says otherwise)",
  },
  {
    crds: 'base',
    operator: 'istiod',
    operatorTags: ['tag', 'global.tag'],
    why: "Istio's base chart carries the CRDs of its release; templates/deployment.yaml tags pilot `.Values.tag | default .Values.global.tag`",
  },
];

const valueAt = (values: object, path: string): unknown => path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), values);

/** The CRD/operator pairs whose pinned releases do not run the same operator version, one line each. */
function crdSkew(pins: ValuedRelease[], known: ChartContract[]): string[] {
  return CRD_PAIRS.flatMap(({ crds, operator, operatorTags, why }) => {
    const [crdRelease, operatorRelease] = [crds, operator].map((chart) => pins.find((release) => release.chart === chart));
    assert.ok(crdRelease && operatorRelease, `no release pins ${crds} and ${operator}`);
    const [crdContract, operatorContract] = [contractFor(crdRelease, known), contractFor(operatorRelease, known)];
    assert.ok(crdContract && operatorContract, `no contract for ${crds} ${crdRelease.version} or ${operator} ${operatorRelease.version}`);
    const tag = operatorTags.map((path) => valueAt(operatorRelease.values, path)).find((value) => typeof value === 'string' && value !== '');
    const running = typeof tag === 'string' ? tag : operatorContract.appVersion;
    return running.replace(/^v/, '') === crdContract.appVersion.replace(/^v/, '')
      ? []
      : [`${crdRelease.where}: ${crds} ${crdRelease.version} carries the CRDs of ${crdContract.appVersion}; ${operatorRelease.where}: ${operator} ${operatorRelease.version} runs ${running} (${why})`];
  });
}

test('each CRD chart installed apart from its operator is the release of the operator version that runs', () => {
  assert.deepEqual(crdSkew(pinned, contracts), []);
  // Negative controls: an older CRD chart, and an operator image overridden away from the CRDs' release.
  const crds = contracts.find((candidate) => candidate.chart === 'prometheus-operator-crds')!;
  const older = { ...crds, version: '0.0.1-test', appVersion: 'v0.87.0' };
  const olderPins = pinned.map((release) => (release.chart === crds.chart ? { ...release, version: older.version } : release));
  assert.match(crdSkew(olderPins, [...contracts, older]).join('\n'), /prometheus-operator-crds 0\.0\.1-test carries the CRDs of v0\.87\.0; .* runs v0\.\d+\.\d+ \(/);
  const retagged = pinned.map((release) => (release.chart === 'istiod' ? { ...release, values: { ...release.values, tag: '1.29.0' } } : release));
  assert.match(crdSkew(retagged, contracts).join('\n'), /base 1\.30\.2 carries the CRDs of 1\.30\.2; .* istiod 1\.30\.2 runs 1\.29\.0 \(/);
});

const contract = (chart: string): ChartContract => {
  const found = contracts.find((candidate) => candidate.chart === chart);
  assert.ok(found, `no contract for ${chart}`);
  return found;
};

test('an invented key, a map for a single value and a value outside an enum fail, naming the key (negative control)', () => {
  const tempo = releases.find((release) => release.chart === 'tempo');
  assert.ok(tempo);
  const withInvented = { ...tempo.values, tempo: { ...(tempo.values['tempo'] as object), streamingEnabled: true } };
  assert.deepEqual(validateValues(withInvented, contractFor(tempo, contracts)!, OPEN_PATHS), ['tempo.streamingEnabled: unknown key (not in the chart\'s values)']);
  assert.deepEqual(validateValues({ 'fullnameOverride': { name: 'x' } }, contract('kube-prometheus-stack')), ['fullnameOverride: a map where the chart has a single value']);
  const collector = validateValues({ mode: 'sidecar' }, contract('opentelemetry-collector'));
  assert.equal(collector.length, 1);
  assert.match(collector[0]!, /^mode: must be equal to one of the allowed values \(\[.*"deployment".*\]\)$/);
  // Free-form maps stay free-form; null removes a default.
  assert.deepEqual(validateValues({ podAnnotations: { 'example.com/any': 'x' }, affinity: null }, contract('grafana')), []);
  // A version bump without a refreshed contract finds none.
  assert.equal(contractFor({ chart: 'tempo', version: '0.0.1' }, contracts), undefined);
  // A dotted key is one key, not a path.
  assert.deepEqual(validateValues({ 'grafana.ini': { server: { root_url: 'x' } }, grafana: { ini: {} } }, contract('grafana')), ['grafana: unknown key (not in the chart\'s values)']);
});

test('contracts derive from defaults, schema and templates as documented (synthetic chart)', () => {
  const defaults = { image: { tag: '' }, podAnnotations: {}, config: { a: 1 }, extra: null, list: [], 'grafana.ini': { server: {} } };
  const schema = { type: 'object', properties: { mode: { type: 'string', enum: ['a', 'b'] }, image: { type: 'object', properties: { tag: { type: 'string' } } }, loose: { type: 'object' } } };
  const templates = [
    '{{- toYaml .Values.config | nindent 4 }}',
    'checksum: {{ sha256sum (toYaml .Values.image) }}',
    '{{- if .Values.fullnameOverride }}{{ dig "s3" "bucket" "" .Values.storage }}',
    '{{- $_ := mustMergeOverwrite $.Values (index $.Values "legacy") }}',
  ];
  const paths = templatePaths(contractPaths(defaults, schema), templates);
  assert.deepEqual(paths, {
    mode: { type: ['string'], enum: ['a', 'b'] },
    'image.tag': { type: ['string'] },
    loose: 'open',
    podAnnotations: 'open',
    config: 'open',
    'config.a': 'scalar',
    extra: 'any',
    list: 'list',
    'grafana\\.ini.server': 'open',
    fullnameOverride: 'any',
    'storage.s3.bucket': 'any',
    ...Object.fromEntries(
      Object.entries(contractPaths(defaults, schema)).map(([path, rule]) => [`legacy.${path}`, rule]),
    ),
  });
});
