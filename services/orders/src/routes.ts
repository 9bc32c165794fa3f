// Orders HTTP API: checkout (Idempotency-Key required), one order, a customer's order history.
import { cardSchema, HttpProblem, idempotencyHeadersSchema, lineItemsSchema, notFound, orderIdSchema, PROBLEM_CONTENT_TYPE, validate } from '@lab/service-kit';
import type { Response, Router } from 'express';
import { z } from 'zod';
import type { Checkout } from './checkout.ts';
import type { Order, OrderStore } from './store.ts';

const customerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1 to 64 letters, digits, "_" or "-"');
const checkoutBody = z.strictObject({
  customerId: customerIdSchema,
  email: z.email().max(254).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code like "EUR"').default('EUR'),
  items: lineItemsSchema,
  card: cardSchema,
});
const historyQuery = z.object({ customerId: customerIdSchema, limit: z.coerce.number().int().min(1).max(100).default(20) });

export function orderRoutes(router: Router, checkout: Checkout, store: OrderStore): void {
  router.post('/orders', async (req, res) => {
    const { 'idempotency-key': key } = validate(idempotencyHeadersSchema, req.headers, 'header');
    const { order, replayed } = await checkout.checkout(key, validate(checkoutBody, req.body, 'body'));
    if (replayed) res.set('Idempotent-Replayed', 'true');
    sendOrderOutcome(res, order);
  });

  router.get('/orders/:id', (req, res) => {
    const { id } = validate(z.object({ id: orderIdSchema }), req.params, 'path');
    const order = store.get(id);
    if (!order) throw notFound('order', id);
    res.json(order);
  });

  router.get('/orders', (req, res) => {
    const { customerId, limit } = validate(historyQuery, req.query, 'query');
    res.json({ items: store.history(customerId, limit) });
  });
}

/** A confirmed order is 201 with the order; a declined or rejected one is the problem the first answer had. */
function sendOrderOutcome(res: Response, order: Order): void {
  if (order.status === 'confirmed') {
    res.status(201).location(`/orders/${order.id}`).json(order);
    return;
  }
  if (!order.problem) throw new HttpProblem(500, { detail: `order ${order.id} ended as ${order.status} without a reason` });
  res.status(order.problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(order.problem));
}
