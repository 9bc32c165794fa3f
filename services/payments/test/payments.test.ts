// Payments over real HTTP, the service as a child process: authorization, declines, idempotency per order id,
// validation, JSON errors and the body limit.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import { requestJson, type ServiceProcess, shopHarness } from '@lab/dev-kit/shop';

const { startServiceProcess } = shopHarness(import.meta.url);

const card = { number: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };
const fingerprintKey = 'test-card-fingerprint-key-0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'lab-payments-test-'));
let payments: ServiceProcess;

before(async () => {
  payments = await startServiceProcess('payments', { dataDir, env: { CARD_FINGERPRINT_KEY: fingerprintKey } });
});
after(() => payments?.stop());

const authorize = (body: unknown) => requestJson(`${payments.url}/payments/authorize`, { body });

test('authorizes a valid card and stores only the last four digits', async () => {
  const { status, body } = await authorize({ orderId: 'ord_happy01', amountCents: 2599, currency: 'EUR', card });
  assert.equal(status, 201);
  assert.equal(body.status, 'authorized');
  assert.equal(body.cardLast4, '4242');
  assert.match(body.authorizationCode, /^[0-9A-F]{8}$/);
  assert.equal(typeof body.fraudScore, 'number');
  assert.ok(!JSON.stringify(body).includes('4242424242424242'));
  const stored = await requestJson(`${payments.url}/payments/ord_happy01`);
  assert.deepEqual(stored.body, body);
});

test('the stored card fingerprint is an HMAC-SHA-256 with the secret key, not an unkeyed hash', async () => {
  assert.equal((await authorize({ orderId: 'ord_fingerprint', amountCents: 1234, card })).status, 201);
  const db = new DatabaseSync(join(dataDir, 'payments.db'), { readOnly: true });
  try {
    const row = db.prepare("SELECT card_fingerprint AS fingerprint FROM payments WHERE order_id = 'ord_fingerprint'").get();
    assert.equal(row?.['fingerprint'], createHmac('sha256', fingerprintKey).update('4242424242424242').digest('hex'));
  } finally {
    db.close();
  }
  assert.ok(!payments.logs.some((line) => /CARD_FINGERPRINT_KEY is unset/.test(String(line.msg))));
  await assert.rejects(
    startServiceProcess('payments', { env: { CARD_FINGERPRINT_KEY: 'too-short' }, startTimeoutMs: 15_000 }),
    (error: Error) => /exited \(code 78\)/.test(error.message) && /CARD_FINGERPRINT_KEY must be at least 32 characters/.test(error.message),
  );
});

test('a DATA_DIR that cannot be created stops the service at once with a clear message', async () => {
  await assert.rejects(
    startServiceProcess('payments', { dataDir: '/proc/lab-no-such-dir/payments', env: { CARD_FINGERPRINT_KEY: fingerprintKey }, startTimeoutMs: 15_000 }),
    (error: Error) =>
      /exited \(code 78\)/.test(error.message) && /DATA_DIR '\/proc\/lab-no-such-dir\/payments' cannot be created: ENOENT/.test(error.message),
  );
});

test('declines the documented decline test card', async () => {
  const { status, body } = await authorize({ orderId: 'ord_declined', amountCents: 1000, card: { ...card, number: '4000000000000002' } });
  assert.equal(status, 201);
  assert.equal(body.status, 'declined');
  assert.equal(body.declineReason, 'card_declined');
  assert.equal(body.authorizationCode, null);
});

test('the same order id is charged once, also under concurrent retries', async () => {
  const request = { orderId: 'ord_concurrent', amountCents: 4200, card };
  const answers = await Promise.all(Array.from({ length: 6 }, () => authorize(request)));
  assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(answers.map((answer) => answer.body.authorizationCode)).size, 1);
  assert.equal(answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true').length, 5);
  const { body } = await requestJson(`${payments.url}/payments?limit=500`);
  assert.equal(body.items.filter((payment: { orderId: string }) => payment.orderId === 'ord_concurrent').length, 1);
});

test('a different amount for an authorized order is a 409 conflict naming the field', async () => {
  await authorize({ orderId: 'ord_conflict', amountCents: 100, card });
  const { status, headers, body } = await authorize({ orderId: 'ord_conflict', amountCents: 999, card });
  assert.equal(status, 409);
  assert.match(headers.get('content-type')!, /^application\/problem\+json/);
  assert.equal(body.errors[0].field, 'amountCents');
});

test('invalid input is a 400 problem naming each field', async () => {
  const { status, headers, body } = await authorize({ orderId: 'ord_bad', amountCents: -5, card: { ...card, number: '4242424242424241' } });
  assert.equal(status, 400);
  assert.match(headers.get('content-type')!, /^application\/problem\+json/);
  assert.equal(body.type, 'urn:lab:problem:validation-error');
  assert.deepEqual(body.errors.map((error: { field: string }) => error.field).sort(), ['amountCents', 'card.number']);
  assert.match(body.detail, /Luhn/);
});

test('malformed JSON, unknown routes, unknown payments and oversized bodies get JSON problems', async () => {
  const malformed = await requestJson(`${payments.url}/payments/authorize`, { rawBody: '{"orderId":' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.errors[0].field, 'body');
  const unknownRoute = await requestJson(`${payments.url}/refunds`);
  assert.equal(unknownRoute.status, 404);
  assert.equal(unknownRoute.body.type, 'urn:lab:problem:route-not-found');
  const unknownPayment = await requestJson(`${payments.url}/payments/ord_nothing`);
  assert.equal(unknownPayment.status, 404);
  assert.match(unknownPayment.body.detail, /ord_nothing/);
  const tooLarge = await requestJson(`${payments.url}/payments/authorize`, { rawBody: JSON.stringify({ pad: 'x'.repeat(70_000) }) });
  assert.equal(tooLarge.status, 413);
  assert.match(tooLarge.body.detail, /64kb/);
});

test('health, readiness and metrics answer', async () => {
  assert.equal((await requestJson(`${payments.url}/healthz`)).body.status, 'ok');
  const ready = await requestJson(`${payments.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(ready.body.checks.database, 'ok');
  const metrics = await fetch(`${payments.url}/metrics`);
  assert.match(await metrics.text(), /lab_fault_active\{route="\*",fault="latency"\} 0/);
});
