// Fault injection end to end on a real catalog process: the admin API (token, validation), every fault knob
// (latency, error, CPU, incident schedule) changing behaviour and showing up as span attributes (decoded by the
// OTLP receiver), `fault` log lines and the lab_fault_active gauge; LAB_FAULTS at start; graceful drain.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { OtlpReceiver, type ReceivedSpan } from '@lab/receiver';
import { requestJson, scrapeSample, type ServiceProcess, shopHarness } from '@lab/dev-kit/shop';

const { startServiceProcess } = shopHarness(import.meta.url);

const token = 'test-admin-token-0123456789';
const route = 'GET /products/:id';
let receiver: OtlpReceiver;
let catalog: ServiceProcess;
const started: ServiceProcess[] = [];

before(async () => {
  receiver = await OtlpReceiver.start({ host: '127.0.0.1', port: 0 });
  catalog = await startServiceProcess('catalog', { otlpEndpoint: receiver.url, adminToken: token });
  started.push(catalog);
});
after(async () => {
  await Promise.all(started.map((service) => service.stop()));
  await receiver?.close();
});

const admin = (method: string, body?: unknown, auth = `Bearer ${token}`) =>
  requestJson(`${catalog.adminUrl}/faults`, { method, body, headers: { authorization: auth } });
const setFaults = async (faults: unknown) => assert.equal((await admin('PUT', faults)).status, 200);
const gauge = (fault: string, faultRoute = route) => scrapeSample(catalog.url, 'lab_fault_active', { route: faultRoute, fault });

/** Requests one product inside a trace of our own (traceparent), then finds the service's server span of it. */
async function probe(id = 'p-0001') {
  const traceId = randomBytes(16).toString('hex');
  const startedAt = performance.now();
  const response = await requestJson(`${catalog.url}/products/${id}`, {
    headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
  });
  const elapsedMs = performance.now() - startedAt;
  const span = await receiver
    .waitForSpan((candidate: ReceivedSpan) => candidate.traceId === traceId && candidate.kind === 2, 10_000)
    .catch(() => undefined);
  return { response, elapsedMs, span };
}

test('the admin API needs the bearer token and is not on the public port', async () => {
  assert.equal((await admin('GET', undefined, 'Bearer wrong')).status, 401);
  const unauthenticated = await requestJson(`${catalog.adminUrl}/faults`);
  assert.equal(unauthenticated.status, 401);
  assert.equal(unauthenticated.headers.get('www-authenticate'), 'Bearer realm="lab-admin"');
  const current = await admin('GET');
  assert.equal(current.status, 200);
  assert.deepEqual(current.body.faults, {});
  assert.equal((await requestJson(`${catalog.url}/faults`)).status, 404);
  const listening = catalog.logs.find((line) => line.msg === 'listening')!;
  assert.equal(listening['admin_auth'], 'bearer');
});

test('invalid fault settings are refused with a 400 naming the field, and nothing changes', async () => {
  const { status, body } = await admin('PUT', { [route]: { errorPercent: 150 }, 'FETCH /x': { cpuMs: 1 } });
  assert.equal(status, 400);
  const fields = body.errors.map((error: { field: string }) => error.field);
  assert.ok(fields.includes(`${route}.errorPercent`), JSON.stringify(fields));
  assert.ok(fields.some((field: string) => field.startsWith('FETCH /x')), JSON.stringify(fields));
  const notJson = await requestJson(`${catalog.adminUrl}/faults`, {
    method: 'PUT',
    rawBody: '{}',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
  });
  assert.equal(notJson.status, 415);
  assert.deepEqual((await admin('GET')).body.faults, {});
});

test('latency: the request waits, and span, log and gauge report it', async () => {
  await setFaults({ [route]: { latencyMs: 300 } });
  assert.equal(await gauge('latency'), 1);
  assert.equal(await gauge('error'), 0);
  const { response, elapsedMs, span } = await probe();
  assert.equal(response.status, 200);
  assert.ok(elapsedMs >= 300, `answered after ${elapsedMs} ms despite a 300 ms fault`);
  assert.ok(span, 'no server span for the probe');
  assert.equal(span.attributes['lab.fault.active'], true);
  assert.equal(span.attributes['lab.fault.kind'], 'latency');
  assert.equal(span.attributes['lab.fault.latency_ms'], 300);
  const log = await catalog.waitForLog((line) => line.fault === 'latency' && line['latency_ms'] === 300);
  assert.equal(log['fault_route'], route);
  assert.equal(log.trace_id, span.traceId);
  // Other routes are untouched: the most specific matching rule decides.
  assert.equal((await requestJson(`${catalog.url}/products?limit=1`)).status, 200);
});

