// Wires the gateway: cart database, clients for catalog and orders, routes, scaffold.
import type { Telemetry } from '@lab/telemetry';
import { dataDirFromEnv, downstreamFromEnv, openDatabase, startService } from '@lab/service-kit';
import { CartStore } from './carts.ts';
import { gatewayRoutes } from './routes.ts';

export async function startGateway(telemetry: Telemetry) {
  const catalog = downstreamFromEnv('catalog', { url: 'http://127.0.0.1:8081', timeoutMs: 2000 });
  // Checkout waits for catalog and payments behind orders, retries included: a longer deadline.
  const orders = downstreamFromEnv('orders', { url: 'http://127.0.0.1:8082', timeoutMs: 10_000 });
  const db = openDatabase({ dataDir: dataDirFromEnv(), file: 'gateway.db', name: 'gateway' });
  const carts = new CartStore(db);
  return startService({
    telemetry,
    routes: (router) => gatewayRoutes(router, carts, { catalog, orders }),
    defaultPort: 8080,
    defaultAdminPort: 9080,
    readiness: { database: () => db.prepare('SELECT 1').get(), catalog: () => catalog.check(), orders: () => orders.check() },
    onClose: () => db.close(),
  });
}
