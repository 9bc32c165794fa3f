// Wires the payments service: its own database, the authorizer, routes, service scaffold.
import type { Telemetry } from '@lab/telemetry';
import { dataDirFromEnv, openDatabase, startService } from '@lab/service-kit';
import { Authorizer } from './authorize.ts';
import { paymentRoutes } from './routes.ts';
import { PaymentStore } from './store.ts';

export async function startPayments(telemetry: Telemetry) {
  const db = openDatabase({ dataDir: dataDirFromEnv(), file: 'payments.db', name: 'payments' });
  const store = new PaymentStore(db);
  return startService({
    telemetry,
    routes: (router) => paymentRoutes(router, new Authorizer(store), store),
    defaultPort: 8083,
    defaultAdminPort: 9083,
    readiness: { database: () => db.prepare('SELECT 1').get() },
    onClose: () => db.close(),
  });
}