test('error: every request fails with the configured status as a problem, and is reported', async () => {
  await setFaults({ [route]: { errorPercent: 100, errorStatus: 503 } });
  assert.equal(await gauge('error'), 1);
  assert.equal(await gauge('latency'), 0);
  const { response, span } = await probe();
  assert.equal(response.status, 503);
  assert.equal(response.body.type, 'urn:lab:problem:injected-fault');
  assert.ok(span);
  assert.equal(span.attributes['lab.fault.kind'], 'error');
  assert.equal(span.attributes['http.route'], '/products/:id');
  await catalog.waitForLog((line) => line.fault === 'error' && line['status'] === 503);
  const errors = await scrapeSample(catalog.url, 'http_server_request_duration_seconds_count', {
    http_route: '/products/:id',
    http_response_status_code: '503',
  });
  assert.ok((errors ?? 0) >= 1, 'the injected 503 is missing from the RED metrics of its route');
});

test('cpu: the request burns CPU on the event loop, and is reported', async () => {
  await setFaults({ [route]: { cpuMs: 150 } });
  assert.equal(await gauge('cpu'), 1);
  const { response, elapsedMs, span } = await probe();
  assert.equal(response.status, 200);
  assert.ok(elapsedMs >= 150, `answered after ${elapsedMs} ms despite 150 ms of CPU work`);
  assert.ok(span);
  assert.equal(span.attributes['lab.fault.kind'], 'cpu');
  await catalog.waitForLog((line) => line.fault === 'cpu' && line['cpu_ms'] === 150);
});

test('incident: inside its window the incident effects apply and are reported; outside, nothing does', async () => {
  await setFaults({ [route]: { incident: { every: '1h', duration: '30m', errorPercent: 100, errorStatus: 500 } } });
  assert.equal(await gauge('incident'), 1);
  assert.equal(await gauge('error'), 1);
  const inside = await probe();
  assert.equal(inside.response.status, 500);
  assert.ok(inside.span);
  assert.equal(inside.span.attributes['lab.fault.kind'], 'error,incident');
  await catalog.waitForLog((line) => line.fault === 'incident');
  const status = await admin('GET');
  assert.equal(status.body.active[0].incident.active, true);

  await setFaults({ [route]: { incident: { every: '1h', duration: '10m', offset: '30m', errorPercent: 100 } } });
  assert.equal(await gauge('incident'), 0);
  assert.equal((await probe()).response.status, 200);
  const scheduled = await admin('GET');
  assert.equal(scheduled.body.active[0].incident.active, false);
  assert.ok(Date.parse(scheduled.body.active[0].incident.nextStartAt) > Date.now());
});

test('schedules too far out for a date are refused with a 400 naming the field; /faults and /metrics keep working', async () => {
  await setFaults({ [route]: { latencyMs: 1 } });
  const outOfRange = [
    [{ '*': { incident: { every: 1e300, duration: 1 } } }, '*.incident.every'],
    [{ '*': { incident: { every: '1h', duration: '1m', offset: '9999999999h' } } }, '*.incident.offset'],
    [{ '*': { incident: { every: '3000000000h', duration: '1s' } } }, '*.incident.every'],
  ] as const;
  for (const [faults, field] of outOfRange) {
    const { status, body } = await admin('PUT', faults);
    assert.equal(status, 400, JSON.stringify(body));
    assert.ok(body.errors.some((error: { field: string }) => error.field === field), JSON.stringify(body.errors));
  }
  const current = await admin('GET');
  assert.equal(current.status, 200);
  assert.deepEqual(current.body.faults, { [route]: { latencyMs: 1 } });
  assert.equal(await gauge('latency'), 1);
  await assert.rejects(
    startServiceProcess('catalog', { env: { LAB_FAULTS: '{"*":{"incident":{"every":1e300,"duration":1}}}' }, startTimeoutMs: 15_000 }),
    (error: Error) => /exited \(code 78\)/.test(error.message) && /invalid LAB_FAULTS: \*\.incident\.every/.test(error.message),
  );
  await admin('DELETE');
});

