// End to end: a real service with init() and PYROSCOPE_SERVER_ADDRESS uploads profiles to the test Pyroscope
// receiver, which decodes the pprof. Concurrent CPU-heavy and idle requests must come back as samples labelled with
// exactly the span ids the service exported over OTLP, each function under the span that ran it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { OtlpReceiver, PyroscopeReceiver, type PyroscopeSample, type ReceivedProfile, type ReceivedSpan } from '@lab/receiver';
import { killService, type ProfiledService, startProfiledService } from './fixtures/profiling-harness.ts';

const CPU_FUNCTION = 'burnCpuInsideRequest';
const ROUNDS = 6;
const WAIT_MS = 20_000;
const LARGE_BODY = JSON.stringify({ ms: 30, padding: 'x'.repeat(200_000) });
const spanIdOf = async (response: Response) => ((await response.json()) as { spanId: string }).spanId;

/**
 * One TCP write with a sampled request and two unsampled CPU-heavy ones: the server parses all three in one
 * synchronous run, where a context entered for the first could leak into the next two.
 */
async function pipelineSampledThenUnsampled(url: string): Promise<void> {
  const request = (path: string, flags: string, last = false) =>
    `GET ${path} HTTP/1.1\r\nHost: app\r\ntraceparent: 00-${'1'.repeat(32)}-${'2'.repeat(16)}-${flags}\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.end(request('/wait', '01') + request('/cpu-unsampled', '00') + request('/cpu-unsampled', '00', true));
  socket.resume();
  await once(socket, 'close');
}

let receiver: PyroscopeReceiver;
let otlp: OtlpReceiver;
let service: ProfiledService | undefined;
let wallProfiles: ReceivedProfile[] = [];
let heapProfiles: ReceivedProfile[] = [];
let spans: ReceivedSpan[] = [];
const cpuSpanIds: string[] = [];
const waitSpanIds: string[] = [];
let exit: Awaited<ProfiledService['exited']>;
let sigtermAt = 0;

before(async () => {
  receiver = await PyroscopeReceiver.start();
  otlp = await OtlpReceiver.start();
  service = await startProfiledService({
    OTEL_SERVICE_NAME: 'profiled-app',
    OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2.3,deployment.environment.name=test',
    K8S_NAMESPACE_NAME: 'lab',
    K8S_POD_NAME: 'profiled-app-0',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    PYROSCOPE_SERVER_ADDRESS: receiver.url,
    PYROSCOPE_UPLOAD_INTERVAL: '1s',
    PYROSCOPE_PROFILING_HEAP_ENABLED: 'true',
    PYROSCOPE_BASIC_AUTH_USER: 'lab-user',
    PYROSCOPE_BASIC_AUTH_PASSWORD: 'lab-secret',
    PYROSCOPE_TENANT_ID: 'lab-tenant',
  });
  const url = service.url;
  // Profiling starts asynchronously after init(): the first profile marks it as running.
  await receiver.waitFor(() => true, WAIT_MS);
  for (let round = 0; round < ROUNDS; round++) {
    const [cpu, cpuAfterBody, wait] = await Promise.all([
      fetch(`${url}/cpu`).then(spanIdOf),
      // A body of several TCP reads: the handler runs after the request's own synchronous run.
      fetch(`${url}/cpu-body`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: LARGE_BODY }).then(spanIdOf),
      fetch(`${url}/wait`).then(spanIdOf),
    ]);
    cpuSpanIds.push(cpu, cpuAfterBody);
    waitSpanIds.push(wait);
  }
  for (let connection = 0; connection < 3; connection++) await pipelineSampledThenUnsampled(url);
  sigtermAt = Date.now();
  service.child.kill('SIGTERM');
  exit = await service.exited;
  wallProfiles = receiver.profiles().filter((profile) => profile.sampleTypes.some((type) => type.type === 'wall'));
  heapProfiles = receiver.profiles().filter((profile) => profile.profileTypeIds.some((id) => id.startsWith('memory:')));
  spans = otlp.spans();
});

after(async () => {
  killService(service);
  await receiver?.close();
  await otlp?.close();
});

/**
 * The route template, hence the final span name, is known when the request ends: samples serialized while the
 * request still ran carry the name the span had then, the method.
 */
const spanNames = (finalName: string) => [finalName, finalName.split(' ')[0]];
const samples = () => wallProfiles.flatMap((profile) => profile.samples);
const runsCpuFunction = (sample: PyroscopeSample) => sample.stack.some((name) => name.includes(CPU_FUNCTION));

test('the service uploads wall profiles with CPU time, named and tagged from the resource', () => {
  assert.ok(wallProfiles.length > 0, 'no wall profile received');
  const profile = wallProfiles[0]!;
  assert.equal(profile.appName, 'profiled-app');
  assert.deepEqual(profile.tags, {
    service_version: '1.2.3',
    environment: 'test',
    k8s_namespace_name: 'lab',
    k8s_pod_name: 'profiled-app-0',
  });
  assert.deepEqual(profile.profileTypeIds, [
    'wall:samples:count:wall:nanoseconds',
    'wall:wall:nanoseconds:wall:nanoseconds',
    'wall:cpu:nanoseconds:wall:nanoseconds',
  ]);
  assert.equal(profile.spyName, 'nodespy');
  assert.equal(profile.sampleRate, 100);
  assert.ok(profile.until >= profile.from, `window ${profile.from}..${profile.until}`);
  assert.equal(profile.tenantId, 'lab-tenant');
  assert.equal(profile.authorization, `Basic ${Buffer.from('lab-user:lab-secret').toString('base64')}`);
  assert.ok(samples().length > 0, 'profiles have no samples');
});

test('the optional heap profile comes as Pyroscope memory profile types', () => {
  assert.ok(heapProfiles.length > 0, 'no heap profile received');
  assert.deepEqual(heapProfiles[0]!.profileTypeIds, [
    'memory:inuse_objects:count:inuse_space:bytes',
    'memory:inuse_space:bytes:inuse_space:bytes',
  ]);
  assert.equal(heapProfiles[0]!.appName, 'profiled-app');
  assert.ok(heapProfiles.some((profile) => profile.samples.length > 0), 'heap profiles have no samples');
});

test('samples of span work carry span_id and span_name of spans the service exported', () => {
  const labelled = samples().filter((sample) => sample.labels.span_id !== undefined);
  assert.ok(labelled.length > 0, 'no sample has a span_id label');
  const exported = new Map(spans.map((span) => [span.spanId, span]));
  for (const sample of labelled) {
    const span = exported.get(sample.labels.span_id!);
    assert.ok(span, `span_id ${sample.labels.span_id} is not an exported span`);
    assert.ok(spanNames(span.name).includes(sample.labels.span_name ?? ''), `span_name ${sample.labels.span_name} for ${span.name}`);
  }
  for (const spanId of cpuSpanIds) {
    assert.ok(exported.has(spanId), `request span ${spanId} was not exported`);
    assert.equal(exported.get(spanId)?.attributes['pyroscope.profile.id'], spanId);
  }
});

test('the CPU-heavy function appears under the span that ran it, never under the concurrent idle request', () => {
  const cpuSamples = samples().filter(runsCpuFunction);
  assert.ok(cpuSamples.length > 0, `${CPU_FUNCTION} is in no stack`);
  for (const sample of cpuSamples) {
    assert.ok(cpuSpanIds.includes(sample.labels.span_id ?? ''), `a ${CPU_FUNCTION} sample has span_id ${sample.labels.span_id}`);
    const names = [...spanNames('GET /cpu'), ...spanNames('POST /cpu-body')];
    assert.ok(names.includes(sample.labels.span_name ?? ''), `span_name ${sample.labels.span_name}`);
  }
  const labelledWithIdleSpan = samples().filter((sample) => waitSpanIds.includes(sample.labels.span_id ?? ''));
  assert.ok(!labelledWithIdleSpan.some(runsCpuFunction), `${CPU_FUNCTION} sampled under an idle request's span`);
  // Each CPU request crossed await, a timer and a fetch: its samples come from more than its first synchronous run.
  const cpuSamplesPerSpan = new Map<string, number>();
  for (const sample of cpuSamples) cpuSamplesPerSpan.set(sample.labels.span_id!, (cpuSamplesPerSpan.get(sample.labels.span_id!) ?? 0) + 1);
  assert.ok(cpuSamplesPerSpan.size >= ROUNDS, `only ${cpuSamplesPerSpan.size} of ${2 * ROUNDS} CPU requests were sampled`);
  const postSpans = new Set(spans.filter((span) => span.name === 'POST /cpu-body').map((span) => span.spanId));
  assert.ok(cpuSamples.some((sample) => postSpans.has(sample.labels.span_id ?? '')), 'no sample of the POST handler, run after its body arrived');
});

test('unsampled requests parsed right after a sampled one carry no span labels', () => {
  const unsampled = samples().filter((sample) => sample.stack.some((name) => name.includes('burnCpuUnsampled')));
  assert.ok(unsampled.length > 0, 'burnCpuUnsampled is in no stack');
  assert.deepEqual(unsampled.filter((sample) => sample.labels.span_id !== undefined), []);
});

test("the profiler's own uploads are not traced", () => {
  assert.ok(spans.length > 0);
  assert.deepEqual(spans.filter((span) => String(span.attributes['url.full'] ?? '').includes('/ingest')), []);
});

test('SIGTERM flushes the last profile and exits cleanly', () => {
  assert.equal(exit.code, 143, `exit ${JSON.stringify(exit)}`);
  const lastUntil = Math.max(...wallProfiles.map((profile) => profile.until));
  assert.ok(lastUntil * 1000 >= sigtermAt, 'no profile covers the moment of SIGTERM');
});
