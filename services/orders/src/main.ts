// Orders entry point. init() runs first, before express and node:sqlite are loaded (hence the dynamic import),
// so every instrumentation sees the modules it patches.
import { init } from '@lab/telemetry';

const telemetry = init({ serviceName: process.env['OTEL_SERVICE_NAME'] || 'orders' });
const { exitOnStartupFailure } = await import('@lab/service-kit');
const { startOrders } = await import('./orders.ts');
await startOrders(telemetry).catch((error) => exitOnStartupFailure(telemetry, error));
