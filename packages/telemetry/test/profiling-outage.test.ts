// Pyroscope down, answering 500, slow or hanging: the profiled service keeps serving, counts every lost profile, and
// still exits on SIGTERM within its shutdown deadline.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type IngestBehavior, PyroscopeReceiver } from '@lab/receiver';
import { killService, type ProfiledService, readCounter, startProfiledService } from './fixtures/profiling-harness.ts';

const DROPPED = 'lab_telemetry_profiles_dropped_total{reason="export_failed"}';
const FAILURES = 'lab_telemetry_export_failures_total{signal="profiles"}';
const UPLOADED = 'lab_telemetry_profiles_uploaded_total';
const SHUTDOWN_DEADLINE_MS = 2000;
const COUNTER_WAIT_MS = 15_000;

const services: ProfiledService[] = [];
after(() => {
  for (const service of services) killService(service);
});

async function closedPortAddress(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}`;
}

async function waitForCounter(url: string, series: string): Promise<number> {
  const giveUpAt = Date.now() + COUNTER_WAIT_MS;
  for (;;) {
    const value = await readCounter(url, series);
    if (value > 0 || Date.now() > giveUpAt) return value;
    await sleep(200);
  }
}

async function assertSurvivesOutage(pyroscopeAddress: string): Promise<void> {
  const service = await startProfiledService({
    OTEL_SERVICE_NAME: 'outage-app',
    OTEL_TRACES_EXPORTER: 'none',
    PYROSCOPE_SERVER_ADDRESS: pyroscopeAddress,
    PYROSCOPE_UPLOAD_INTERVAL: '500ms',
    LAB_TELEMETRY_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_DEADLINE_MS),
  });
  services.push(service);
  const dropped = await waitForCounter(service.url, DROPPED);
  assert.ok(dropped > 0, `${DROPPED} stayed at 0`);
  assert.ok((await readCounter(service.url, FAILURES)) >= dropped, `${FAILURES} below the drops`);
  assert.equal(await readCounter(service.url, UPLOADED), 0);
  for (const route of ['/cpu', '/wait']) {
    const response = await fetch(`${service.url}${route}`);
    assert.equal(response.status, 200, `${route} while Pyroscope is out`);
    await response.arrayBuffer();
  }
  service.child.kill('SIGTERM');
  // Bounded: the shutdown deadline plus a generous margin for process start-up noise on a loaded machine.
  const exit = await Promise.race([service.exited, sleep(SHUTDOWN_DEADLINE_MS + 8000, 'still running', { ref: false })]);
  assert.deepEqual(exit, { code: 143, signal: null }, service.output.slice(-5).join('\n'));
}

test('Pyroscope down: profiles are dropped and counted, the service serves and stops', async () => {
  await assertSurvivesOutage(await closedPortAddress());
});

for (const behavior of ['error', 'slow', 'hang'] as IngestBehavior[]) {
  test(`Pyroscope ${behavior === 'error' ? 'answering 500' : behavior}: profiles are dropped and counted, the service serves and stops`, async (t) => {
    const receiver = await PyroscopeReceiver.start({ slowResponseMs: 30_000 });
    t.after(() => receiver.close());
    receiver.setBehavior(behavior);
    await assertSurvivesOutage(receiver.url);
    assert.ok(receiver.requests > 0, 'the service never reached the receiver');
  });
}

test('SIGTERM uploads the profile of the unfinished window within the deadline', async (t) => {
  const receiver = await PyroscopeReceiver.start();
  t.after(() => receiver.close());
  const service = await startProfiledService({
    OTEL_SERVICE_NAME: 'short-lived-app',
    OTEL_TRACES_EXPORTER: 'none',
    PYROSCOPE_SERVER_ADDRESS: receiver.url,
    PYROSCOPE_UPLOAD_INTERVAL: '60s',
    LAB_TELEMETRY_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_DEADLINE_MS),
  });
  services.push(service);
  await (await fetch(`${service.url}/cpu`)).arrayBuffer();
  service.child.kill('SIGTERM');
  assert.deepEqual(await service.exited, { code: 143, signal: null });
  const wall = receiver.profiles().filter((profile) => profile.profileTypeIds.includes('wall:cpu:nanoseconds:wall:nanoseconds'));
  assert.equal(wall.length, 1, 'expected exactly the final window');
  assert.ok(wall[0]!.samples.some((sample) => sample.stack.some((name) => name.includes('burnCpuInsideRequest'))));
});
