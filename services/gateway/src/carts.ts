// Carts live in the gateway (the BFF owns session-like state). A checkout first claims the cart for its
// Idempotency-Key (a conditional update in one transaction), so a cart is checked out at most once whatever the keys;
// the claimed cart keeps its items and key, so a retried checkout can be forwarded again and replayed by orders.
import type { DatabaseSync } from 'node:sqlite';
import { transaction } from '@lab/service-kit';

export interface CartItem {
  productId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface Cart {
  cartId: string;
  status: 'open' | 'checked_out';
  items: CartItem[];
  totalCents: number;
  orderId: string | null;
  checkoutKey: string | null;
}

const MAX_QUANTITY = 100;

export class CartStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS carts (
        cart_id TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'open', order_id TEXT, checkout_key TEXT,
        updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS cart_items (
        cart_id TEXT NOT NULL REFERENCES carts (cart_id), product_id TEXT NOT NULL, name TEXT NOT NULL,
        quantity INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL, PRIMARY KEY (cart_id, product_id));
    `);
  }

  /** An unknown cart is an empty open one. */
  get(cartId: string): Cart {
    const cart = this.#db
      .prepare('SELECT status, order_id AS orderId, checkout_key AS checkoutKey FROM carts WHERE cart_id = ?')
      .get(cartId) as Pick<Cart, 'status' | 'orderId' | 'checkoutKey'> | undefined;
    const items = this.#db
      .prepare(
        'SELECT product_id AS productId, name, quantity, unit_price_cents AS unitPriceCents FROM cart_items WHERE cart_id = ? ORDER BY product_id',
      )
      .all(cartId) as unknown as CartItem[];
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    return { cartId, status: cart?.status ?? 'open', items, totalCents, orderId: cart?.orderId ?? null, checkoutKey: cart?.checkoutKey ?? null };
  }

  /** Adds to the quantity already in the cart (capped), with the product's name and price at the time of adding. */
  add(cartId: string, item: CartItem): Cart {
    transaction(this.#db, () => {
      this.#db
        .prepare("INSERT INTO carts (cart_id, updated_at) VALUES (?, ?) ON CONFLICT (cart_id) DO UPDATE SET updated_at = excluded.updated_at")
        .run(cartId, new Date().toISOString());
      this.#db
        .prepare(
          `INSERT INTO cart_items (cart_id, product_id, name, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = min(quantity + excluded.quantity, ${MAX_QUANTITY}),
             name = excluded.name, unit_price_cents = excluded.unit_price_cents`,
        )
        .run(cartId, item.productId, item.name, item.quantity, item.unitPriceCents);
    });
    return this.get(cartId);
  }

  /**
   * Claims an open cart for `checkoutKey`; true when this key holds it (just now, or since an earlier attempt with
   * the same key). Only one of any number of concurrent claims with different keys wins.
   */
  claim(cartId: string, checkoutKey: string): { cart: Cart; claimed: boolean } {
    return transaction(this.#db, () => {
      this.#db
        .prepare("UPDATE carts SET status = 'checked_out', checkout_key = ?, order_id = NULL, updated_at = ? WHERE cart_id = ? AND status = 'open'")
        .run(checkoutKey, new Date().toISOString(), cartId);
      const cart = this.get(cartId);
      return { cart, claimed: cart.checkoutKey === checkoutKey };
    });
  }

  /** The claim's checkout ended as this order. */
  complete(cartId: string, checkoutKey: string, orderId: string): void {
    this.#db
      .prepare('UPDATE carts SET order_id = ?, updated_at = ? WHERE cart_id = ? AND checkout_key = ?')
      .run(orderId, new Date().toISOString(), cartId, checkoutKey);
  }

  /** The claim's checkout failed for good (declined, out of stock): the cart is open again. */
  release(cartId: string, checkoutKey: string): void {
    this.#db
      .prepare("UPDATE carts SET status = 'open', checkout_key = NULL, order_id = NULL, updated_at = ? WHERE cart_id = ? AND checkout_key = ? AND order_id IS NULL")
      .run(new Date().toISOString(), cartId, checkoutKey);
  }
}
