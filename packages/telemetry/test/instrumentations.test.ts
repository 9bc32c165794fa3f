// Auto-detected instrumentations, as a user gets them: an application in a temporary project outside this
// repository depends on the built package and on real libraries, and is started from another working directory
// (detection follows the entry point, not the cwd). Each library call made in a request must produce its span under
// the request's server span, in CommonJS (init() first line) and in ESM (--import .../register with static imports,
// and init() followed by a dynamic import of the application).
// Servers: PostgreSQL and Redis started by the test from the Debian packages (free ports, data in a temporary
// directory; PG_PORT / REDIS_PORT use running ones instead), MariaDB and RabbitMQ running on loopback (MYSQL_PORT,
// AMQP_PORT; their tests are skipped, saying so, when nothing listens there).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver, type ReceivedSpan } from '@lab/receiver';
import { createConnection } from 'node:net';
import { createUserProject, type UserProject } from './fixtures/instr-project/project.ts';
import { startPostgres, startRedis, type TestServer } from './fixtures/instr-project/servers.ts';
import { type RunningService, startService } from './helpers/service.ts';

const LIBRARIES = [
  'pg',
  'ioredis',
  'redis',
  'mysql2',
  'amqplib',
  'undici',
  'winston',
  'bunyan',
  '@grpc/grpc-js',
  'graphql',
  'kafkajs',
  '@aws-sdk/client-sqs',
  'mongodb',
];
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const NO_TYPESCRIPT = ['--no-experimental-strip-types'];

const MYSQL_PORT = Number(process.env.MYSQL_PORT ?? 3306);
const AMQP_PORT = Number(process.env.AMQP_PORT ?? 5672);

let project: UserProject;
let receiver: OtlpReceiver;
const servers: TestServer[] = [];
let pgPort: number;
let redisPort: number;
let mysqlUp: boolean;
let amqpUp: boolean;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function ownServer(variable: string, start: () => Promise<TestServer>): Promise<number> {
  if (process.env[variable]) return Number(process.env[variable]);
  const server = await start();
  servers.push(server);
  return server.port;
}

before(async () => {
  // The servers boot (separate processes) while the package is packed.
  const started = Promise.all([ownServer('PG_PORT', startPostgres), ownServer('REDIS_PORT', startRedis), listening(MYSQL_PORT), listening(AMQP_PORT)]);
  project = createUserProject(LIBRARIES, fileURLToPath(new URL('./fixtures/instr-app', import.meta.url)));
  receiver = await OtlpReceiver.start();
  [pgPort, redisPort, mysqlUp, amqpUp] = await started;
});
after(async () => {
  await Promise.all([receiver?.close(), ...servers.map((server) => server.stop())]);
  project?.remove();
});

function appEnv(serviceName: string): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: serviceName,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    LAB_TELEMETRY_ACCESS_LOG: 'false',
    PG_PORT: String(pgPort),
    PG_USER: process.env.PG_USER ?? 'postgres',
    PG_DATABASE: process.env.PG_DATABASE ?? 'test',
    REDIS_PORT: String(redisPort),
    MYSQL_PORT: String(MYSQL_PORT),
    AMQP_PORT: String(AMQP_PORT),
  };
}

