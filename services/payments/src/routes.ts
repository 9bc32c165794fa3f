// Payments HTTP API: authorize (idempotent per order id), look up one payment, list recent ones.
import { cardSchema, notFound, validate } from '@lab/service-kit';
import type { Router } from 'express';
import { z } from 'zod';
import type { Authorizer } from './authorize.ts';
import type { PaymentStore } from './store.ts';

const authorizeBody = z.strictObject({
  orderId: z.string().min(1).max(80),
  amountCents: z.number().int().min(1).max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code like "EUR"').default('EUR'),
  card: cardSchema,
  email: z.email().max(254).optional(),
});
const orderParams = z.object({ orderId: z.string().min(1).max(80) });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export function paymentRoutes(router: Router, authorizer: Authorizer, store: PaymentStore): void {

  router.post('/payments/authorize', (req, res) => {
    const { payment, created } = authorizer.authorize(validate(authorizeBody, req.body, 'body'));
    if (!created) res.set('Idempotent-Replayed', 'true');
    res.status(created ? 201 : 200).json(payment);
  });

  router.get('/payments/:orderId', (req, res) => {
    const { orderId } = validate(orderParams, req.params, 'path');
    const payment = store.get(orderId);
    if (!payment) throw notFound('payment', orderId);
    res.json(payment);
  });

  router.get('/payments', (req, res) => {
    const { limit } = validate(listQuery, req.query, 'query');
    res.json({ items: store.recent(limit) });
  });
}
