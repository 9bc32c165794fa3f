// Catalog HTTP API: product listing and lookup, search, stock reservations per order.
import { HttpProblem, lineItemsSchema, notFound, productIdSchema, validate } from '@lab/service-kit';
import type { Router } from 'express';
import { z } from 'zod';
import type { SearchIndex } from './search/ranker.ts';
import type { CatalogStore, Product } from './store.ts';

const listQuery = z.object({
  category: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
const searchQuery = z.object({
  q: z.string().trim().min(1, 'a search text is required').max(200),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});
const productParams = z.object({ id: productIdSchema });
const orderParams = z.object({ orderId: z.string().min(1).max(80) });
const reservationBody = z.strictObject({ orderId: z.string().min(1).max(80), items: lineItemsSchema });

export function catalogRoutes(router: Router, store: CatalogStore, index: SearchIndex<Product>): void {

  router.get('/products', (req, res) => {
    res.json(store.list(validate(listQuery, req.query, 'query')));
  });

  router.get('/products/:id', (req, res) => {
    const { id } = validate(productParams, req.params, 'path');
    const product = store.get(id);
    if (!product) throw notFound('product', id);
    res.json(product);
  });

  router.get('/search', (req, res) => {
    const { q, limit } = validate(searchQuery, req.query, 'query');
    const hits = index.search(q, limit);
    // Stock changes with every order; the index holds texts, the store the current numbers.
    res.json({ query: q, hits: hits.map((hit) => ({ ...hit.product, stock: store.get(hit.product.id)?.stock, score: hit.score })) });
  });

  router.post('/reservations', (req, res) => {
    const { orderId, items } = validate(reservationBody, req.body, 'body');
    const { reservation, created } = store.reserve(orderId, items);
    res.status(created ? 201 : 200).json(reservation);
  });

  router.get('/reservations/:orderId', (req, res) => {
    const { orderId } = validate(orderParams, req.params, 'path');
    res.json(store.reservation(orderId) ?? reservationMissing(orderId));
  });

  router.delete('/reservations/:orderId', (req, res) => {
    const { orderId } = validate(orderParams, req.params, 'path');
    res.json(store.release(orderId) ?? reservationMissing(orderId));
  });
}

function reservationMissing(orderId: string): never {
  throw new HttpProblem(404, { type: 'not-found', title: 'reservation not found', detail: `no reservation for order '${orderId}'` });
}
