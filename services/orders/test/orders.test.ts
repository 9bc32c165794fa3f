// Orders over real HTTP with real catalog and payments processes: checkout orchestration, exactly-once per
// Idempotency-Key (sequential and concurrent retries), declines, validation, and a downstream outage.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OtlpReceiver, type ReceivedSpan } from '@lab/receiver';
import { freePort } from '@lab/dev-kit/ports';
import { requestJson, scrapeSample, type ServiceProcess, shopHarness } from '@lab/dev-kit/shop';

const { startServiceProcess } = shopHarness(import.meta.url);

const card = { number: '4242424242424242', expiry: '12/30', cvc: '123' };
let catalog: ServiceProcess;
let payments: ServiceProcess;
let orders: ServiceProcess;
const started: ServiceProcess[] = [];

before(async () => {
  [catalog, payments] = await Promise.all([startServiceProcess('catalog'), startServiceProcess('payments')]);
  started.push(catalog, payments);
  orders = await startServiceProcess('orders', { env: { CATALOG_URL: catalog.url, PAYMENTS_URL: payments.url } });
  started.push(orders);
});
after(() => Promise.all(started.map((service) => service.stop())));

const checkout = (key: string | undefined, body: unknown, url = orders.url) =>
  requestJson(`${url}/orders`, { body, headers: key === undefined ? {} : { 'Idempotency-Key': key } });
const paymentsFor = async (orderId: string) =>
  (await requestJson(`${payments.url}/payments?limit=500`)).body.items.filter((payment: { orderId: string }) => payment.orderId === orderId);

test('a checkout reserves stock, authorizes the total and confirms the order', async () => {
  const stock = (await requestJson(`${catalog.url}/products/p-0010`)).body.stock;
  const { status, headers, body } = await checkout('key-happy', { customerId: 'c1', items: [{ productId: 'p-0010', quantity: 2 }], card });
  assert.equal(status, 201);
  assert.equal(body.status, 'confirmed');
  assert.equal(headers.get('location'), `/orders/${body.id}`);
  assert.equal(body.totalCents, 2 * body.items[0].unitPriceCents);
  assert.equal(body.payment.status, 'authorized');
  assert.equal((await requestJson(`${catalog.url}/products/p-0010`)).body.stock, stock - 2);
  const [payment] = await paymentsFor(body.id);
  assert.equal(payment.amountCents, body.totalCents);
  assert.deepEqual((await requestJson(`${orders.url}/orders/${body.id}`)).body, body);
  const history = await requestJson(`${orders.url}/orders?customerId=c1`);
  assert.deepEqual(history.body.items.map((order: { id: string }) => order.id), [body.id]);
});

test('a retried checkout (same key) returns the same order and never charges twice', async () => {
  const request = { customerId: 'c2', items: [{ productId: 'p-0011', quantity: 1 }], card };
  const first = await checkout('key-retry', request);
  const second = await checkout('key-retry', request);
  assert.equal(first.status, 201);
  assert.equal(second.status, 201);
  assert.equal(second.headers.get('idempotent-replayed'), 'true');
  assert.equal(second.body.id, first.body.id);
  assert.equal((await paymentsFor(first.body.id)).length, 1);
});

test('concurrent retries with one key create one order and one charge', async () => {
  const request = { customerId: 'c3', items: [{ productId: 'p-0012', quantity: 1 }], card };
  const answers = await Promise.all(Array.from({ length: 8 }, () => checkout('key-concurrent', request)));
  assert.deepEqual(new Set(answers.map((answer) => answer.status)), new Set([201]));
  const ids = new Set(answers.map((answer) => answer.body.id));
  assert.equal(ids.size, 1);
  assert.equal((await paymentsFor([...ids][0] as string)).length, 1);
  assert.equal((await requestJson(`${orders.url}/orders?customerId=c3`)).body.items.length, 1);
});

test('reusing a key for a different request is a 422 naming the header', async () => {
  await checkout('key-reused', { customerId: 'c4', items: [{ productId: 'p-0013', quantity: 1 }], card });
  const { status, body } = await checkout('key-reused', { customerId: 'c4', items: [{ productId: 'p-0013', quantity: 5 }], card });
  assert.equal(status, 422);
  assert.deepEqual([body.errors[0].in, body.errors[0].field], ['header', 'idempotency-key']);
});

