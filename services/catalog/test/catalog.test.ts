// Catalog over real HTTP, the service as a child process: listing, lookup, search ranking, reservations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type JsonResponse, requestJson, type ServiceProcess, shopHarness } from '@lab/dev-kit/shop';

const { startServiceProcess } = shopHarness(import.meta.url);

let catalog: ServiceProcess;

before(async () => {
  catalog = await startServiceProcess('catalog');
});
after(() => catalog?.stop());

test('lists the deterministic seed catalog with paging and category filter', async () => {
  const page = await requestJson(`${catalog.url}/products?limit=5&offset=10`);
  assert.equal(page.status, 200);
  assert.equal(page.body.total, 400);
  assert.deepEqual(page.body.items.map((product: { id: string }) => product.id), ['p-0011', 'p-0012', 'p-0013', 'p-0014', 'p-0015']);
  const coffee = await requestJson(`${catalog.url}/products?category=coffee&limit=100`);
  assert.ok(coffee.body.total > 0 && coffee.body.total < 400);
  assert.ok(coffee.body.items.every((product: { category: string }) => product.category === 'coffee'));
});

test('looks up one product and answers 404 problems for unknown ones', async () => {
  const found = await requestJson(`${catalog.url}/products/p-0001`);
  assert.equal(found.status, 200);
  assert.equal(found.body.id, 'p-0001');
  assert.ok(found.body.priceCents > 0);
  const missing = await requestJson(`${catalog.url}/products/p-9999`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.type, 'urn:lab:problem:not-found');
  const malformed = await requestJson(`${catalog.url}/products/42`);
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.errors[0].field, 'id');
  assert.equal(malformed.body.errors[0].in, 'path');
});

test('search ranks relevant products first and tolerates typos', async () => {
  const exact = await requestJson(`${catalog.url}/search?q=espresso%20grinder&limit=5`);
  assert.equal(exact.status, 200);
  assert.equal(exact.body.hits.length, 5);
  assert.ok(exact.body.hits.every((hit: { name: string }) => /espresso grinder/i.test(hit.name)));
  const typo = await requestJson(`${catalog.url}/search?q=espreso%20grindr&limit=3`);
  assert.equal(typo.body.hits.length, 3);
  assert.ok(typo.body.hits.every((hit: { name: string }) => /espresso grinder/i.test(hit.name)));
  const scores = exact.body.hits.map((hit: { score: number }) => hit.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
});

test('search without a query is a 400 naming q', async () => {
  const { status, body } = await requestJson(`${catalog.url}/search?q=%20`);
  assert.equal(status, 400);
  assert.deepEqual(body.errors.map((error: { field: string; in: string }) => [error.in, error.field]), [['query', 'q']]);
});

test('reservations take stock once per order and release it once', async () => {
  const before = (await requestJson(`${catalog.url}/products/p-0002`)).body.stock;
  const request = { orderId: 'ord_reserve1', items: [{ productId: 'p-0002', quantity: 3 }] };
  const [first, second] = await Promise.all([
    requestJson(`${catalog.url}/reservations`, { body: request }),
    requestJson(`${catalog.url}/reservations`, { body: request }),
  ]);
  assert.deepEqual([first.status, second.status].sort(), [200, 201]);
  assert.equal(first.body.totalCents, 3 * first.body.items[0].unitPriceCents);
  assert.equal((await requestJson(`${catalog.url}/products/p-0002`)).body.stock, before - 3);
  for (let i = 0; i < 2; i++) {
    const released = await requestJson(`${catalog.url}/reservations/ord_reserve1`, { method: 'DELETE' });
    assert.equal(released.body.status, 'released');
  }
  assert.equal((await requestJson(`${catalog.url}/products/p-0002`)).body.stock, before);
});

test('over-asking stock is a 409 and unknown products a 422, both naming the item field; nothing partial is taken', async () => {
  // 50 lines of 100 = 5000 per reservation; seed stock is 50000..99999, so one of the first 20 runs out midway.
  const items = Array.from({ length: 50 }, () => ({ productId: 'p-0003', quantity: 100 }));
  let outOfStock: JsonResponse | undefined;
  let stockBefore = 0;
  for (let attempt = 0; attempt < 20 && !outOfStock; attempt++) {
    stockBefore = (await requestJson(`${catalog.url}/products/p-0003`)).body.stock;
    const answer = await requestJson(`${catalog.url}/reservations`, { body: { orderId: `ord_bulk${attempt}`, items } });
    if (answer.status === 409) outOfStock = answer;
    else assert.equal(answer.status, 201);
  }
  assert.ok(outOfStock, 'stock never ran out');
  assert.equal(outOfStock.body.type, 'urn:lab:problem:out-of-stock');
  assert.match(outOfStock.body.errors[0].field, /^items\.\d+\.quantity$/);
  assert.equal((await requestJson(`${catalog.url}/products/p-0003`)).body.stock, stockBefore);

  const unknown = await requestJson(`${catalog.url}/reservations`, {
    body: { orderId: 'ord_unknown', items: [{ productId: 'p-0004', quantity: 1 }, { productId: 'p-9999', quantity: 1 }] },
  });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.errors[0].field, 'items.1.productId');
  assert.equal((await requestJson(`${catalog.url}/reservations/ord_unknown`)).status, 404);
});

test('reservation validation names nested fields', async () => {
  const { status, body } = await requestJson(`${catalog.url}/reservations`, {
    body: { orderId: '', items: [{ productId: 'p-0001', quantity: 0 }] },
  });
  assert.equal(status, 400);
  assert.deepEqual(body.errors.map((error: { field: string }) => error.field).sort(), ['items.0.quantity', 'orderId']);
});
