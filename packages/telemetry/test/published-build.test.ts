// The built package (scripts/build.ts), exercised the way npm users get it: JavaScript apps that load only dist/
// (TypeScript stripping turned off, so no source file can sneak in), ESM and CommonJS, the zero-code entry, the
// sqlite entry sharing the one implementation, lazily loaded profiling, and the type declarations checked by tsc.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver, PyroscopeReceiver } from '@lab/receiver';
import { buildPackage } from '../scripts/build.ts';
import { baseEnv, startService } from './helpers/service.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
/** Only JavaScript may load: any .ts module fails with ERR_UNKNOWN_FILE_EXTENSION. */
const NO_TYPESCRIPT = ['--no-experimental-strip-types'];
const SERVER = 2;
const CLIENT = 3;
/** Span labels need AsyncContextFrame, the default from Node 24 (docs/profiling.md). */
const ASYNC_CONTEXT_FRAME = Number(process.versions.node.split('.')[0]) >= 24;

// Inside the package folder, so that the external dependencies resolve from its node_modules as they would from an
// installed copy's.
const dist = mkdtempSync(join(packageDir, '.build-test-'));
let bundled: string[];
let receiver: OtlpReceiver;
let pyroscope: PyroscopeReceiver;

before(async () => {
  ({ bundledPackages: bundled } = await buildPackage(dist));
  receiver = await OtlpReceiver.start();
  pyroscope = await PyroscopeReceiver.start();
});
after(async () => {
  await Promise.all([receiver?.close(), pyroscope?.close()]);
  rmSync(dist, { recursive: true, force: true });
});

