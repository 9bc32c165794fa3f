// prom-client requires the CommonJS build of @opentelemetry/api (for CPU-counter exemplars we do not use), which
// would load a second copy of the API (~50 files) next to the ESM one everything else uses. Seeding the require
// cache with the ESM instance avoids that; both builds delegate to the same process-wide globals anyway.
import Module, { createRequire } from 'node:module';
import * as api from '@opentelemetry/api';

export function shareOtelApiWithPromClient(): void {
  try {
    const requireHere = createRequire(import.meta.url);
    const requireFromPromClient = createRequire(requireHere.resolve('prom-client'));
    const apiPath = requireFromPromClient.resolve('@opentelemetry/api');
    if (requireHere.cache[apiPath] !== undefined) return;
    const shared = new Module(apiPath);
    shared.filename = apiPath;
    shared.exports = api;
    shared.loaded = true;
    requireHere.cache[apiPath] = shared;
  } catch {
    // Resolution differs from what we expect: prom-client then loads its own copy, which also works.
  }
}
