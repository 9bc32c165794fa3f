// Route templates of fastify 5 and 4, koa with @koa/router, hapi, and NestJS on express and on fastify, as a user gets them (an application in a
// project outside this repository on the built package, started from another working directory), in CommonJS and
// ESM: server span names `METHOD /template`, `http.route`, the RED label http_route; unmatched requests collapse.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OtlpReceiver } from '@lab/receiver';
import { createUserProject, type UserProject } from './fixtures/instr-project/project.ts';
import { type RunningService, startService } from './helpers/service.ts';

const LIBRARIES = [
  'fastify',
  'fastify4',
  'koa',
  '@koa/router',
  '@hapi/hapi',
  '@nestjs/core',
  '@nestjs/common',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  'reflect-metadata',
  'rxjs',
];
const SERVER = 2;
const NO_TYPESCRIPT = ['--no-experimental-strip-types'];
/** Template of each framework for /items/1 and /v1/users/2. */
const TEMPLATES: Record<string, [string, string]> = {
  fastify5: ['/items/:id', '/v1/users/:user'],
  fastify4: ['/items/:id', '/v1/users/:user'],
  koa: ['/items/:id', '/v1/users/:user'],
  hapi: ['/items/{id}', '/v1/users/{user}'],
  nestExpress: ['/items/:id', '/v1/users/:user'],
  nestFastify: ['/items/:id', '/v1/users/:user'],
};

let project: UserProject;
let receiver: OtlpReceiver;

before(async () => {
  project = createUserProject(LIBRARIES, fileURLToPath(new URL('./fixtures/instr-frameworks', import.meta.url)));
  receiver = await OtlpReceiver.start();
});
after(async () => {
  await receiver?.close();
  project?.remove();
});

for (const esm of [false, true]) {
  describe(esm ? 'ESM, --import @lab/telemetry/register' : 'CommonJS, init() on the first line', () => {
    let app: RunningService;
    let ports: Record<string, number>;
    before(async () => {
      app = await startService({
        script: join(project.dir, esm ? 'app.mjs' : 'app.cjs'),
        nodeArgs: esm ? [...NO_TYPESCRIPT, '--import', project.register] : NO_TYPESCRIPT,
        cwd: tmpdir(),
        env: { OTEL_SERVICE_NAME: 'frameworks', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', LAB_TELEMETRY_ACCESS_LOG: 'false' },
      });
      ports = JSON.parse((await app.waitForLine((line) => line.startsWith('ports '), 5000)).slice('ports '.length)) as Record<string, number>;
    });
    after(() => app?.stop('SIGKILL'));

    for (const [framework, [itemTemplate, userTemplate]] of Object.entries(TEMPLATES)) {
      test(`${framework}: span names and http_route are the templates; unmatched paths collapse`, async () => {
        const base = `http://127.0.0.1:${ports[framework]}`;
        const calls = [
          { path: '/items/1', status: 200, route: itemTemplate },
          { path: '/v1/users/2', status: 200, route: userTemplate },
          { path: '/missing/3', status: 404, route: undefined },
          { path: '/items/1/extra', status: 404, route: undefined },
        ];
        for (const { path, status, route } of calls) {
          const traceId = randomBytes(16).toString('hex');
          const answer = await fetch(`${base}${path}`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
          assert.equal(answer.status, status, `${framework} ${path}`);
          await answer.text();
          const span = await receiver.waitForSpan((received) => received.traceId === traceId && received.kind === SERVER, 10_000);
          assert.equal(span.name, route === undefined ? 'GET' : `GET ${route}`, `${framework} ${path}`);
          assert.equal(span.attributes['http.route'], route);
          assert.equal(receiver.spansOfTrace(traceId).length, 1, 'no span per middleware or handler');
        }
        // One process serves every framework: its histogram holds all their routes.
        const metrics = await (await fetch(`${base}/metrics`)).text();
        const routes = metrics
          .split('\n')
          .filter((line) => line.startsWith('http_server_request_duration_seconds_count{'))
          .map((line) => /http_route="([^"]*)"/.exec(line)?.[1]);
        for (const route of [itemTemplate, userTemplate, '/*']) assert.ok(routes.includes(route), `http_route="${route}" in\n${metrics}`);
        assert.ok(!routes.some((route) => route?.startsWith('/missing') || route?.endsWith('/extra')), 'no raw path as label');
      });
    }
  });
}
