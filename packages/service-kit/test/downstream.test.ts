// DownstreamClient against real local HTTP servers: retries only where safe, bounded, and every failure mapped
// to a 503/502 problem that says which service failed and how.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { DownstreamClient, HttpProblem } from '@lab/service-kit';
import { freePort } from '@lab/dev-kit/ports';

const servers: Server[] = [];
after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

/** A server answering with `responses` in turn (the last one repeats); counts the requests it got. */
async function fakeService(responses: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    const respond = responses[Math.min(state.requests, responses.length - 1)]!;
    state.requests++;
    respond(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DownstreamClient({ name: 'fake', baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, backoffMs: 1, timeoutMs: 300 });
  return { state, client };
}

const json = (status: number, body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
  res.end(JSON.stringify(body));
};

async function problemOf(promise: Promise<unknown>): Promise<HttpProblem> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HttpProblem, String(error));
    return error;
  }
  assert.fail('expected the call to fail');
}

test('idempotent calls retry a 503 and succeed', async () => {
  const { state, client } = await fakeService([json(503, { title: 'busy', status: 503 }), json(200, { ok: true })]);
  const response = await client.request({ path: '/thing' });
  assert.deepEqual([response.status, response.body, state.requests], [200, { ok: true }, 2]);
});

test('retries are bounded, and the final problem is a 503 naming the service', async () => {
  const { state, client } = await fakeService([json(503, { title: 'busy', status: 503, detail: 'overloaded' })]);
  const problem = await problemOf(client.request({ path: '/thing' }));
  assert.equal(state.requests, 3);
  assert.equal(problem.status, 503);
  assert.equal(problem.body['downstream'], 'fake');
  assert.equal(problem.body.detail, 'fake answered 503: overloaded');
  assert.match(problem.internalDetail!, /fake answered 503: overloaded \(GET http:\/\/127\.0\.0\.1:\d+\/thing, attempt 3\)/);
  assert.equal(problem.headers['Retry-After'], '1');
});

test('a POST is not retried unless marked idempotent', async () => {
  const once = await fakeService([json(503, { title: 'busy', status: 503 })]);
  await problemOf(once.client.request({ method: 'POST', path: '/charge', body: {} }));
  assert.equal(once.state.requests, 1);
  const keyed = await fakeService([json(503, { title: 'busy', status: 503 }), json(201, { id: 1 })]);
  const response = await keyed.client.request({ method: 'POST', path: '/charge', body: {}, idempotent: true });
  assert.deepEqual([response.status, keyed.state.requests], [201, 2]);
});

test('a 503 that already names its own downstream is not retried (no retry storms across layers)', async () => {
  const { state, client } = await fakeService([json(503, { title: 'x', status: 503, downstream: 'payments', detail: 'payments is unavailable' })]);
  const problem = await problemOf(client.request({ path: '/orders' }));
  assert.equal(state.requests, 1);
  assert.match(problem.body.detail!, /payments is unavailable/);
});

test('other 5xx become 502; 4xx answers are returned to the caller, which can re-raise them', async () => {
  const broken = await fakeService([json(500, { title: 'boom', status: 500 })]);
  const problem = await problemOf(broken.client.request({ path: '/x' }));
  assert.equal(problem.status, 502);
  assert.equal(problem.body.type, 'urn:lab:problem:downstream-error');
  const notFound = await fakeService([json(404, { type: 'urn:lab:problem:not-found', title: 'product not found', status: 404, detail: 'nope' })]);
  const response = await notFound.client.request({ path: '/x' });
  assert.equal(response.status, 404);
  const reraised = notFound.client.problemFrom(response);
  assert.deepEqual([reraised.status, reraised.body.type, reraised.body.detail, reraised.body['downstream']], [404, 'urn:lab:problem:not-found', 'nope', 'fake']);
});

test('a non-JSON answer is a 502 that says so', async () => {
  const { client } = await fakeService([(_req, res) => res.end('<html>')]);
  const problem = await problemOf(client.request({ path: '/x' }));
  assert.equal(problem.status, 502);
  assert.match(problem.body.detail!, /not JSON/);
});

test('a hanging service times out per attempt into a 503', async () => {
  const { state, client } = await fakeService([() => {}]);
  const problem = await problemOf(client.request({ path: '/slow' }));
  assert.equal(problem.status, 503);
  assert.match(problem.body.detail!, /no answer within 300 ms/);
  assert.equal(state.requests, 3);
});

test('an unreachable service is a 503 with the connection error', async () => {
  const client = new DownstreamClient({ name: 'gone', baseUrl: `http://127.0.0.1:${await freePort()}`, backoffMs: 1 });
  const problem = await problemOf(client.request({ path: '/x' }));
  assert.equal(problem.status, 503);
  assert.match(problem.body.detail!, /gone is unavailable: ECONNREFUSED/);
  await assert.rejects(client.check(), /ECONNREFUSED|fetch failed/);
});
