// Orders persistence. An order is created once per idempotency key; its outcome, once final, is replayed as is.
import type { DatabaseSync } from 'node:sqlite';
import type { ProblemBody } from '@lab/service-kit';

/**
 * processing: may be re-run (every downstream step is idempotent per order id) or reconciled; the others are final.
 * expired: left processing too long without a payment; its stock was released.
 */
export type OrderStatus = 'processing' | 'confirmed' | 'payment_declined' | 'rejected' | 'expired';

export interface OrderItem {
  productId: string;
  quantity: number;
  name?: string;
  unitPriceCents?: number;
}

export interface Order {
  id: string;
  status: OrderStatus;
  customerId: string;
  items: OrderItem[];
  totalCents: number | null;
  currency: string;
  payment: { status: string; authorizationCode: string | null; cardLast4: string } | null;
  /** Why a final order failed, as the problem the client got. */
  problem: ProblemBody | null;
  createdAt: string;
  updatedAt: string;
}

interface OrderRow {
  id: string;
  idempotencyKey: string;
  requestHash: string;
  status: OrderStatus;
  customerId: string;
  items: string;
  totalCents: number | null;
  currency: string;
  payment: string | null;
  problem: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StoredOrder {
  order: Order;
  requestHash: string;
}

export interface StaleOrder extends StoredOrder {
  idempotencyKey: string;
}

const columns = `id, idempotency_key AS idempotencyKey, request_hash AS requestHash, status, customer_id AS customerId, items,
  total_cents AS totalCents, currency, payment, problem, created_at AS createdAt, updated_at AS updatedAt`;

export class OrderStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS orders (
        id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, request_hash TEXT NOT NULL, status TEXT NOT NULL,
        customer_id TEXT NOT NULL, items TEXT NOT NULL, total_cents INTEGER, currency TEXT NOT NULL, payment TEXT,
        problem TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id, created_at);
      CREATE INDEX IF NOT EXISTS orders_status ON orders (status, updated_at);
    `);
  }

  /** Creates the order for this key, or returns the one that already has it (the UNIQUE key decides). */
  claim(candidate: Order, idempotencyKey: string, requestHash: string): { stored: StoredOrder; created: boolean } {
    const result = this.#db
      .prepare(
        `INSERT INTO orders (id, idempotency_key, request_hash, status, customer_id, items, currency, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      )
      .run(
        candidate.id,
        idempotencyKey,
        requestHash,
        candidate.status,
        candidate.customerId,
        JSON.stringify(candidate.items),
        candidate.currency,
        candidate.createdAt,
        candidate.updatedAt,
      );
    const row = this.#db.prepare(`SELECT ${columns} FROM orders WHERE idempotency_key = ?`).get(idempotencyKey) as unknown as OrderRow;
    return { stored: { order: toOrder(row), requestHash: row.requestHash }, created: result.changes === 1 };
  }

  update(order: Order): Order {
    const updated = { ...order, updatedAt: new Date().toISOString() };
    this.#db
      .prepare('UPDATE orders SET status = ?, items = ?, total_cents = ?, payment = ?, problem = ?, updated_at = ? WHERE id = ?')
      .run(
        updated.status,
        JSON.stringify(updated.items),
        updated.totalCents,
        updated.payment && JSON.stringify(updated.payment),
        updated.problem && JSON.stringify(updated.problem),
        updated.updatedAt,
        updated.id,
      );
    return updated;
  }

  get(id: string): Order | undefined {
    const row = this.#db.prepare(`SELECT ${columns} FROM orders WHERE id = ?`).get(id) as unknown as OrderRow | undefined;
    return row && toOrder(row);
  }

  /** Orders still processing that were last touched before `before`, oldest first. */
  staleProcessing(before: Date, limit: number): StaleOrder[] {
    const rows = this.#db
      .prepare(`SELECT ${columns} FROM orders WHERE status = 'processing' AND updated_at < ? ORDER BY updated_at LIMIT ?`)
      .all(before.toISOString(), limit) as unknown as OrderRow[];
    return rows.map((row) => ({ order: toOrder(row), requestHash: row.requestHash, idempotencyKey: row.idempotencyKey }));
  }

  history(customerId: string, limit: number): Order[] {
    const rows = this.#db
      .prepare(`SELECT ${columns} FROM orders WHERE customer_id = ? ORDER BY created_at DESC, id LIMIT ?`)
      .all(customerId, limit) as unknown as OrderRow[];
    return rows.map(toOrder);
  }
}

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    status: row.status,
    customerId: row.customerId,
    items: JSON.parse(row.items),
    totalCents: row.totalCents,
    currency: row.currency,
    payment: row.payment === null ? null : JSON.parse(row.payment),
    problem: row.problem === null ? null : JSON.parse(row.problem),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
