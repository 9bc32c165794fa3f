// stdout of real child processes: JSON lines only, trace-correlated (handle logger and application-created pino
// loggers, ESM and CommonJS), one access line per request, redaction on by default.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver } from '@lab/receiver';
import { jsonLines, type RunningService, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let receiver: OtlpReceiver;
let service: RunningService;

before(async () => {
  receiver = await OtlpReceiver.start();
  service = await startService({
    script: fixture('express-app.ts'),
    cwd: packageDir,
    env: { OTEL_SERVICE_NAME: 'logs-svc', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
});

after(async () => {
  await service?.stop('SIGKILL');
  await receiver?.close();
});

function linesOf(lines: string[], traceId: string) {
  return jsonLines(lines).filter((line) => line.trace_id === traceId);
}

test('lines logged during a request carry its trace_id and span_id; stdout is JSON only', async () => {
  const traceId = '6e0c63257de34c926f9efcd03927272e';
  const response = await fetch(`${service.url}/items/9`, {
    headers: { traceparent: `00-${traceId}-aaaaaaaaaaaaaaaa-01`, authorization: 'Bearer s3cret', cookie: 'session=abc', baggage: 'lab.run_id=run-7' },
  });
  assert.equal(response.status, 200);
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === traceId, 10_000);
  await service.waitForLine((line) => line.includes('request completed') && line.includes(traceId), 5000);
  const lines = linesOf(service.lines, traceId);
  const handle = lines.find((line) => line.msg === 'item requested');
  const app = lines.find((line) => line.msg === 'app logger line');
  const access = lines.find((line) => line.msg === 'request completed');
  assert.ok(handle && app && access, JSON.stringify(lines));
  for (const line of [handle, app, access]) {
    assert.equal(line.span_id, span.spanId);
    assert.equal(line.trace_flags, '01');
  }
  assert.equal(handle.level, 'info');
  assert.equal(handle.service, 'logs-svc');
  assert.match(String(handle.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(handle.run_id, 'run-7', 'baggage lab.run_id becomes the log field run_id');
  // Redaction: headers (nested) and password fields.
  const headers = handle.headers as Record<string, string>;
  assert.equal(headers.authorization, '[Redacted]');
  assert.equal(headers.cookie, '[Redacted]');
  assert.equal((handle.user as Record<string, string>).password, '[Redacted]');
  assert.equal((handle.user as Record<string, string>).name, 'ada');
  assert.doesNotMatch(service.lines.join('\n'), /s3cret|hunter2|session=abc/);
  assert.deepEqual(
    { method: access.method, route: access.route, status: access.status, level: access.level },
    { method: 'GET', route: '/items/:id', status: 200, level: 'info' },
  );
  assert.equal(typeof access.duration_ms, 'number');
  assert.doesNotThrow(() => jsonLines(service.lines));
});

test('access lines: 5xx at error, 4xx at warn; lines outside requests carry no trace fields', async () => {
  await (await fetch(`${service.url}/fail`)).text();
  await (await fetch(`${service.url}/nothing-here`)).text();
  const failed = await service.waitForLine((line) => line.includes('"route":"/fail"'), 5000);
  const missing = await service.waitForLine((line) => line.includes('"status":404'), 5000);
  assert.equal(JSON.parse(failed).level, 'error');
  assert.equal(JSON.parse(missing).level, 'warn');
  assert.equal(JSON.parse(missing).route, '/*');
  const outside = jsonLines(service.lines).filter((line) => line.msg !== 'request completed' && line.trace_id === undefined);
  assert.ok(outside.every((line) => line.span_id === undefined));
});

for (const script of ['plain-app.mjs', 'plain-app.cjs']) {
  test(`an application-created pino logger is trace-correlated under the zero-code entry (${script})`, async (t) => {
    const plain = await startService({
      script: fixture(script),
      nodeArgs: ['--import', '@lab/telemetry/register'],
      cwd: packageDir,
      env: { OTEL_SERVICE_NAME: 'plain', OTEL_TRACES_EXPORTER: 'none', LAB_TELEMETRY_ACCESS_LOG: 'false' },
    });
    t.after(() => plain.stop('SIGKILL'));
    const traceId = '7e0c63257de34c926f9efcd03927272f';
    await (await fetch(`${plain.url}/x`, { headers: { traceparent: `00-${traceId}-bbbbbbbbbbbbbbbb-01` } })).text();
    const line = JSON.parse(await plain.waitForLine((candidate) => candidate.includes('app logger line'), 5000));
    assert.equal(line.trace_id, traceId);
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.notEqual(line.span_id, 'bbbbbbbbbbbbbbbb', 'the server span, not the remote parent');
    await (await fetch(`${plain.url}/y`)).text();
    await plain.waitForLine((candidate) => candidate.includes('"url":"/y"'), 5000);
    assert.equal(
      jsonLines(plain.lines).filter((candidate) => candidate.msg === 'request completed').length,
      0,
      'LAB_TELEMETRY_ACCESS_LOG=false turns the access log off',
    );
  });
}
