// Catalog entry point. init() runs first, before express and node:sqlite are loaded (hence the dynamic import),
// so every instrumentation sees the modules it patches.
import { init } from '@lab/telemetry';

const telemetry = init({ serviceName: process.env['OTEL_SERVICE_NAME'] || 'catalog' });
const { exitOnStartupFailure } = await import('@lab/service-kit');
const { startCatalog } = await import('./catalog.ts');
await startCatalog(telemetry).catch((error) => exitOnStartupFailure(telemetry, error));
