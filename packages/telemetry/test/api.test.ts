// The programmatic API in a real child process: one handle per process, custom metrics on the same registry,
// node:sqlite spans and metrics, OTLP log export, and the documented cooperation with the app's own signal handler.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver } from '@lab/receiver';
import { summarizeSql } from '../src/instrumentations/sqlite.ts';
import { jsonLines, type RunningService, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

let receiver: OtlpReceiver;
let service: RunningService;

before(async () => {
  receiver = await OtlpReceiver.start();
  service = await startService({
    script: fileURLToPath(new URL('./fixtures/api-app.ts', import.meta.url)),
    cwd: packageDir,
    env: {
      OTEL_SERVICE_NAME: 'overridden-by-options',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Spans only leave through the shutdown flush.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    },
  });
});

after(async () => {
  await service?.stop('SIGKILL');
  await receiver?.close();
});

test('one handle per process; custom and sqlite metrics share the registry', async () => {
  const response = await fetch(`${service.url}/order`, { headers: { traceparent: '00-77777777777777777777777777777777-7777777777777777-01' } });
  assert.deepEqual(await response.json(), { item: { id: 1, name: 'lamp' }, sameHandle: true, serviceName: 'api-app' });
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  assert.match(metrics, /^orders_created_total\{channel="web"\} 1$/m);
  assert.match(metrics, /^db_client_operation_duration_seconds_count\{db_system_name="sqlite",db_operation_name="SELECT",db_collection_name="items"\} 1$/m);
});

test('OTEL_LOGS_EXPORTER=otlp ships the handle logger lines with their trace context', async () => {
  const log = await receiver.waitForLog((record) => record.body === 'order placed', 10_000);
  assert.equal(log.traceId, '77777777777777777777777777777777');
  assert.match(log.spanId, /^[0-9a-f]{16}$/);
  assert.equal(log.severityText, 'info');
  assert.equal(log.severityNumber, 9);
  assert.equal(log.resource['service.name'], 'api-app');
  assert.equal(log.attributes.service, 'api-app');
});

test("the app's own SIGTERM handler drains and calls shutdown(): spans flushed, the app's exit code kept", async () => {
  service.child.kill('SIGTERM');
  assert.equal(await service.exited, 0);
  assert.ok(jsonLines(service.lines).some((line) => line.msg === 'application handler: draining'));
  const spans = receiver.spansOfTrace('77777777777777777777777777777777');
  const server = spans.find((span) => span.kind === 2);
  const query = spans.find((span) => span.name === 'SELECT items');
  assert.ok(server && query, JSON.stringify(spans.map((span) => span.name)));
  assert.equal(query.parentSpanId, server.spanId);
  assert.equal(query.kind, 3);
  assert.deepEqual(
    {
      system: query.attributes['db.system.name'],
      namespace: query.attributes['db.namespace'],
      operation: query.attributes['db.operation.name'],
      collection: query.attributes['db.collection.name'],
      text: query.attributes['db.query.text'],
    },
    { system: 'sqlite', namespace: 'shop', operation: 'SELECT', collection: 'items', text: 'SELECT id, name FROM items WHERE id = ?' },
  );
  const created = receiver.spans().find((span) => span.name === 'CREATE items');
  assert.ok(created, 'exec() statements are traced too');
  assert.doesNotMatch(String(created.attributes['db.query.text']), /lamp/, 'literals never reach the span');
});

test('SQL summaries: operation, main table, literals replaced', () => {
  assert.deepEqual(summarizeSql("UPDATE orders SET status = 'paid' WHERE id = 42"), {
    operation: 'UPDATE',
    collection: 'orders',
    text: 'UPDATE orders SET status = ? WHERE id = ?',
  });
  assert.deepEqual(summarizeSql('insert into "payments" (id) values (?)'), { operation: 'INSERT', collection: 'payments', text: 'insert into "payments" (id) values (?)' });
  assert.equal(summarizeSql('CREATE TABLE IF NOT EXISTS stock (sku TEXT)').collection, 'stock');
  assert.equal(summarizeSql('PRAGMA journal_mode = WAL').collection, undefined);
});
