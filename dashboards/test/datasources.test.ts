import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const packageRoot = join(import.meta.dirname, '..');
const conventions = readFileSync(join(packageRoot, '..', 'docs', 'conventions.md'), 'utf8');
const provisioningText = readFileSync(join(packageRoot, 'provisioning', 'datasources.yaml'), 'utf8');

interface Link {
  datasourceUid: string;
}
interface Provisioned {
  name: string;
  type: string;
  uid: string;
  url: string;
  // Shapes as Grafana documents them; the assertions below compare them whole.
  jsonData: {
    exemplarTraceIdDestinations: (Link & { name: string })[];
    derivedFields: (Link & { name: string; url: string })[];
    tracesToLogsV2: Link & { tags: unknown; query: string };
    tracesToMetrics: Link & { tags: unknown; queries: { name: string; query: string }[] };
    tracesToProfiles: Link & { tags: unknown; profileTypeId: string };
    serviceMap: Link;
    lokiSearch: Link;
    nodeGraph: { enabled: boolean };
  };
}
const provisioned = (parse(provisioningText) as { datasources: Provisioned[] }).datasources;
const byUid = new Map(provisioned.map((source) => [source.uid, source]));

/** Grafana's provisioning expands `$NAME`/`${NAME}`; what it hands the datasource is the text after expansion. */
const expandAsGrafana = (text: string, env: Record<string, string>) =>
  text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced, bare) => (match === '$$' ? '$' : (env[braced ?? bare] ?? '')));

function datasourceRefs(value: unknown, path: string, found: { uid: string; type?: string; path: string }[]) {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) datasourceRefs(item, `${path}[${index}]`, found);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'datasource' && child && typeof child === 'object' && 'uid' in child) {
        found.push({ uid: String(child.uid), type: (child as { type?: string }).type, path: `${path}.datasource` });
      } else datasourceRefs(child, `${path}.${key}`, found);
    }
  }
  return found;
}

test('conventions.md fixes the datasource UIDs the provisioning uses', () => {
  assert.match(conventions, /Grafana datasource UIDs: `prometheus`, `tempo`, `loki`, `pyroscope`/);
  assert.deepEqual([...byUid.keys()].sort(), ['loki', 'prometheus', 'pyroscope', 'tempo']);
  assert.equal(byUid.get('pyroscope')?.type, 'grafana-pyroscope-datasource');
});

test('every datasource a dashboard references (panels, targets, variables, annotations) is provisioned', () => {
  for (const file of ['services-overview', 'service-detail', 'load-test', 'telemetry-pipeline']) {
    const board = JSON.parse(readFileSync(join(packageRoot, 'generated', `${file}.json`), 'utf8'));
    const refs = datasourceRefs(board, file, []);
    assert.ok(refs.length > 10, `${file} references datasources`);
    for (const ref of refs) {
      const source = byUid.get(ref.uid);
      assert.ok(source, `${ref.path}: uid ${ref.uid} is not provisioned`);
      assert.equal(ref.type, source.type, `${ref.path}: type of ${ref.uid}`);
    }
  }
});

test('every correlation points at a provisioned datasource', () => {
  const tempo = byUid.get('tempo')!.jsonData;
  const targets = [
    ...byUid.get('prometheus')!.jsonData['exemplarTraceIdDestinations'].map((link) => link.datasourceUid),
    tempo['tracesToLogsV2'].datasourceUid,
    tempo['tracesToMetrics'].datasourceUid,
    tempo['tracesToProfiles'].datasourceUid,
    tempo['serviceMap'].datasourceUid,
    tempo['lokiSearch'].datasourceUid,
    ...byUid.get('loki')!.jsonData['derivedFields'].map((link) => link.datasourceUid),
  ];
  assert.deepEqual(targets, ['tempo', 'loki', 'prometheus', 'pyroscope', 'prometheus', 'loki', 'tempo']);
  assert.equal(tempo['nodeGraph'].enabled, true);
});