test('a "__proto__" key is refused, not read as "no faults"', async () => {
  await setFaults({ [route]: { latencyMs: 1 } });
  for (const rawBody of ['{"__proto__": {"latencyMs": 5}}', '{"*": {"incident": {"__proto__": {}, "every": "1m", "duration": "1s"}}}']) {
    const { status, body } = await requestJson(`${catalog.adminUrl}/faults`, {
      method: 'PUT',
      rawBody,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    assert.equal(status, 400, JSON.stringify(body));
    assert.ok(body.errors.some((error: { field: string; detail: string }) => error.field.endsWith('__proto__') || /__proto__/.test(error.detail)), JSON.stringify(body));
  }
  assert.deepEqual((await admin('GET')).body.faults, { [route]: { latencyMs: 1 } });
  await admin('DELETE');
});

test('the admin port serves /metrics without the token (for the scraper); /faults needs it; a short token is warned about', async () => {
  const metrics = await fetch(`${catalog.adminUrl}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /lab_fault_active/);
  assert.equal((await requestJson(`${catalog.adminUrl}/faults`)).status, 401);
  assert.ok(!catalog.logs.some((line) => /LAB_ADMIN_TOKEN is shorter/.test(String(line.msg))));
  const weak = await startServiceProcess('catalog', { adminToken: 'short-token' });
  started.push(weak);
  const warning = weak.logs.find((line) => /LAB_ADMIN_TOKEN is shorter than 16 characters/.test(String(line.msg)));
  assert.equal(warning?.level, 'warn');
  assert.ok(!JSON.stringify(weak.logs).includes('short-token'), 'the token itself is never logged');
  await weak.stop();
});

test('DELETE clears every fault', async () => {
  await setFaults({ '*': { errorPercent: 100 } });
  assert.equal((await requestJson(`${catalog.url}/products/p-0001`)).status, 500);
  assert.equal((await requestJson(`${catalog.url}/healthz`)).status, 200, 'health checks are never faulted');
  const cleared = await admin('DELETE');
  assert.deepEqual(cleared.body.faults, {});
  assert.equal(await gauge('error', '*'), 0);
  const { response, span } = await probe();
  assert.equal(response.status, 200);
  assert.ok(span);
  assert.equal(span.attributes['lab.fault.active'], undefined);
});

test('LAB_FAULTS applies at start; an invalid one stops the service with a message naming the field', async () => {
  const faulty = await startServiceProcess('catalog', { env: { LAB_FAULTS: JSON.stringify({ 'GET /products': { errorPercent: 100 } }) } });
  started.push(faulty);
  assert.equal((await requestJson(`${faulty.url}/products`)).status, 500);
  assert.equal((await requestJson(`${faulty.url}/products/p-0001`)).status, 200);
  const listening = faulty.logs.find((line) => line.msg === 'listening')!;
  assert.equal(listening['admin_auth'], 'loopback-only');
  assert.ok(faulty.logs.some((line) => /LAB_ADMIN_TOKEN is unset/.test(String(line.msg))));

  await assert.rejects(
    startServiceProcess('catalog', { env: { LAB_FAULTS: '{"*": {"latencyMs": {"p50": 100, "p99": 10}}}' }, startTimeoutMs: 15_000 }),
    (error: Error) => /exited \(code 78\)/.test(error.message) && /invalid configuration: invalid LAB_FAULTS: \*\.latencyMs/.test(error.message),
  );
});

test('shutdown drains an in-flight request before exiting', async () => {
  const draining = await startServiceProcess('catalog', { env: { LAB_FAULTS: JSON.stringify({ [route]: { latencyMs: 1000 } }) } });
  started.push(draining);
  const inFlight = requestJson(`${draining.url}/products/p-0001`);
  await draining.waitForLog((line) => line.fault === 'latency');
  const exited = draining.stop();
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.equal(await exited, 143);
  const position = (predicate: (line: (typeof draining.logs)[number]) => boolean) => draining.logs.findIndex(predicate);
  const drainStart = position((line) => line.msg === 'draining in-flight requests');
  const completed = position((line) => line.msg === 'request completed' && line['route'] === '/products/:id');
  const drained = position((line) => line.msg === 'drained');
  assert.ok(drainStart >= 0 && drainStart < completed && completed < drained, `order: ${drainStart}, ${completed}, ${drained}`);
});