/** Calls /<scenario> in a new trace; returns the server span and every span of the trace once the call is exported. */
async function run(app: RunningService, scenario: string, settle: (spans: ReceivedSpan[]) => boolean): Promise<{ server: ReceivedSpan; spans: ReceivedSpan[] }> {
  const traceId = randomBytes(16).toString('hex');
  const answer = await fetch(`${app.url}/${scenario}`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
  assert.equal(answer.status, 200, `${scenario}: ${await answer.text()}\n${app.stderr()}`);
  const server = await receiver.waitForSpan((span) => span.traceId === traceId && span.kind === SERVER && span.attributes['url.path'] === `/${scenario}`, 10_000);
  // Client spans end before the server span and spans are exported in the order they end, one batch at a time: once
  // the server span is in, the others are too. The short wait only covers a misbehaving exporter.
  const deadline = Date.now() + 1000;
  while (!settle(receiver.spansOfTrace(traceId)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return { server, spans: receiver.spansOfTrace(traceId) };
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) => spans.filter((span) => span.parentSpanId === parent.spanId);

const MODES = [
  { mode: 'CommonJS, init() on the first line', script: 'app.cjs', register: false },
  { mode: 'ESM, --import @lab/telemetry/register', script: 'app.mjs', register: true },
  { mode: 'ESM, init() then import() of the application', script: 'main.mjs', register: false },
];

for (const { mode, script, register } of MODES) {
  describe(mode, () => {
    let app: RunningService;
    before(async () => {
      const nodeArgs = register ? [...NO_TYPESCRIPT, '--import', project.register] : NO_TYPESCRIPT;
      app = await startService({ script: join(project.dir, script), nodeArgs, cwd: tmpdir(), env: appEnv(`instr-${script}`) });
    });
    after(() => app?.stop('SIGKILL'));

    // pg and mysql2 name no operation (the histogram takes the statement's first keyword); the redis clients do.
    const DATABASES = [
      { scenario: 'pg', system: 'postgresql', attribute: 'db.query.text', value: 'SELECT 1 AS one' },
      { scenario: 'mysql2', system: 'mysql', attribute: 'db.query.text', value: 'SELECT 1 AS one' },
      { scenario: 'ioredis', system: 'redis', attribute: 'db.operation.name', value: 'set' },
      { scenario: 'redis', system: 'redis', attribute: 'db.operation.name', value: 'GET' },
    ];
    for (const { scenario, system, attribute, value } of DATABASES) {
      test(`${scenario}: a ${system} client span under the server span, in the db duration histogram with an exemplar`, async (t) => {
        if (scenario === 'mysql2' && !mysqlUp) return t.skip(`no MariaDB/MySQL on 127.0.0.1:${MYSQL_PORT}`);
        const matches = (span: ReceivedSpan) => span.kind === CLIENT && span.attributes['db.system.name'] === system && span.attributes[attribute] === value;
        const { server, spans } = await run(app, scenario, (all) => all.some(matches));
        const query = childrenOf(spans, server).find(matches);
        assert.ok(query, `${scenario} span under the server span; got ${JSON.stringify(spans.map((span) => [span.name, span.kind, span.attributes]))}`);
        assert.equal(query.attributes['db.system'], undefined, 'stable database semantic conventions only');
        const metrics = await (await fetch(`${app.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } })).text();
        const bucket = metrics
          .split('\n')
          .find((line) => line.startsWith('db_client_operation_duration_seconds_bucket{') && line.includes(`db_system_name="${system}"`) && line.includes(`span_id="${query.spanId}"`));
        assert.ok(bucket, `an exemplar of the ${scenario} span on db_client_operation_duration_seconds`);
        assert.doesNotMatch(metrics, new RegExp(`^db_client_operation_duration_seconds_count\\{db_system_name="${system}",db_operation_name=""`, 'm'), 'connection setup is no operation');
      });
    }

    test('amqplib: a rabbitmq producer span under the server span', async (t) => {
      if (!amqpUp) return t.skip(`no RabbitMQ on 127.0.0.1:${AMQP_PORT}`);
      const isPublish = (span: ReceivedSpan) => span.kind === PRODUCER && span.attributes['messaging.system'] === 'rabbitmq';
      const { server, spans } = await run(app, 'amqplib', (all) => all.some(isPublish));
      assert.ok(childrenOf(spans, server).some(isPublish), JSON.stringify(spans.map((span) => [span.name, span.kind])));
    });

    for (const scenario of ['undici', 'fetch']) {
      test(`${scenario}: exactly one client span per request, parent of the called server's span`, async () => {
        const { server, spans } = await run(app, scenario, (all) => all.some((span) => span.kind === SERVER && span.attributes['url.path'] === '/target'));
        const clients = spans.filter((span) => span.kind === CLIENT);
        assert.equal(clients.length, 1, JSON.stringify(clients.map((span) => [span.name, span.scope.name])));
        assert.equal(clients[0]!.parentSpanId, server.spanId);
        const target = spans.find((span) => span.kind === SERVER && span.attributes['url.path'] === '/target');
        assert.equal(target?.parentSpanId, clients[0]!.spanId);
      });
    }

    test('@grpc/grpc-js: a client span under the server span, the gRPC server span under it', async () => {
      const isClient = (span: ReceivedSpan) => span.kind === CLIENT && span.attributes['rpc.system'] === 'grpc';
      const { server, spans } = await run(app, 'grpc', (all) => all.some(isClient) && all.filter((span) => span.kind === SERVER).length === 2);
      const client = childrenOf(spans, server).find(isClient);
      assert.ok(client, JSON.stringify(spans.map((span) => [span.name, span.kind, span.attributes])));
      assert.equal(client.attributes['rpc.method'], 'SayHello');
      assert.ok(childrenOf(spans, client).some((span) => span.kind === SERVER && span.attributes['rpc.system'] === 'grpc'), 'the gRPC server span');
    });

    test('graphql: the execution span under the server span', async () => {
      const isExecute = (span: ReceivedSpan) => span.scope.name === '@opentelemetry/instrumentation-graphql' && span.name.startsWith('query');
      const { server, spans } = await run(app, 'graphql', (all) => all.some(isExecute));
      assert.ok(childrenOf(spans, server).some(isExecute), JSON.stringify(spans.map((span) => [span.name, span.scope.name])));
    });

    test('kafkajs (no broker): the failed send has its producer span under the server span, with the error', async () => {
      const isSend = (span: ReceivedSpan) => span.kind === PRODUCER && span.attributes['messaging.system'] === 'kafka';
      const { server, spans } = await run(app, 'kafkajs', (all) => all.some(isSend));
      const send = childrenOf(spans, server).find(isSend);
      assert.ok(send, JSON.stringify(spans.map((span) => [span.name, span.kind, span.attributes])));
      assert.equal(send.attributes['messaging.destination.name'], 'lab-orders');
      assert.equal(send.status.code, 2);
    });

    test('@aws-sdk/client-sqs (no endpoint): the failed call has its client span under the server span, the HTTP attempt under it', async () => {
      const isCall = (span: ReceivedSpan) => span.kind === CLIENT && span.attributes['rpc.system'] === 'aws-api';
      const { server, spans } = await run(app, 'awsSdk', (all) => all.some(isCall));
      const call = childrenOf(spans, server).find(isCall);
      assert.ok(call, JSON.stringify(spans.map((span) => [span.name, span.kind, span.attributes])));
      assert.equal(call.attributes['rpc.service'], 'SQS');
      assert.equal(call.attributes['rpc.method'], 'ListQueues');
      assert.equal(call.status.code, 2);
      assert.ok(childrenOf(spans, call).some((span) => span.kind === CLIENT && span.attributes['server.port'] === 9), 'the HTTP request span');
    });

    test('mongodb (no server): the driver the application loaded is instrumented', async () => {
      await run(app, 'mongodb', () => true);
    });

    for (const logger of ['winston', 'bunyan']) {
      test(`${logger}: the line logged in a request carries its trace_id and span_id`, async () => {
        const { server } = await run(app, 'loggers', () => true);
        const line = JSON.parse(await app.waitForLine((text) => text.includes(`${logger} logger line`) && text.includes(server.traceId), 5000)) as Record<string, unknown>;
        assert.equal(line['span_id'], server.spanId);
        assert.equal(line['trace_flags'], '01');
      });
    }
  });
}

for (const { variable, value, traced } of [
  { variable: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', value: 'pg', traced: { pg: false, ioredis: true } },
  { variable: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', value: 'none', traced: { pg: false, ioredis: false } },
]) {
  test(`${variable}=${value} turns off ${value === 'none' ? 'every instrumentation' : `${value}, not the others`}`, async (t) => {
    const app = await startService({ script: join(project.dir, 'app.cjs'), nodeArgs: NO_TYPESCRIPT, cwd: tmpdir(), env: { ...appEnv('instr-selection'), [variable]: value } });
    t.after(() => app.stop('SIGKILL'));
    for (const [scenario, expected] of Object.entries(traced)) {
      const { server, spans } = await run(app, scenario, (all) => all.some((span) => span.kind === CLIENT));
      assert.equal(childrenOf(spans, server).some((span) => span.kind === CLIENT), expected, `${scenario} traced: ${expected}`);
    }
  });
}

for (const script of ['early.cjs', 'early.mjs']) {
  test(`${script}: a library loaded before init() is named in one warning (it would produce no spans)`, async (t) => {
    const app = await startService({ script: join(project.dir, script), nodeArgs: NO_TYPESCRIPT, cwd: dirname(project.dir), env: appEnv('instr-early') });
    t.after(() => app.stop('SIGKILL'));
    const line = JSON.parse(await app.waitForLine((text) => text.includes('"module":"pg"'), 5000)) as Record<string, unknown>;
    assert.equal(line['level'], 'warn');
    assert.equal(line['instrumentation'], 'pg');
    assert.match(String(line['msg']), /^pg was loaded before @lab\/telemetry could instrument it/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(app.lines.filter((text) => text.includes('"module":"pg"')).length, 1, 'warned once');
  });
}
