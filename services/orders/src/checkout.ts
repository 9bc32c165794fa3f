// Checkout orchestration: reserve stock in catalog, authorize payment in payments, persist the outcome.
// Exactly-once per Idempotency-Key: the key maps to one order id, every downstream step is idempotent per order id,
// concurrent retries in this process wait for the first run, and final outcomes are replayed, never re-executed.
import { createHash, randomUUID } from 'node:crypto';
import { type Card, type DownstreamClient, HttpProblem, type LineItem } from '@lab/service-kit';
import type { Order, OrderStore } from './store.ts';

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
  readonly #inFlight = new Map<string, Promise<Order>>();

  constructor(store: OrderStore, catalog: DownstreamClient, payments: DownstreamClient) {
    this.#store = store;
    this.#catalog = catalog;
    this.#payments = payments;
  }

  async checkout(idempotencyKey: string, request: CheckoutRequest): Promise<CheckoutResult> {
    // No await before the in-flight map is updated: concurrent requests with one key cannot both start a run.
    const running = this.#inFlight.get(idempotencyKey);
    if (running) return { order: await running, replayed: true };
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
    const { stored, created } = this.#store.claim(candidate, idempotencyKey, requestHash(request));
    if (stored.requestHash !== requestHash(request)) throw keyReused(idempotencyKey, stored.order.id);
    if (stored.order.status !== 'processing') return { order: stored.order, replayed: true };
    const run = this.#run(stored.order, request).finally(() => this.#inFlight.delete(idempotencyKey));
    this.#inFlight.set(idempotencyKey, run);
    return { order: await run, replayed: !created };
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
    const { status, authorizationCode, cardLast4, declineReason } = payment.body;
    const paid = { ...priced, payment: { status, authorizationCode, cardLast4 } };
    if (status === 'authorized') return this.#store.update({ ...paid, status: 'confirmed' });
    await this.#releaseStock(order.id);
    const declined = new HttpProblem(402, {
      type: 'payment-declined',
      title: 'Payment declined',
      detail: `the card ending in ${cardLast4} was declined (${declineReason})`,
      extensions: { orderId: order.id },
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

function keyReused(key: string, orderId: string): HttpProblem {
  return new HttpProblem(422, {
    type: 'idempotency-key-reused',
    title: 'Idempotency key reused',
    detail: `Idempotency-Key '${key}' was first used for a different request (order ${orderId})`,
    errors: [{ field: 'idempotency-key', in: 'header', detail: 'already used with a different request body' }],
  });
}
