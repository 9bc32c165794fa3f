// The uploader against the test Pyroscope receiver: the ingest request the official client sends, a queue that
// stays bounded while Pyroscope hangs, and a flush that keeps its deadline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PyroscopeReceiver } from '@lab/receiver';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { CollectedProfile } from '../src/profiling/collector.ts';
import type { ProfilingConfig } from '../src/profiling/contract.ts';
import { profilingMetrics } from '../src/profiling/self-metrics.ts';
import { applicationName, PyroscopeUploader } from '../src/profiling/uploader.ts';

/** A pprof with one sample type, wall/nanoseconds, and no samples, protobuf-encoded by hand. */
function emptyWallProfile(): CollectedProfile {
  const valueType = [0x08, 0x01, 0x10, 0x02]; // type = strings[1], unit = strings[2]
  const strings = ['', 'wall', 'nanoseconds'].flatMap((text) => [0x32, text.length, ...Buffer.from(text)]);
  const pprof = Buffer.from([0x0a, valueType.length, ...valueType, ...strings, 0x5a, valueType.length, ...valueType]);
  return { body: gzipSync(pprof), fromMs: 1_700_000_000_000, untilMs: 1_700_000_015_000, sampleRate: 100 };
}

function uploaderFor(serverAddress: string) {
  const registry = new Registry();
  const metrics = profilingMetrics(registry);
  const config: ProfilingConfig = {
    serverAddress,
    appName: 'svc',
    uploadIntervalMs: 15_000,
    heap: false,
    tags: { service_version: '2.0.0', k8s_pod_name: 'svc-0' },
    basicAuthUser: 'u',
    basicAuthPassword: 'p',
    tenantId: 'team-a',
  };
  const uploader = new PyroscopeUploader({ config, metrics, logger: pino({ level: 'silent' }) });
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return metric.find((entry) => Object.entries(labels).every(([key, v]) => entry.labels[key] === v))?.value ?? 0;
  };
  return { uploader, value };
}

test('uploads as the official client does: /ingest with name, window, format, spy, auth and tenant', async (t) => {
  const receiver = await PyroscopeReceiver.start();
  t.after(() => receiver.close());
  const { uploader, value } = uploaderFor(`${receiver.url}/`);
  uploader.enqueue(emptyWallProfile());
  await uploader.flush(5000);
  const [profile] = receiver.profiles();
  assert.ok(profile, 'nothing received');
  assert.equal(profile.appName, 'svc');
  assert.deepEqual(profile.tags, { service_version: '2.0.0', k8s_pod_name: 'svc-0' });
  assert.deepEqual([profile.from, profile.until], [1_700_000_000, 1_700_000_015]);
  assert.equal(profile.spyName, 'nodespy');
  assert.equal(profile.sampleRate, 100);
  assert.equal(profile.tenantId, 'team-a');
  assert.equal(profile.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  assert.deepEqual(profile.profileTypeIds, ['wall:wall:nanoseconds:wall:nanoseconds']);
  assert.equal(await value('lab_telemetry_profiles_uploaded_total'), 1);
});

test('a hanging Pyroscope holds at most the queue bound; the rest is dropped as queue_full, flush keeps its deadline', async (t) => {
  const receiver = await PyroscopeReceiver.start();
  t.after(() => receiver.close());
  receiver.setBehavior('hang');
  const { uploader, value } = uploaderFor(receiver.url);
  for (let i = 0; i < 10; i++) uploader.enqueue(emptyWallProfile());
  // One request in flight, four queued: five dropped on arrival.
  assert.equal(await value('lab_telemetry_profiles_dropped_total', { reason: 'queue_full' }), 5);
  await uploader.flush(300);
  assert.equal(await value('lab_telemetry_profiles_dropped_total', { reason: 'shutdown' }), 4);
  assert.equal(await value('lab_telemetry_profiles_dropped_total', { reason: 'export_failed' }), 1);
  assert.equal(await value('lab_telemetry_export_failures_total', { signal: 'profiles' }), 1);
  assert.equal(await value('lab_telemetry_profiles_uploaded_total'), 0);
});

test('the series key cannot be broken by tag values', () => {
  assert.equal(
    applicationName('svc', { environment: 'prod,eu', 'k8s.pod': 'a}b=c', empty: '' }),
    'svc{environment=prod_eu,k8s_pod=a_b_c}',
  );
});
