// The whole shop as four real processes (gateway via `--import @lab/telemetry/register`, the others via init()):
// the public API, cart and idempotent checkout through the gateway, one trace across all four services
// (decoded by the OTLP receiver) with the same trace_id in every service's logs, and a downstream outage.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OtlpReceiver } from '@lab/receiver';
import { requestJson, scrapeSample, type Shop, shopHarness } from '@lab/dev-kit/shop';

const { startShop } = shopHarness(import.meta.url);

const card = { number: '4242424242424242', expiry: '12/30', cvc: '123' };
let receiver: OtlpReceiver;
let shop: Shop;

before(async () => {
  receiver = await OtlpReceiver.start({ host: '127.0.0.1', port: 0 });
  shop = await startShop({ otlpEndpoint: receiver.url });
});
after(async () => {
  await shop?.stop();
  await receiver?.close();
});

const api = (path: string, init?: Parameters<typeof requestJson>[1]) => requestJson(`${shop.gateway.url}${path}`, init);
const checkout = (key: string | undefined, body: unknown) =>
  api('/api/checkout', { body, headers: key === undefined ? {} : { 'Idempotency-Key': key } });
const chargesFor = async (orderId: string) =>
  (await requestJson(`${shop.payments.url}/payments?limit=500`)).body.items.filter((payment: { orderId: string }) => payment.orderId === orderId);

test('products, product pages and search come through the gateway', async () => {
  const list = await api('/api/products?limit=3&category=audio');
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 3);
  assert.ok(list.body.items.every((product: { category: string }) => product.category === 'audio'));
  const product = await api(`/api/products/${list.body.items[0].id}`);
  assert.equal(product.body.name, list.body.items[0].name);
  const missing = await api('/api/products/p-9999');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.downstream, 'catalog');
  const search = await api('/api/search?q=headphones&limit=2');
  assert.equal(search.status, 200);
  assert.equal(search.body.hits.length, 2);
  const badSearch = await api('/api/search');
  assert.equal(badSearch.status, 400);
  assert.equal(badSearch.body.errors[0].field, 'q');
});

test('the cart adds up items and validates input, naming the field', async () => {
  await api('/api/cart/cart-basics/items', { body: { productId: 'p-0020', quantity: 2 } });
  const added = await api('/api/cart/cart-basics/items', { body: { productId: 'p-0020', quantity: 1 } });
  assert.equal(added.status, 201);
  assert.equal(added.body.items[0].quantity, 3);
  assert.equal(added.body.totalCents, 3 * added.body.items[0].unitPriceCents);
  assert.deepEqual((await api('/api/cart/cart-basics')).body, added.body);
  const invalid = await api('/api/cart/cart-basics/items', { body: { productId: 'p-0020', quantity: 0 } });
  assert.equal(invalid.status, 400);
  assert.match(invalid.headers.get('content-type')!, /^application\/problem\+json/);
  assert.equal(invalid.body.errors[0].field, 'quantity');
  const unknown = await api('/api/cart/cart-basics/items', { body: { productId: 'p-9999' } });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.errors[0].field, 'productId');
  const badCart = await api('/api/cart/bad%20cart/items', { body: { productId: 'p-0020' } });
  assert.equal(badCart.status, 400);
  assert.deepEqual([badCart.body.errors[0].in, badCart.body.errors[0].field], ['path', 'cartId']);
});

test('unknown routes are JSON 404s and oversized bodies 413s', async () => {
  const unknown = await api('/api/nothing-here');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.type, 'urn:lab:problem:route-not-found');
  const tooLarge = await api('/api/cart/big/items', { rawBody: JSON.stringify({ productId: 'p-0001', pad: 'x'.repeat(100_000) }) });
  assert.equal(tooLarge.status, 413);
  assert.equal(tooLarge.body.type, 'urn:lab:problem:payload-too-large');
});

test('checkout needs an Idempotency-Key and a non-empty cart', async () => {
  const noKey = await checkout(undefined, { cartId: 'cart-empty', card });
  assert.equal(noKey.status, 400);
  assert.deepEqual([noKey.body.errors[0].in, noKey.body.errors[0].field], ['header', 'idempotency-key']);
  const empty = await checkout('key-empty', { cartId: 'cart-empty', card });
  assert.equal(empty.status, 422);
  assert.equal(empty.body.errors[0].field, 'cartId');
});

