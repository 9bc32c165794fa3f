// Checkout orchestration: reserve stock in catalog, authorize payment in payments, persist the outcome.
// Exactly-once per Idempotency-Key: the key maps to one order id, every downstream step is idempotent per order id,
// concurrent retries in this process wait for the first run, and final outcomes are replayed, never re-executed.
import { createHash, randomUUID } from 'node:crypto';
import { type Card, type DownstreamClient, HttpProblem, type LineItem } from '@lab/service-kit';
import type { Order, OrderStore, StaleOrder } from './store.ts';

export interface CheckoutRequest {
  customerId: string;
  email?: string;
  currency: string;
  items: LineItem[];
  card: Card;
}

export interface CheckoutResult {
  order: Order;
  /** True when this answer repeats an earlier (or concurrent) request with the same key. */
  replayed: boolean;
}

interface Reservation {
  items: Required<LineItem & { name: string; unitPriceCents: number }>[];
  totalCents: number;
}

interface Payment {
  status: 'authorized' | 'declined';
  authorizationCode: string | null;
  cardLast4: string;
  declineReason: string | null;
}

export class Checkout {
  readonly #store: OrderStore;
  readonly #catalog: DownstreamClient;
  readonly #payments: DownstreamClient;
  /** Runs in this process per idempotency key, with the fingerprint of the request that started each. */
  readonly #inFlight = new Map<string, { requestHash: string; orderId: string; run: Promise<Order> }>();

  constructor(store: OrderStore, catalog: DownstreamClient, payments: DownstreamClient) {
    this.#store = store;
    this.#catalog = catalog;
    this.#payments = payments;
  }

  async checkout(idempotencyKey: string, request: CheckoutRequest): Promise<CheckoutResult> {
    // No await before the in-flight map is updated: concurrent requests with one key cannot both start a run.
    const hash = requestHash(request);
    const running = this.#inFlight.get(idempotencyKey);
    if (running) {
      if (running.requestHash !== hash) throw keyReused(idempotencyKey, running.orderId);
      return { order: await running.run, replayed: true };
    }
    const now = new Date().toISOString();
    const candidate: Order = {
      id: `ord_${randomUUID().replaceAll('-', '')}`,
      status: 'processing',
      customerId: request.customerId,
      items: request.items,
      totalCents: null,
      currency: request.currency,
      payment: null,
      problem: null,
      createdAt: now,
      updatedAt: now,
    };
    const { stored, created } = this.#store.claim(candidate, idempotencyKey, hash);
    if (stored.requestHash !== hash) throw keyReused(idempotencyKey, stored.order.id);
    if (stored.order.status !== 'processing') return { order: stored.order, replayed: true };
    const run = this.#track(idempotencyKey, hash, stored.order.id, () => this.#run(stored.order, request));
    return { order: await run, replayed: !created };
  }

  /**
   * Settles an order left `processing` (a downstream outage, a client that never retried) from what payments and
   * catalog know: confirmed when payments authorized it, declined when payments declined it, otherwise expired with
   * its stock released. Joins no client request: a retry arriving meanwhile waits for this outcome.
   */
  reconcile(stale: StaleOrder): Promise<Order> {
    const running = this.#inFlight.get(stale.idempotencyKey);
    if (running) return running.run;
    return this.#track(stale.idempotencyKey, stale.requestHash, stale.order.id, () => this.#settle(stale.order));
  }

  #track(idempotencyKey: string, hash: string, orderId: string, work: () => Promise<Order>): Promise<Order> {
    const run = work().finally(() => this.#inFlight.delete(idempotencyKey));
    this.#inFlight.set(idempotencyKey, { requestHash: hash, orderId, run });
    return run;
  }

  async #settle(order: Order): Promise<Order> {
    const payment = await this.#payments.request<Payment & { amountCents: number }>({ path: `/payments/${encodeURIComponent(order.id)}` });
    if (payment.status === 404) {
      await this.#releaseStock(order.id);
      return this.#store.update({ ...order, status: 'expired', problem: { ...expired(order.id).body, orderId: order.id } });
    }
    if (payment.status >= 400) throw this.#payments.problemFrom(payment);
    const reservation = await this.#catalog.request<Reservation>({ path: `/reservations/${encodeURIComponent(order.id)}` });
    const priced: Order =
      reservation.status === 200
        ? { ...order, items: reservation.body.items, totalCents: reservation.body.totalCents }
        : { ...order, totalCents: payment.body.amountCents };
    return this.#finish(priced, payment.body);
  }

  /** Re-runnable: on a downstream outage the order stays `processing` and the client's retry continues it. */
  async #run(order: Order, request: CheckoutRequest): Promise<Order> {
    const reservation = await this.#catalog.request<Reservation>({
      method: 'POST',
      path: '/reservations',
      body: { orderId: order.id, items: request.items },
      idempotent: true,
    });
    if (reservation.status >= 400) return this.#reject(order, this.#catalog.problemFrom(reservation));
    const { items, totalCents } = reservation.body;
    const priced: Order = { ...order, items, totalCents };

    const payment = await this.#payments.request<Payment>({
      method: 'POST',
      path: '/payments/authorize',
      body: { orderId: order.id, amountCents: totalCents, currency: request.currency, card: request.card, email: request.email },
      idempotent: true,
    });
    if (payment.status >= 400) {
      await this.#releaseStock(order.id);
      return this.#reject(priced, this.#payments.problemFrom(payment));
    }
    return this.#finish(priced, payment.body);
  }

  /** Confirms an authorized order; releases the stock of a declined one. */
  async #finish(priced: Order, { status, authorizationCode, cardLast4, declineReason }: Payment): Promise<Order> {
    const paid = { ...priced, payment: { status, authorizationCode, cardLast4 } };
    if (status === 'authorized') return this.#store.update({ ...paid, status: 'confirmed' });
    await this.#releaseStock(priced.id);
    const declined = new HttpProblem(402, {
      type: 'payment-declined',
      title: 'Payment declined',
      detail: `the card ending in ${cardLast4} was declined (${declineReason})`,
      extensions: { orderId: priced.id },
    });
    return this.#store.update({ ...paid, status: 'payment_declined', problem: declined.body });
  }

  #reject(order: Order, problem: HttpProblem): Order {
    return this.#store.update({ ...order, status: 'rejected', problem: { ...problem.body, orderId: order.id } });
  }

  async #releaseStock(orderId: string): Promise<void> {
    await this.#catalog.request({ method: 'DELETE', path: `/reservations/${encodeURIComponent(orderId)}` });
  }
}

/** What makes two requests "the same": everything but the card's secret parts. */
function requestHash(request: CheckoutRequest): string {
  const { card, ...rest } = request;
  return createHash('sha256')
    .update(JSON.stringify({ ...rest, cardLast4: card.number.slice(-4) }))
    .digest('hex');
}

function expired(orderId: string): HttpProblem {
  return new HttpProblem(409, {
    type: 'checkout-expired',
    title: 'Checkout expired',
    detail: `order ${orderId} was not paid in time after a downstream outage; its stock was released, check out again with a new Idempotency-Key`,
  });
}

function keyReused(key: string, orderId: string): HttpProblem {
  return new HttpProblem(422, {
    type: 'idempotency-key-reused',
    title: 'Idempotency key reused',
    detail: `Idempotency-Key '${key}' was first used for a different request (order ${orderId})`,
    errors: [{ field: 'idempotency-key', in: 'header', detail: 'already used with a different request body' }],
  });
}
