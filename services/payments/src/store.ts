// Payments persistence: one authorization per order id (the primary key is the idempotency guarantee).
import type { DatabaseSync } from 'node:sqlite';

export interface Payment {
  orderId: string;
  status: 'authorized' | 'declined';
  amountCents: number;
  currency: string;
  cardLast4: string;
  fraudScore: number;
  authorizationCode: string | null;
  declineReason: string | null;
  createdAt: string;
}

const columns = `order_id AS orderId, status, amount_cents AS amountCents, currency, card_last4 AS cardLast4,
  fraud_score AS fraudScore, authorization_code AS authorizationCode, decline_reason AS declineReason, created_at AS createdAt`;

export class PaymentStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS payments (
        order_id TEXT PRIMARY KEY, status TEXT NOT NULL, amount_cents INTEGER NOT NULL, currency TEXT NOT NULL,
        card_last4 TEXT NOT NULL, card_fingerprint TEXT NOT NULL, fraud_score REAL NOT NULL,
        authorization_code TEXT, decline_reason TEXT, created_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS payments_fingerprint ON payments (card_fingerprint, created_at);
    `);
  }

  get(orderId: string): Payment | undefined {
    return this.#db.prepare(`SELECT ${columns} FROM payments WHERE order_id = ?`).get(orderId) as Payment | undefined;
  }

  recent(limit: number): Payment[] {
    return this.#db.prepare(`SELECT ${columns} FROM payments ORDER BY created_at DESC, order_id LIMIT ?`).all(limit) as unknown as Payment[];
  }

  attemptsSince(fingerprint: string, since: Date): number {
    const row = this.#db
      .prepare('SELECT count(*) AS attempts FROM payments WHERE card_fingerprint = ? AND created_at >= ?')
      .get(fingerprint, since.toISOString()) as { attempts: number };
    return row.attempts;
  }

  /** Inserts unless the order already has a payment; returns whichever row is stored and whether it is new. */
  insertOnce(payment: Payment, fingerprint: string): { payment: Payment; created: boolean } {
    const result = this.#db
      .prepare(
        `INSERT INTO payments (order_id, status, amount_cents, currency, card_last4, card_fingerprint, fraud_score,
           authorization_code, decline_reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING`,
      )
      .run(
        payment.orderId,
        payment.status,
        payment.amountCents,
        payment.currency,
        payment.cardLast4,
        fingerprint,
        payment.fraudScore,
        payment.authorizationCode,
        payment.declineReason,
        payment.createdAt,
      );
    return { payment: this.get(payment.orderId)!, created: result.changes === 1 };
  }
}
