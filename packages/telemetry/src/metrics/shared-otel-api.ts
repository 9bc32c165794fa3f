// prom-client requires the CommonJS build of @opentelemetry/api (for CPU-counter exemplars we do not use), which
// would load a second copy of the API (~50 files) next to the ESM one everything else uses. Seeding the require
// cache with the ESM instance avoids that; both builds delegate to the same process-wide globals anyway. From source
// prom-client resolves the API from its own folder; in the built package prom-client is bundled and its require
// resolves from here.
import Module, { createRequire } from 'node:module';
import * as api from '@opentelemetry/api';

export function shareOtelApiWithPromClient(): void {
  const requireHere = createRequire(import.meta.url);
  for (const resolveApi of [() => createRequire(requireHere.resolve('prom-client')).resolve('@opentelemetry/api'), () => requireHere.resolve('@opentelemetry/api')]) {
    try {
      const apiPath = resolveApi();
      if (requireHere.cache[apiPath] !== undefined) continue;
      const shared = new Module(apiPath);
      shared.filename = apiPath;
      shared.exports = api;
      shared.loaded = true;
      requireHere.cache[apiPath] = shared;
    } catch {
      // Not resolvable from there (prom-client bundled, or installed differently): prom-client then loads its own
      // copy, which also works.
    }
  }
}
