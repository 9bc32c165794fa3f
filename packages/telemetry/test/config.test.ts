// Configuration: OTel variables, options over env, and bad values -> one clear warning, documented default kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseDurationMs } from '../src/config/config.ts';
import { jsonLines, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

test('defaults follow the OpenTelemetry conventions', () => {
  const config = loadConfig({}, {});
  assert.equal(config.serviceName, 'unknown_service:node');
  assert.equal(config.traces.exporter, 'otlp');
  assert.deepEqual(config.traces.otlp, { protocol: 'http/protobuf', url: 'http://localhost:4318/v1/traces', headers: {}, timeoutMs: 10_000 });
  assert.equal(config.traces.sampler, 'parentbased_always_on');
  assert.deepEqual(config.traces.propagators, ['tracecontext', 'baggage']);
  assert.deepEqual(config.traces.batch, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000 });
  assert.deepEqual(config.traces.ignorePaths, ['/healthz', '/readyz', '/metrics']);
  assert.equal(config.logs.exporter, 'none');
  assert.equal(config.metrics.path, '/metrics');
  assert.equal(config.metrics.port, undefined);
  assert.equal(config.profiling, undefined);
  assert.equal(config.shutdownTimeoutMs, 5000);
  assert.deepEqual(config.warnings, []);
  assert.ok(Object.isFrozen(config));
});

test('standard variables are read; signal-specific ones win; options override the environment', () => {
  const config = loadConfig(
    { serviceName: 'from-options', tracing: { sampleRatio: 0.25 } },
    {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:4318/custom',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=lab,authorization=Bearer%20abc',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=traces',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
      OTEL_PROPAGATORS: 'tracecontext,b3multi',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.version=9.9.9',
      K8S_POD_NAME: 'pod-a',
      PYROSCOPE_SERVER_ADDRESS: 'http://pyroscope:4040',
      PYROSCOPE_UPLOAD_INTERVAL: '10s',
      PYROSCOPE_BASIC_AUTH_USER: 'u',
      PYROSCOPE_TENANT_ID: 't1',
    },
  );
  assert.equal(config.serviceName, 'from-options');
  assert.equal(config.traces.otlp.url, 'http://collector:4318/v1/traces');
  assert.equal(config.traces.otlp.protocol, 'http/json');
  assert.deepEqual(config.traces.otlp.headers, { 'x-tenant': 'traces', authorization: 'Bearer abc' });
  assert.equal(config.traces.otlp.timeoutMs, 2500);
  assert.equal(config.logs.otlp.url, 'http://logs:4318/custom');
  assert.equal(config.traces.sampler, 'parentbased_traceidratio');
  assert.equal(config.traces.samplerRatio, 0.25);
  assert.deepEqual(config.traces.propagators, ['tracecontext', 'b3multi']);
  assert.equal(config.serviceVersion, '9.9.9');
  assert.equal(config.resourceAttributes['k8s.pod.name'], 'pod-a');
  assert.deepEqual(config.profiling, {
    serverAddress: 'http://pyroscope:4040',
    appName: 'from-options',
    uploadIntervalMs: 10_000,
    heap: false,
    basicAuthUser: 'u',
    tenantId: 't1',
    tags: {},
  });
  assert.equal(parseDurationMs('1500'), 1500);
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('soon'), undefined);
});

test('bad values: one warning each naming variable, value and accepted values; documented defaults kept', () => {
  const config = loadConfig(
    {},
    {
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: 'abc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_PROPAGATORS: 'tracecontext,jaeger',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift',
      LAB_TELEMETRY_ACCESS_LOG: 'maybe',
    },
  );
  const byVariable = Object.fromEntries(config.warnings.map((warning) => [warning.variable, warning]));
  assert.deepEqual(Object.keys(byVariable).sort(), [
    'LAB_TELEMETRY_ACCESS_LOG',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_PROPAGATORS',
    'OTEL_TRACES_SAMPLER',
  ]);
  assert.equal(config.warnings.length, 5, 'one warning per bad variable, even when read for several signals');
  assert.match(byVariable.OTEL_TRACES_SAMPLER!.accepted, /parentbased_always_on/);
  assert.equal(byVariable.OTEL_PROPAGATORS!.value, 'jaeger');
  assert.equal(config.traces.sampler, 'parentbased_always_on');
  assert.equal(config.traces.otlp.url, 'http://localhost:4318/v1/traces');
  assert.equal(config.traces.otlp.protocol, 'http/protobuf');
  assert.deepEqual(config.traces.propagators, ['tracecontext']);
  assert.equal(config.logs.accessLog, true);

  const ratio = loadConfig({}, { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: 'abc' });
  assert.deepEqual(ratio.warnings, [{ variable: 'OTEL_TRACES_SAMPLER_ARG', value: 'abc', accepted: 'a number from 0 to 1', default: '1' }]);
  assert.equal(ratio.traces.samplerRatio, 1);
});

test('a service started with bad variables (or an unknown instrumentation name) warns clearly and keeps serving', async (t) => {
  const service = await startService({
    script: fileURLToPath(new URL('./fixtures/express-app.ts', import.meta.url)),
    cwd: packageDir,
    env: {
      OTEL_SERVICE_NAME: 'bad-env',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: 'abc',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url',
      OTEL_PROPAGATORS: 'xray',
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pgx',
    },
  });
  t.after(() => service.stop('SIGKILL'));
  assert.equal((await fetch(`${service.url}/items/1`)).status, 200);
  // stdout is written in batches (at least every 100 ms): wait for the last line init() logs.
  await service.waitForLine((line) => line.includes('"instrumentation":"pgx"'), 5000);
  const warnings = jsonLines(service.lines).filter((line) => line.level === 'warn' && typeof line.variable === 'string');
  assert.deepEqual(warnings.map((line) => line.variable).sort(), ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_PROPAGATORS', 'OTEL_TRACES_SAMPLER_ARG']);
  const sampler = warnings.find((line) => line.variable === 'OTEL_TRACES_SAMPLER_ARG')!;
  assert.equal(sampler.msg, 'invalid OTEL_TRACES_SAMPLER_ARG="abc": expected a number from 0 to 1; using 1');
  const endpoint = warnings.find((line) => line.variable === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')!;
  assert.match(String(endpoint.msg), /"not a url": expected an absolute http:\/\/ or https:\/\/ URL/);
  const propagator = warnings.find((line) => line.variable === 'OTEL_PROPAGATORS')!;
  assert.match(String(propagator.accepted), /tracecontext, baggage, b3, b3multi, none/);
  const unknown = jsonLines(service.lines).find((line) => line.instrumentation === 'pgx');
  assert.equal(unknown?.msg, 'unknown instrumentation "pgx" ignored', 'an unknown instrumentation name is named');
  assert.ok((unknown?.known as string[] | undefined)?.includes('pg'), 'with the known names');
});