test('one checkout is one trace across all four services, and every service logs its trace_id', async () => {
  await api('/api/cart/cart-trace/items', { body: { productId: 'p-0030', quantity: 1 } });
  const { status, body } = await checkout('key-trace', { cartId: 'cart-trace', card, email: 'ada@example.com' });
  assert.equal(status, 201);
  assert.equal(body.status, 'confirmed');
  const access = await shop.gateway.waitForLog(
    (line) => line.msg === 'request completed' && line['route'] === '/api/checkout' && line['status'] === 201,
  );
  const traceId = access.trace_id!;
  assert.match(traceId, /^[0-9a-f]{32}$/);

  const serverSpanOf = (service: string) =>
    receiver.waitForSpan((span) => span.traceId === traceId && span.kind === 2 && span.resource['service.name'] === service, 15_000);
  const [gatewaySpan, ordersSpan, catalogSpan, paymentsSpan] = await Promise.all(
    ['gateway', 'orders', 'catalog', 'payments'].map(serverSpanOf),
  );
  assert.equal(gatewaySpan!.name, 'POST /api/checkout');
  assert.equal(gatewaySpan!.parentSpanId, '');
  assert.equal(ordersSpan!.name, 'POST /orders');
  assert.equal(catalogSpan!.name, 'POST /reservations');
  assert.equal(paymentsSpan!.name, 'POST /payments/authorize');
  // Each downstream server span is the child of a client span of its caller.
  const spans = receiver.spansOfTrace(traceId);
  for (const server of [ordersSpan!, catalogSpan!, paymentsSpan!]) {
    const parent = spans.find((span) => span.spanId === server.parentSpanId);
    assert.equal(parent?.kind, 3, `${server.name} has no client span parent`);
  }
  assert.equal(spans.filter((span) => span.kind === 2 && span.name === 'POST /api/checkout').length, 1);
  // Each service's SQLite work is part of the trace too, as database client spans.
  const databaseSpans = spans.filter((span) => span.attributes['db.system.name'] === 'sqlite');
  assert.deepEqual(
    new Set(databaseSpans.map((span) => span.resource['service.name'])),
    new Set(['gateway', 'orders', 'catalog', 'payments']),
  );
  assert.ok(databaseSpans.some((span) => span.name === 'INSERT payments' && span.attributes['db.namespace'] === 'payments'));

  for (const service of shop.services) {
    const line = await service.waitForLog((entry) => entry.trace_id === traceId && entry.msg === 'request completed');
    assert.equal(line['service'], service.name);
  }
});

test('a retried checkout returns the same order and charges once; another key for that cart is refused', async () => {
  await api('/api/cart/cart-retry/items', { body: { productId: 'p-0031', quantity: 2 } });
  const request = { cartId: 'cart-retry', card };
  const answers = await Promise.all([checkout('key-retry', request), checkout('key-retry', request)]);
  const again = await checkout('key-retry', request);
  assert.deepEqual([...answers, again].map((answer) => answer.status), [201, 201, 201]);
  assert.equal(new Set([...answers, again].map((answer) => answer.body.id)).size, 1);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal((await chargesFor(again.body.id)).length, 1);
  const order = await api(`/api/orders/${again.body.id}`);
  assert.equal(order.body.status, 'confirmed');
  const cart = await api('/api/cart/cart-retry');
  assert.deepEqual([cart.body.status, cart.body.orderId], ['checked_out', again.body.id]);
  const otherKey = await checkout('key-other', request);
  assert.equal(otherKey.status, 409);
  assert.equal(otherKey.body.type, 'urn:lab:problem:cart-checked-out');
});