test('correlation field names match what the services emit (docs/conventions.md)', () => {
  // Exemplars carry exactly {trace_id, span_id}: Grafana looks the trace id up by label name.
  assert.match(conventions, /Exemplars \(sampled requests only\) carry exactly `\{trace_id, span_id\}`/);
  assert.deepEqual(byUid.get('prometheus')!.jsonData['exemplarTraceIdDestinations'], [
    { name: 'trace_id', datasourceUid: 'tempo', urlDisplayLabel: 'View trace' },
  ]);
  // Loki: trace_id is structured metadata, so the derived field matches it by label name.
  assert.match(conventions, /`trace_id` is structured metadata, never a label/);
  assert.deepEqual(byUid.get('loki')!.jsonData['derivedFields'], [
    { name: 'trace_id', matcherType: 'label', matcherRegex: 'trace_id', datasourceUid: 'tempo', url: '$${__value.raw}', urlDisplayLabel: 'View trace' },
  ]);
  const tempo = byUid.get('tempo')!.jsonData;
  // Traces to logs: the span's service.name becomes the Loki label service_name, the trace id a metadata filter.
  assert.match(conventions, /Fluent Bit \/ Loki: labels `service_name`, `namespace`, `level` only/);
  assert.deepEqual(tempo['tracesToLogsV2'].tags, [{ key: 'service.name', value: 'service_name' }]);
  assert.equal(expandAsGrafana(tempo['tracesToLogsV2'].query, {}), `{\${__tags}} | trace_id="\${__trace.traceId}"`);
  // Traces to metrics: Prometheus' job is the service name.
  assert.match(conventions, /The Prometheus `job` label is the service name/);
  assert.deepEqual(tempo['tracesToMetrics'].tags, [
    { key: 'service.name', value: 'job' },
    { key: 'http.route', value: 'http_route' },
  ]);
  // Traces to profiles: the CPU-time type of Node's wall profile, application tag service_name.
  const profiles = tempo['tracesToProfiles'];
  assert.match(conventions, /`wall:cpu:nanoseconds:wall:nanoseconds` \(CPU time: the type Grafana's traces-to-profiles link uses\)/);
  assert.match(conventions, /Application name = service name \(`service_name` label in Pyroscope\)/);
  assert.match(conventions, /Sample labels on span work: `span_id`/);
  assert.equal(profiles.profileTypeId, 'wall:cpu:nanoseconds:wall:nanoseconds');
  assert.deepEqual(profiles.tags, [{ key: 'service.name', value: 'service_name' }]);
});

test('every literal `$` is escaped as `$$`: only the backend URLs are expanded from the environment', () => {
  const env = { PROMETHEUS_URL: 'http://prom:9090', TEMPO_URL: 'http://tempo:3200', LOKI_URL: 'http://loki:3100', PYROSCOPE_URL: 'http://pyro:4040' };
  const body = provisioningText.split('\n').filter((line) => !line.startsWith('#')).join('\n');
  const expanded = parse(expandAsGrafana(body, env)) as { datasources: Provisioned[] };
  assert.deepEqual(
    expanded.datasources.map((source) => source.url),
    [env.PROMETHEUS_URL, env.TEMPO_URL, env.LOKI_URL, env.PYROSCOPE_URL],
  );
  const tempo = expanded.datasources.find((source) => source.uid === 'tempo')!.jsonData;
  for (const { query } of tempo['tracesToMetrics'].queries) assert.match(query, /\{\$__tags[,}]/, 'survives expansion');
  assert.equal(expanded.datasources.find((source) => source.uid === 'loki')!.jsonData['derivedFields'][0]!.url, `\${__value.raw}`);
  // An unescaped template would be eaten by the expansion: prove the check notices.
  assert.equal(expandAsGrafana('{$__tags}', env), '{}');
});

test("the README names the traces-to-profiles profile type the datasource provisions", () => {
  const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
  const named = /\*\*Traces → profiles\*\*[^`]*`tracesToProfiles`[^`]*`profileTypeId`\s*`([^`]+)`/.exec(readme)?.[1];
  assert.equal(named, byUid.get('tempo')?.jsonData.tracesToProfiles.profileTypeId);
});
