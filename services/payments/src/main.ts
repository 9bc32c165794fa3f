// Payments entry point. init() runs first, before express and node:sqlite are loaded (hence the dynamic import),
// so every instrumentation sees the modules it patches.
import { init } from '@lab/telemetry';

const telemetry = init({ serviceName: process.env['OTEL_SERVICE_NAME'] || 'payments' });
const { exitOnStartupFailure } = await import('@lab/service-kit');
const { startPayments } = await import('./payments.ts');
await startPayments(telemetry).catch((error) => exitOnStartupFailure(telemetry, error));
