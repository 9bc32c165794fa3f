// The logger type services get from @lab/telemetry (pino), without depending on pino directly.
import type { Telemetry } from '@lab/telemetry';

export type Logger = Telemetry['logger'];
