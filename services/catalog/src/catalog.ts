// Wires the catalog service: database (seeded on first start), search index, routes, service scaffold.
import type { Telemetry } from '@lab/telemetry';
import { dataDirFromEnv, openDatabase, startService } from '@lab/service-kit';
import { catalogRoutes } from './routes.ts';
import { SearchIndex } from './search/ranker.ts';
import { CatalogStore } from './store.ts';

export async function startCatalog(telemetry: Telemetry) {
  const db = openDatabase({ dataDir: dataDirFromEnv(), file: 'catalog.db', name: 'catalog' });
  const store = new CatalogStore(db);
  const index = new SearchIndex(store.all());
  telemetry.logger.info({ products: index.size }, 'search index built');
  return startService({
    telemetry,
    routes: (router) => catalogRoutes(router, store, index),
    defaultPort: 8081,
    defaultAdminPort: 9081,
    readiness: { database: () => db.prepare('SELECT 1').get() },
    onClose: () => db.close(),
  });
}