function env(serviceName: string, extra: Record<string, string> = {}): Record<string, string> {
  return { OTEL_SERVICE_NAME: serviceName, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', ...extra };
}


test('the build bundles the startup dependencies, keeps the OpenTelemetry API and native profiling external, and ships their licenses', () => {
  const names = bundled.map((name) => name.replace(/@[^@]+$/, ''));
  for (const name of ['@opentelemetry/sdk-trace', '@opentelemetry/core', 'pino', 'prom-client']) assert.ok(names.includes(name), `${name} bundled`);
  for (const name of ['@opentelemetry/api', '@datadog/pprof', '@pyroscope/nodejs']) assert.ok(!names.includes(name), `${name} external`);
  const licenses = readFileSync(join(dist, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
  for (const name of bundled) assert.ok(licenses.includes(name), `license of ${name}`);
  assert.match(licenses, /Apache License/);
});

test('ESM app on dist/: server span with its sqlite client span, correlated log line, RED metrics, span profile flushed at SIGTERM', async (t) => {
  const app = await startService({
    script: fixture('published-app.mjs'),
    nodeArgs: NO_TYPESCRIPT,
    cwd: packageDir,
    env: env('published-esm', { TELEMETRY_DIST: dist, PYROSCOPE_SERVER_ADDRESS: pyroscope.url, PYROSCOPE_UPLOAD_INTERVAL: '60s' }),
  });
  t.after(() => app.stop('SIGKILL'));
  const traceId = '7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a';
  for (let i = 0; i < 5; i++) {
    const answer = await fetch(`${app.url}/order`, { headers: { traceparent: `00-${traceId}-7a7a7a7a7a7a7a7a-01` } });
    assert.equal(answer.status, 200);
    await answer.text();
  }
  const server = await receiver.waitForSpan((span) => span.traceId === traceId && span.kind === SERVER, 10_000);
  assert.equal(server.resource['service.name'], 'published-esm');
  const sql = await receiver.waitForSpan((span) => span.traceId === traceId && span.kind === CLIENT && span.parentSpanId === server.spanId, 10_000);
  assert.equal(sql.attributes['db.system.name'], 'sqlite');

  const logged = JSON.parse(await app.waitForLine((line) => line.includes('"order placed"'), 5000)) as Record<string, unknown>;
  assert.equal(logged['trace_id'], traceId);
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(metrics, /http_server_request_duration_seconds_count\{[^}]*\} 5/);

  assert.equal(await app.stop('SIGTERM', 10_000), 143, 'the library handled SIGTERM and exited by itself');
  const profile = pyroscope.profiles().find((received) => received.appName === 'published-esm' && received.samples.length > 0);
  assert.ok(profile, `a profile was uploaded at shutdown; stderr:\n${app.stderr()}`);
  const slow = profile.samples.filter((sample) => sample.stack.some((frame) => frame.includes(':priceTheOrderSlowly:')));
  assert.ok(slow.length > 0, 'the slow function was sampled');
  if (ASYNC_CONTEXT_FRAME) {
    assert.ok(slow.every((sample) => /^[0-9a-f]{16}$/.test(sample.labels['span_id'] ?? '')), 'its samples carry span_id labels');
  } else {
    // docs/profiling.md: without AsyncContextFrame, profiles go up unlabelled rather than with another request's span.
    assert.ok(slow.every((sample) => sample.labels['span_id'] === undefined), 'no span_id labels without AsyncContextFrame');
  }
});

test('zero-code entry dist/register.js with a CommonJS app: spans exported, the app\'s own pino lines carry trace ids', async (t) => {
  const app = await startService({
    script: fixture('plain-app.cjs'),
    nodeArgs: [...NO_TYPESCRIPT, '--import', join(dist, 'register.js')],
    cwd: packageDir,
    env: env('published-cjs'),
  });
  t.after(() => app.stop('SIGKILL'));
  const traceId = '7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b7b';
  await (await fetch(`${app.url}/hello`, { headers: { traceparent: `00-${traceId}-7b7b7b7b7b7b7b7b-01` } })).text();
  await receiver.waitForSpan((span) => span.traceId === traceId && span.kind === SERVER && span.resource['service.name'] === 'published-cjs', 10_000);
  const line = JSON.parse(await app.waitForLine((text) => text.includes('app logger line'), 5000)) as Record<string, unknown>;
  assert.equal(line['trace_id'], traceId);
});

test('require() of dist/index.js from CommonJS: one handle however many calls', () => {
  const script = `const t = require(${JSON.stringify(join(dist, 'index.js'))});
const a = t.init({ serviceName: 'published-require', handleSignals: false });
console.log(JSON.stringify({ same: a === t.init() && a === t.getTelemetry(), logger: typeof a.logger.info, service: a.serviceName }));
a.shutdown();`;
  const result = spawnSync(process.execPath, [...NO_TYPESCRIPT, '-e', script], { cwd: packageDir, encoding: 'utf8', env: baseEnv({ OTEL_TRACES_EXPORTER: 'none', LAB_TELEMETRY_ACCESS_LOG: 'false' }), timeout: 15_000 });
  assert.equal(result.status, 0, result.stderr);
  const summary = result.stdout.split('\n').find((line) => line.startsWith('{"same"'));
  assert.deepEqual(JSON.parse(summary ?? '{}'), { same: true, logger: 'function', service: 'published-require' });
});

test('the type declarations type-check a consumer, and reject a wrong option', () => {
  const consumer = mkdtempSync(join(dist, 'consumer-'));
  writeFileSync(
    join(consumer, 'app.ts'),
    `import { init, drainServer } from '../index.js';
import { instrumentDatabase } from '../sqlite.js';
import { DatabaseSync } from 'node:sqlite';
const telemetry = init({ serviceName: 'typed' });
telemetry.logger.info({ order_id: 1 }, 'typed');
const orders = telemetry.metrics.counter({ name: 'orders_total', help: 'Orders.', labelNames: ['status'] });
orders.inc({ status: 'ok' });
instrumentDatabase(new DatabaseSync(':memory:'), { name: 'shop' });
void drainServer;
// @ts-expect-error serviceName is a string
init({ serviceName: 42 });
`,
  );
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2024', types: ['node'], skipLibCheck: false }, files: ['app.ts'] }),
  );
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  const result = spawnSync(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: packageDir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});
