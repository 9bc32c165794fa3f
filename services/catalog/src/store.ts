// Catalog persistence: products with stock, and stock reservations per order (idempotent per order id).
import type { DatabaseSync } from 'node:sqlite';
import { HttpProblem, type LineItem, transaction } from '@lab/service-kit';
import { generateProducts } from './seed.ts';

export interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  stock: number;
}

export interface Reservation {
  orderId: string;
  status: 'reserved' | 'released';
  items: (LineItem & { name: string; unitPriceCents: number })[];
  totalCents: number;
  createdAt: string;
}

const productColumns = 'id, name, description, category, price_cents AS priceCents, stock';

export class CatalogStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS products (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, category TEXT NOT NULL,
        price_cents INTEGER NOT NULL, stock INTEGER NOT NULL CHECK (stock >= 0));
      CREATE INDEX IF NOT EXISTS products_category ON products (category, id);
      CREATE TABLE IF NOT EXISTS reservations (
        order_id TEXT PRIMARY KEY, status TEXT NOT NULL, items TEXT NOT NULL, total_cents INTEGER NOT NULL,
        created_at TEXT NOT NULL);
    `);
    this.#seedWhenEmpty();
  }

  all(): Product[] {
    return this.#db.prepare(`SELECT ${productColumns} FROM products ORDER BY id`).all() as unknown as Product[];
  }

  list(query: { category?: string; limit: number; offset: number }): { items: Product[]; total: number } {
    const where = query.category ? 'WHERE category = ?' : '';
    const filter = query.category ? [query.category] : [];
    const items = this.#db
      .prepare(`SELECT ${productColumns} FROM products ${where} ORDER BY id LIMIT ? OFFSET ?`)
      .all(...filter, query.limit, query.offset) as unknown as Product[];
    const { total } = this.#db.prepare(`SELECT count(*) AS total FROM products ${where}`).get(...filter) as { total: number };
    return { items, total };
  }

  get(id: string): Product | undefined {
    return this.#db.prepare(`SELECT ${productColumns} FROM products WHERE id = ?`).get(id) as Product | undefined;
  }

  /** Takes stock for every item or for none; a repeated call for the same order returns the first reservation. */
  reserve(orderId: string, items: LineItem[]): { reservation: Reservation; created: boolean } {
    return transaction(this.#db, () => {
      const existing = this.reservation(orderId);
      if (existing) return { reservation: existing, created: false };
      const reserved = items.map((item, index) => this.#take(item, index));
      const totalCents = reserved.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
      const createdAt = new Date().toISOString();
      this.#db
        .prepare('INSERT INTO reservations (order_id, status, items, total_cents, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(orderId, 'reserved', JSON.stringify(reserved), totalCents, createdAt);
      return { reservation: { orderId, status: 'reserved', items: reserved, totalCents, createdAt }, created: true };
    });
  }

  /** Puts the stock back once; releasing again is a no-op. */
  release(orderId: string): Reservation | undefined {
    return transaction(this.#db, () => {
      const reservation = this.reservation(orderId);
      if (!reservation || reservation.status === 'released') return reservation;
      const restock = this.#db.prepare('UPDATE products SET stock = stock + ? WHERE id = ?');
      for (const item of reservation.items) restock.run(item.quantity, item.productId);
      this.#db.prepare("UPDATE reservations SET status = 'released' WHERE order_id = ?").run(orderId);
      return { ...reservation, status: 'released' as const };
    });
  }

  reservation(orderId: string): Reservation | undefined {
    const row = this.#db
      .prepare('SELECT order_id AS orderId, status, items, total_cents AS totalCents, created_at AS createdAt FROM reservations WHERE order_id = ?')
      .get(orderId) as (Omit<Reservation, 'items'> & { items: string }) | undefined;
    return row && { ...row, items: JSON.parse(row.items) };
  }

  #take(item: LineItem, index: number) {
    const product = this.get(item.productId);
    if (!product) {
      throw new HttpProblem(422, {
        type: 'unknown-product',
        title: 'Unknown product',
        detail: `product '${item.productId}' does not exist`,
        errors: [{ field: `items.${index}.productId`, in: 'body', detail: 'no such product' }],
      });
    }
    if (product.stock < item.quantity) {
      throw new HttpProblem(409, {
        type: 'out-of-stock',
        title: 'Out of stock',
        detail: `product '${item.productId}' has ${product.stock} in stock, ${item.quantity} requested`,
        errors: [{ field: `items.${index}.quantity`, in: 'body', detail: `only ${product.stock} in stock` }],
      });
    }
    this.#db.prepare('UPDATE products SET stock = stock - ? WHERE id = ?').run(item.quantity, item.productId);
    return { productId: item.productId, quantity: item.quantity, name: product.name, unitPriceCents: product.priceCents };
  }

  #seedWhenEmpty(): void {
    const { count } = this.#db.prepare('SELECT count(*) AS count FROM products').get() as { count: number };
    if (count > 0) return;
    const insert = this.#db.prepare(
      'INSERT INTO products (id, name, description, category, price_cents, stock) VALUES (?, ?, ?, ?, ?, ?)',
    );
    transaction(this.#db, () => {
      for (const p of generateProducts()) insert.run(p.id, p.name, p.description, p.category, p.priceCents, p.stock);
    });
  }
}
