// A more realistic express 5 app than hello (issue 16): JSON body parsing on every route, route parameters, and a
// 20-item JSON answer built per request, as a typical list endpoint does. Shared setup: bench-app.ts.
import express from 'express';
import { createBenchApp, serveBenchApp } from './bench-app.ts';

const ITEMS_PER_PAGE = 20;

const app = createBenchApp('bench-catalog');
app.use(express.json());
app.get('/stores/:storeId/categories/:categoryId/items', (req, res) => {
  const { storeId, categoryId } = req.params;
  const page = Number(req.query.page ?? 1);
  const items = Array.from({ length: ITEMS_PER_PAGE }, (_, index) => {
    const id = (page - 1) * ITEMS_PER_PAGE + index + 1;
    return {
      id: `${categoryId}-${id}`,
      store: storeId,
      name: `Item ${id}`,
      price_cents: 199 + ((id * 37) % 5000),
      in_stock: id % 7 !== 0,
      tags: ['catalog', categoryId],
    };
  });
  res.json({ store: storeId, category: categoryId, page, items });
});
serveBenchApp(app);
