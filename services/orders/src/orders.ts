// Wires the orders service: its database, clients for catalog and payments, checkout, routes, scaffold.
import type { Telemetry } from '@lab/telemetry';
import { dataDirFromEnv, downstreamFromEnv, openDatabase, startService } from '@lab/service-kit';
import { Checkout } from './checkout.ts';
import { startReconciler } from './reconcile.ts';
import { orderRoutes } from './routes.ts';
import { OrderStore } from './store.ts';

export async function startOrders(telemetry: Telemetry) {
  const catalog = downstreamFromEnv('catalog', { url: 'http://127.0.0.1:8081', timeoutMs: 2000 });
  const payments = downstreamFromEnv('payments', { url: 'http://127.0.0.1:8083', timeoutMs: 3000 });
  const db = openDatabase({ dataDir: dataDirFromEnv(), file: 'orders.db', name: 'orders' });
  const store = new OrderStore(db);
  const checkout = new Checkout(store, catalog, payments);
  const reconciler = startReconciler(telemetry, checkout, store);
  return startService({
    telemetry,
    routes: (router) => orderRoutes(router, checkout, store),
    defaultPort: 8082,
    defaultAdminPort: 9082,
    readiness: { database: () => db.prepare('SELECT 1').get(), catalog: () => catalog.check(), payments: () => payments.check() },
    onClose: () => {
      reconciler.stop();
      db.close();
    },
  });
}
