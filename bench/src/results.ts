// The shape of bench/results/*.json: everything measured, plus the summary rows and checks derived from it.
import type { MachineInfo } from './machine.ts';
import type { BenchSettings } from './settings.ts';
import type { Check, VariantRow } from './summary.ts';
import type { CheckoutResult } from './suites/checkout.ts';
import type { HelloResult } from './suites/hello.ts';
import type { LogCostResult } from './suites/log-cost.ts';
import type { OutageResult } from './suites/outage.ts';
import type { PauseResult } from './suites/pauses.ts';
import type { ProfileResult } from './suites/profile.ts';
import type { StartupResult } from './suites/startup.ts';

export interface BenchResults {
  schema: 1;
  command: string;
  startedAt: string;
  durationSec: number;
  machine: MachineInfo;
  settings: BenchSettings;
  variants: { id: string; label: string; nodeArgs: string[]; settings: string }[];
  hello: HelloResult;
  rows: VariantRow[];
  /** The catalog app (route parameters, express.json(), 20-item answer): uninstrumented and @lab/telemetry only. */
  catalog?: HelloResult;
  catalogRows?: VariantRow[];
  /** Event-loop pauses with and without profiling, per app. */
  pauses?: PauseResult[];
  logCost?: LogCostResult;
  outage?: OutageResult;
  checkout?: CheckoutResult;
  /** Startup of an express-only app and of one loading pg, ioredis and kafkajs (suites/startup.ts). */
  startup?: StartupResult;
  /** CPU profiles of the work behind each missed @lab/telemetry target. */
  profiles: ProfileResult[];
  checks: Check[];
}