test('the same key with a different body while the first request is still running is a 422, not its order', async () => {
  const faults = `${payments.adminUrl}/faults`;
  assert.equal((await requestJson(faults, { method: 'PUT', body: { 'POST /payments/authorize': { latencyMs: 500 } } })).status, 200);
  try {
    const request = { customerId: 'c4b', items: [{ productId: 'p-0013', quantity: 1 }], card };
    const first = checkout('key-inflight', request);
    // The first run is now waiting on payments, so it is in flight in orders.
    await payments.waitForLog((line) => line.msg === 'fault injected' && line['fault'] === 'latency');
    const different = await checkout('key-inflight', { ...request, items: [{ productId: 'p-0013', quantity: 7 }] });
    assert.equal(different.status, 422, JSON.stringify(different.body));
    assert.equal(different.headers.get('idempotent-replayed'), null);
    assert.deepEqual([different.body.errors[0].in, different.body.errors[0].field], ['header', 'idempotency-key']);
    const same = await checkout('key-inflight', request);
    assert.equal((await first).status, 201);
    assert.deepEqual([same.status, same.body.id], [201, (await first).body.id]);
  } finally {
    await requestJson(faults, { method: 'DELETE' });
  }
});

test('a checkout without Idempotency-Key is a 400 naming the header', async () => {
  const { status, headers, body } = await checkout(undefined, { customerId: 'c5', items: [{ productId: 'p-0013', quantity: 1 }], card });
  assert.equal(status, 400);
  assert.match(headers.get('content-type')!, /^application\/problem\+json/);
  assert.deepEqual([body.errors[0].in, body.errors[0].field], ['header', 'idempotency-key']);
  assert.match(body.detail, /Idempotency-Key header is required/);
});

test('a declined card gives 402, releases the stock, and the retry replays the decline', async () => {
  const stock = (await requestJson(`${catalog.url}/products/p-0014`)).body.stock;
  const request = { customerId: 'c6', items: [{ productId: 'p-0014', quantity: 4 }], card: { ...card, number: '4000000000000002' } };
  const first = await checkout('key-declined', request);
  assert.equal(first.status, 402);
  assert.equal(first.body.type, 'urn:lab:problem:payment-declined');
  assert.equal((await requestJson(`${catalog.url}/products/p-0014`)).body.stock, stock);
  const order = await requestJson(`${orders.url}/orders/${first.body.orderId}`);
  assert.equal(order.body.status, 'payment_declined');
  const retry = await checkout('key-declined', request);
  assert.equal(retry.status, 402);
  assert.equal(retry.body.orderId, first.body.orderId);
  assert.equal((await paymentsFor(first.body.orderId)).length, 1);
});

test('validation errors name every nested field', async () => {
  const { status, body } = await checkout('key-invalid', { customerId: 'c7', items: [{ productId: 'nope', quantity: 1 }], card: { ...card, cvc: 'x' } });
  assert.equal(status, 400);
  assert.deepEqual(body.errors.map((error: { field: string }) => error.field).sort(), ['card.cvc', 'items.0.productId']);
});

