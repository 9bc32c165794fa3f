// Public API (BFF): products and search from catalog, the cart, checkout through orders, order lookup.
import {
  cardSchema,
  type DownstreamClient,
  type DownstreamResponse,
  HttpProblem,
  idempotencyHeadersSchema,
  orderIdSchema,
  PROBLEM_CONTENT_TYPE,
  productIdSchema,
  validate,
} from '@lab/service-kit';
import type { Response, Router } from 'express';
import { z } from 'zod';
import type { CartStore } from './carts.ts';

const cartParams = z.object({ cartId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1 to 64 letters, digits, "_" or "-"') });
const addItemBody = z.strictObject({ productId: productIdSchema, quantity: z.number().int().min(1).max(100).default(1) });
const productListQuery = z.object({
  category: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
});
const searchQuery = z.object({ q: z.string().trim().min(1, 'a search text is required').max(200), limit: z.coerce.number().int().min(1).max(50).optional() });
const checkoutBody = z.strictObject({
  cartId: cartParams.shape.cartId,
  customerId: cartParams.shape.cartId.optional(),
  email: z.email().max(254).optional(),
  card: cardSchema,
});

interface Downstreams {
  catalog: DownstreamClient;
  orders: DownstreamClient;
}

export function gatewayRoutes(router: Router, carts: CartStore, { catalog, orders }: Downstreams): void {
  router.get('/api/products', async (req, res) => {
    const query = validate(productListQuery, req.query, 'query');
    relay(res, catalog, await catalog.request({ path: `/products${queryString(query)}` }));
  });

  router.get('/api/products/:id', async (req, res) => {
    const { id } = validate(z.object({ id: productIdSchema }), req.params, 'path');
    relay(res, catalog, await catalog.request({ path: `/products/${id}` }));
  });

  router.get('/api/search', async (req, res) => {
    const query = validate(searchQuery, req.query, 'query');
    relay(res, catalog, await catalog.request({ path: `/search${queryString(query)}` }));
  });

  router.get('/api/cart/:cartId', (req, res) => {
    const { cartId } = validate(cartParams, req.params, 'path');
    res.json(publicCart(carts.get(cartId)));
  });

  router.post('/api/cart/:cartId/items', async (req, res) => {
    const { cartId } = validate(cartParams, req.params, 'path');
    const { productId, quantity } = validate(addItemBody, req.body, 'body');
    const cart = carts.get(cartId);
    if (cart.status === 'checked_out') throw cartCheckedOut(cartId, cart.orderId);
    const product = await catalog.request<{ name: string; priceCents: number }>({ path: `/products/${productId}` });
    if (product.status === 404) {
      throw new HttpProblem(422, {
        type: 'unknown-product',
        title: 'Unknown product',
        detail: `product '${productId}' does not exist`,
        errors: [{ field: 'productId', in: 'body', detail: 'no such product' }],
      });
    }
    if (product.status >= 400) throw catalog.problemFrom(product);
    const updated = carts.add(cartId, { productId, quantity, name: product.body.name, unitPriceCents: product.body.priceCents });
    res.status(201).json(publicCart(updated));
  });

  // Checkouts running in this process, per cart: a losing claim waits for the winner, to name its order.
  const checkouts = new Map<string, Promise<unknown>>();

  router.post('/api/checkout', async (req, res) => {
    const { 'idempotency-key': key } = validate(idempotencyHeadersSchema, req.headers, 'header');
    const { cartId, customerId, email, card } = validate(checkoutBody, req.body, 'body');
    const cart = carts.get(cartId);
    if (cart.status === 'open' && cart.items.length === 0) {
      throw new HttpProblem(422, {
        type: 'empty-cart',
        title: 'Cart is empty',
        detail: `cart '${cartId}' has no items to check out`,
        errors: [{ field: 'cartId', in: 'body', detail: 'the cart is empty' }],
      });
    }
    let claim = carts.claim(cartId, key);
    while (!claim.claimed) {
      const running = checkouts.get(cartId);
      if (!running) throw cartCheckedOut(cartId, claim.cart.orderId);
      await running.catch(() => undefined);
      claim = carts.claim(cartId, key);
    }
    const items = claim.cart.items.map(({ productId, quantity }) => ({ productId, quantity }));
    const run = (async () => {
      const answer = await orders.request<{ id: string }>({
        method: 'POST',
        path: '/orders',
        headers: { 'idempotency-key': key },
        body: { customerId: customerId ?? cartId, email, items, card },
        idempotent: true,
      });
      // An outage (a thrown 503/502) keeps the claim: a retry with this key continues the same order.
      if (answer.status < 300) carts.complete(cartId, key, answer.body.id);
      else carts.release(cartId, key);
      return answer;
    })();
    if (!checkouts.has(cartId)) {
      checkouts.set(cartId, run);
      run.catch(() => undefined).finally(() => checkouts.get(cartId) === run && checkouts.delete(cartId));
    }
    const answer = await run;
    const replayed = answer.headers.get('idempotent-replayed');
    if (replayed) res.set('Idempotent-Replayed', replayed);
    relay(res, orders, answer);
  });

  router.get('/api/orders/:id', async (req, res) => {
    const { id } = validate(z.object({ id: orderIdSchema }), req.params, 'path');
    relay(res, orders, await orders.request({ path: `/orders/${id}` }));
  });
}

/** Passes a downstream answer on: successes as JSON, problems as problems (tagged with the downstream's name). */
function relay(res: Response, client: DownstreamClient, answer: DownstreamResponse): void {
  if (answer.status >= 400) {
    const problem = client.problemFrom(answer);
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
    return;
  }
  res.status(answer.status).json(answer.body);
}

function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function publicCart(cart: ReturnType<CartStore['get']>) {
  const { checkoutKey: _checkoutKey, ...visible } = cart;
  return visible;
}

function cartCheckedOut(cartId: string, orderId: string | null): HttpProblem {
  return new HttpProblem(409, {
    type: 'cart-checked-out',
    title: 'Cart already checked out',
    detail: orderId
      ? `cart '${cartId}' was checked out as order ${orderId}; use a new cart id`
      : `cart '${cartId}' is being checked out with another Idempotency-Key; retry with that key`,
    extensions: { orderId },
  });
}
