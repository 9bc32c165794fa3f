// Gateway entry point, the zero-code way: `node --import @lab/telemetry/register src/main.ts` has already
// started telemetry (configured from OTEL_* variables) before this module loads; init() returns that handle.
// Started without the flag, init() starts telemetry here instead, so the service still works.
import { exitOnStartupFailure } from '@lab/service-kit';
import { init } from '@lab/telemetry';
import { startGateway } from './gateway.ts';

const telemetry = init({ serviceName: process.env['OTEL_SERVICE_NAME'] || 'gateway' });
await startGateway(telemetry).catch((error) => exitOnStartupFailure(telemetry, error));