test('with payments down, checkout fails fast with a 503 naming payments, and readiness says why', async () => {
  const closedPort = await freePort();
  const isolated = await startServiceProcess('orders', {
    env: { CATALOG_URL: catalog.url, PAYMENTS_URL: `http://127.0.0.1:${closedPort}` },
  });
  started.push(isolated);
  const { status, headers, body } = await checkout('key-outage', { customerId: 'c8', items: [{ productId: 'p-0015', quantity: 1 }], card }, isolated.url);
  assert.equal(status, 503);
  assert.match(headers.get('content-type')!, /^application\/problem\+json/);
  assert.equal(body.type, 'urn:lab:problem:downstream-unavailable');
  assert.equal(body.downstream, 'payments');
  assert.match(body.detail, /payments is unavailable: ECONNREFUSED/);
  // Internal addresses stay in the service's logs and spans, out of the public answer.
  assert.ok(!/127\.0\.0\.1|http:|\/payments\/authorize/.test(JSON.stringify(body)) && !JSON.stringify(body).includes(String(closedPort)), JSON.stringify(body));
  const logged = await isolated.waitForLog((line) => line.msg === 'request failed' && line['path'] === '/orders');
  assert.match(String(logged['detail']), new RegExp(`payments is unavailable: ECONNREFUSED \\(POST http://127\\.0\\.0\\.1:${closedPort}/payments/authorize, attempt 3\\)`));
  const ready = await requestJson(`${isolated.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(ready.body.checks.catalog, 'ok');
  assert.match(ready.body.checks.payments, /^failed/);
});

test('an order left processing by a payments outage is expired by the reconciler once payments is back: stock released, span, log, metric', async () => {
  const receiver = await OtlpReceiver.start({ host: '127.0.0.1', port: 0 });
  const paymentsPort = await freePort();
  try {
    const recovering = await startServiceProcess('orders', {
      otlpEndpoint: receiver.url,
      env: {
        CATALOG_URL: catalog.url,
        PAYMENTS_URL: `http://127.0.0.1:${paymentsPort}`,
        ORDERS_RECONCILE_AFTER_MS: '300',
        ORDERS_RECONCILE_INTERVAL_MS: '100',
      },
    });
    started.push(recovering);
    const stockOf = async () => (await requestJson(`${catalog.url}/products/p-0016`)).body.stock;
    const stock = await stockOf();
    const request = { customerId: 'c9', items: [{ productId: 'p-0016', quantity: 2 }], card };
    assert.equal((await checkout('key-expire', request, recovering.url)).status, 503);
    const [order] = (await requestJson(`${recovering.url}/orders?customerId=c9`)).body.items;
    assert.equal(order.status, 'processing');
    assert.equal(await stockOf(), stock - 2, 'stock is reserved while the order is processing');
    // While payments is down nothing can be decided: the sweep fails, says so, and leaves the order as it is.
    const failed = await recovering.waitForLog((entry) => entry.msg === 'order reconciliation failed; will retry');
    assert.equal(failed['order_id'], order.id);
    assert.equal(await stockOf(), stock - 2);
    started.push(await startServiceProcess('payments', { env: { PORT: String(paymentsPort) } }));

    const line = await recovering.waitForLog((entry) => entry.msg === 'order reconciled' && entry['order_id'] === order.id);
    assert.equal(line['outcome'], 'expired');
    assert.equal(await stockOf(), stock);
    assert.equal((await requestJson(`${recovering.url}/orders/${order.id}`)).body.status, 'expired');
    const retry = await checkout('key-expire', request, recovering.url);
    assert.deepEqual([retry.status, retry.body.type, retry.headers.get('idempotent-replayed')], [409, 'urn:lab:problem:checkout-expired', 'true']);
    assert.equal(await scrapeSample(recovering.url, 'orders_reconciled_total', { outcome: 'expired' }), 1);
    // One span per sweep of this order: the failed ones while payments was down (status error), then the settling one.
    const sweep = (outcome: (span: ReceivedSpan) => boolean) =>
      receiver.waitForSpan((span) => span.name === 'orders.reconcile' && span.attributes['lab.order.id'] === order.id && outcome(span), 10_000);
    await sweep((span) => span.attributes['lab.reconcile.outcome'] === 'expired');
    await sweep((span) => span.status.code === 2);
  } finally {
    await receiver.close();
  }
});

test('an order whose authorization landed after orders gave up is confirmed by the reconciler, charged once', async () => {
  const faults = `${payments.adminUrl}/faults`;
  assert.equal((await requestJson(faults, { method: 'PUT', body: { 'POST /payments/authorize': { latencyMs: 1200 } } })).status, 200);
  try {
    const recovering = await startServiceProcess('orders', {
      env: {
        CATALOG_URL: catalog.url,
        PAYMENTS_URL: payments.url,
        PAYMENTS_TIMEOUT_MS: '250',
        ORDERS_RECONCILE_AFTER_MS: '2000',
        ORDERS_RECONCILE_INTERVAL_MS: '200',
      },
    });
    started.push(recovering);
    const request = { customerId: 'c10', items: [{ productId: 'p-0017', quantity: 1 }], card };
    assert.equal((await checkout('key-late', request, recovering.url)).status, 503);
    const line = await recovering.waitForLog((entry) => entry.msg === 'order reconciled', 15_000);
    assert.equal(line['outcome'], 'confirmed');
    const order = (await requestJson(`${recovering.url}/orders/${line['order_id']}`)).body;
    assert.equal(order.status, 'confirmed');
    assert.equal(order.payment.status, 'authorized');
    assert.equal(order.totalCents, order.items[0].unitPriceCents);
    const retry = await checkout('key-late', request, recovering.url);
    assert.deepEqual([retry.status, retry.body.id], [201, order.id]);
    assert.equal((await paymentsFor(order.id)).length, 1);
  } finally {
    await requestJson(faults, { method: 'DELETE' });
  }
});
