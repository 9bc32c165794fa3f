// SIGTERM/SIGINT on real child processes: close hooks run, every span ended before the signal reaches the backend,
// the exit code is 143/130, and a hook that never finishes cannot make the process hang past the deadline.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver } from '@lab/receiver';
import { jsonLines, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/express-app.ts', import.meta.url));

let receiver: OtlpReceiver;
before(async () => {
  receiver = await OtlpReceiver.start();
});
after(() => receiver?.close());

function start(serviceName: string, env: Record<string, string> = {}) {
  return startService({
    script: fixture,
    cwd: packageDir,
    env: {
      OTEL_SERVICE_NAME: serviceName,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Nothing is exported on schedule during the test: only the shutdown flush can deliver the spans.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
      ...env,
    },
  });
}

test('SIGTERM under load: every span ended before the signal is received; exit code 143', async (t) => {
  const service = await start('drain-svc');
  t.after(() => service.stop('SIGKILL'));
  const completed: string[] = [];
  let signalled = false;
  // Four concurrent clients; each remembers the trace id of every request answered before the signal.
  const client = async () => {
    while (!signalled) {
      const traceId = randomBytes(16).toString('hex');
      try {
        const response = await fetch(`${service.url}/slow`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
        await response.text();
        if (!signalled && response.status === 200) completed.push(traceId);
      } catch {
        return; // the server stopped accepting: expected after the signal
      }
    }
  };
  const clients = Array.from({ length: 4 }, client);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  signalled = true;
  const answeredBeforeSignal = [...completed];
  service.child.kill('SIGTERM');
  assert.equal(await service.exited, 143);
  await Promise.all(clients);
  assert.ok(answeredBeforeSignal.length >= 10, `load was generated (${answeredBeforeSignal.length} requests)`);
  const received = new Set(receiver.spans().map((span) => span.traceId));
  const missing = answeredBeforeSignal.filter((traceId) => !received.has(traceId));
  assert.deepEqual(missing, [], 'spans of requests answered before SIGTERM reached the receiver');
  assert.ok(jsonLines(service.lines).some((line) => line.msg === 'shutting down' && line.signal === 'SIGTERM'));
});

test('SIGINT exits 130 after flushing', async (t) => {
  const service = await start('sigint-svc');
  t.after(() => service.stop('SIGKILL'));
  const traceId = randomBytes(16).toString('hex');
  await (await fetch(`${service.url}/items/1`, { headers: { traceparent: `00-${traceId}-1111111111111111-01` } })).text();
  service.child.kill('SIGINT');
  assert.equal(await service.exited, 130);
  assert.ok(receiver.spansOfTrace(traceId).length > 0);
});

test('a close hook that never resolves cannot hang the process: exit 143 by the deadline', async (t) => {
  const service = await start('hang-svc', { HANG_ON_SHUTDOWN: '1', LAB_TELEMETRY_SHUTDOWN_TIMEOUT_MS: '1000' });
  t.after(() => service.stop('SIGKILL'));
  const traceId = randomBytes(16).toString('hex');
  await (await fetch(`${service.url}/items/1`, { headers: { traceparent: `00-${traceId}-1111111111111111-01` } })).text();
  const signalledAt = Date.now();
  service.child.kill('SIGTERM');
  // stop() would SIGKILL after 10 s: an exit code of 143 proves the process ended itself.
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 10_000);
  const code = await service.exited;
  clearTimeout(timer);
  assert.equal(code, 143, `exited by itself (after ${Date.now() - signalledAt} ms)`);
  assert.ok(receiver.spansOfTrace(traceId).length > 0, 'spans are flushed even when a hook hangs');
});
