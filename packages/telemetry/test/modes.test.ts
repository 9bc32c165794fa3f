// Alternative modes: metrics on their own port (OTEL_EXPORTER_PROMETHEUS_PORT) and OTEL_SDK_DISABLED.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver } from '@lab/receiver';
import { freePort } from '@lab/dev-kit/ports';
import { startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/express-app.ts', import.meta.url));

let receiver: OtlpReceiver;
before(async () => {
  receiver = await OtlpReceiver.start();
});
after(() => receiver?.close());

test('OTEL_EXPORTER_PROMETHEUS_PORT serves metrics on their own server, not on the application port', async (t) => {
  const metricsPort = await freePort();
  const service = await startService({
    script: fixture,
    cwd: packageDir,
    env: { OTEL_SERVICE_NAME: 'own-port', OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort), OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1' },
  });
  t.after(() => service.stop('SIGKILL'));
  assert.equal((await fetch(`${service.url}/items/1`)).status, 200);
  const onApp = await fetch(`${service.url}/metrics`);
  assert.equal(onApp.status, 404, 'the application handles its own /metrics path');
  await onApp.text();
  await service.waitForLine((line) => line.includes('metrics server listening'), 5000);
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(text, /^http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/items\/:id",http_response_status_code="200",url_scheme="http"\} 1$/m);
  assert.doesNotMatch(text, /http_route="\/metrics"/, 'scrapes of the metrics server are not counted');
});

test('OTEL_SDK_DISABLED=true: no spans recorded or exported; metrics and logs still work', async (t) => {
  const service = await startService({
    script: fixture,
    cwd: packageDir,
    env: { OTEL_SERVICE_NAME: 'disabled', OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  t.after(() => service.stop('SIGKILL'));
  const traceId = '99999999999999999999999999999999';
  assert.equal((await fetch(`${service.url}/items/1`, { headers: { traceparent: `00-${traceId}-9999999999999999-01` } })).status, 200);
  const text = await (await fetch(`${service.url}/metrics`)).text();
  assert.match(text, /^http_server_request_duration_seconds_count\{[^}]*http_route="\/items\/:id"[^}]*\} 1$/m);
  await service.waitForLine((line) => line.includes('request completed'), 5000);
  assert.equal(await service.stop('SIGTERM'), 143);
  assert.equal(receiver.requests.traces, 0, 'nothing was exported');
});
