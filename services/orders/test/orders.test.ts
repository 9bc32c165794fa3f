// Orders over real HTTP with real catalog and payments processes: checkout orchestration, exactly-once per
// Idempotency-Key (sequential and concurrent retries), declines, validation, and a downstream outage.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requestJson, type ServiceProcess, startServiceProcess, unusedPort } from '@lab/service-kit/testing';

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
  const closedPort = await unusedPort();
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
  assert.match(body.detail, /attempt 3/);
  const ready = await requestJson(`${isolated.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(ready.body.checks.catalog, 'ok');
  assert.match(ready.body.checks.payments, /^failed/);
});