test('parallel checkouts of one cart with different keys make one order and one charge; the others get 409 naming it', async () => {
  await api('/api/cart/cart-race/items', { body: { productId: 'p-0033', quantity: 3 } });
  const request = { cartId: 'cart-race', card };
  const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => checkout(`key-race-${index}`, request)));
  const won = answers.filter((answer) => answer.status === 201);
  assert.equal(won.length, 1, JSON.stringify(answers.map((answer) => answer.status)));
  const orderId = won[0]!.body.id;
  for (const lost of answers.filter((answer) => answer.status !== 201)) {
    assert.equal(lost.status, 409);
    assert.match(lost.headers.get('content-type')!, /^application\/problem\+json/);
    assert.deepEqual([lost.body.type, lost.body.orderId], ['urn:lab:problem:cart-checked-out', orderId]);
  }
  assert.equal((await chargesFor(orderId)).length, 1);
  const orders = await api(`/api/orders/${orderId}`);
  assert.equal(orders.body.status, 'confirmed');

  // Double clicks: two requests per cart, each with its own key, many carts at once.
  const carts = Array.from({ length: 10 }, (_, index) => `cart-click-${index}`);
  for (const cartId of carts) await api(`/api/cart/${cartId}/items`, { body: { productId: 'p-0034', quantity: 1 } });
  const before = (await requestJson(`${shop.payments.url}/payments?limit=500`)).body.items.length;
  const clicks = await Promise.all(carts.flatMap((cartId) => [checkout(`${cartId}-a`, { cartId, card }), checkout(`${cartId}-b`, { cartId, card })]));
  for (let index = 0; index < carts.length; index++) {
    const statuses = [clicks[2 * index]!.status, clicks[2 * index + 1]!.status].sort();
    assert.deepEqual(statuses, [201, 409], carts[index]);
  }
  assert.equal((await requestJson(`${shop.payments.url}/payments?limit=500`)).body.items.length - before, carts.length);
});

test('a declined checkout frees the cart for another attempt with a new key', async () => {
  await api('/api/cart/cart-declined/items', { body: { productId: 'p-0035', quantity: 1 } });
  const declined = await checkout('key-declined-1', { cartId: 'cart-declined', card: { ...card, number: '4000000000000002' } });
  assert.equal(declined.status, 402);
  assert.equal((await api('/api/cart/cart-declined')).body.status, 'open');
  const paid = await checkout('key-declined-2', { cartId: 'cart-declined', card });
  assert.equal(paid.status, 201);
  assert.deepEqual((await api('/api/cart/cart-declined')).body.orderId, paid.body.id);
});

test('payments latency set through its admin API slows checkouts and shows in the trace, log and gauge', async () => {
  const admin = `${shop.payments.adminUrl}/faults`;
  const set = await requestJson(admin, { method: 'PUT', body: { 'POST /payments/authorize': { latencyMs: 250 } } });
  assert.equal(set.status, 200);
  assert.equal(await scrapeSample(shop.payments.url, 'lab_fault_active', { route: 'POST /payments/authorize', fault: 'latency' }), 1);
  await api('/api/cart/cart-slow/items', { body: { productId: 'p-0032', quantity: 1 } });
  const startedAt = performance.now();
  const { status } = await checkout('key-slow', { cartId: 'cart-slow', card });
  assert.equal(status, 201);
  assert.ok(performance.now() - startedAt >= 250);
  const faultLine = await shop.payments.waitForLog((line) => line.fault === 'latency');
  const span = await receiver.waitForSpan((candidate) => candidate.spanId === faultLine['span_id'], 10_000);
  assert.equal(span.attributes['lab.fault.latency_ms'], 250);
  // The slow authorization belongs to the checkout's trace, which the gateway started.
  const root = await receiver.waitForSpan((candidate) => candidate.traceId === span.traceId && candidate.parentSpanId === '', 10_000);
  assert.deepEqual([root.resource['service.name'], root.name], ['gateway', 'POST /api/checkout']);
  assert.equal((await requestJson(admin, { method: 'DELETE' })).status, 200);
});

test('with catalog down, the gateway answers 503 fast with a clear body and reports not ready', async () => {
  await shop.catalog.stop();
  const products = await api('/api/products');
  assert.equal(products.status, 503);
  assert.equal(products.body.downstream, 'catalog');
  assert.match(products.body.detail, /catalog is unavailable: ECONNREFUSED/);
  const ready = await api('/readyz');
  assert.equal(ready.status, 503);
  assert.match(ready.body.checks.catalog, /^failed/);
  assert.equal(ready.body.checks.orders, 'ok');
  assert.equal((await api('/healthz')).status, 200);
});
