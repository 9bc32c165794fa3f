// The fault configuration language (LAB_FAULTS and the admin API): a JSON object keyed by route.
//   { "POST /payments/authorize": { "latencyMs": { "p50": 200, "p99": 1500 }, "errorPercent": 5 },
//     "*": { "incident": { "every": "300s", "duration": "30s", "latencyMs": 2000 } } }
import { z } from 'zod';

const MAX_LATENCY_MS = 60_000;
const MAX_CPU_MS = 10_000;
/** Incident schedules stay within a week, so every time computed from them is a valid date. */
const MAX_PERIOD_MS = 7 * 24 * 3_600_000;

const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "250ms", "30s", "5m", "1h" or a number of milliseconds; at most 7 days. */
const duration = z
  .union([
    z.number(),
    z
      .string()
      .regex(durationPattern, 'expected a duration like "250ms", "30s", "5m" or "1h"')
      .transform((text) => {
        const [, amount, unit] = durationPattern.exec(text)!;
        return Number(amount) * unitMs[unit!]!;
      }),
  ], { error: 'expected a duration like "250ms", "30s", "5m", "1h" or a number of milliseconds' })
  .pipe(z.number().nonnegative().max(MAX_PERIOD_MS, `expected at most 7 days (${MAX_PERIOD_MS} ms)`));

const milliseconds = z.number().nonnegative().max(MAX_LATENCY_MS);

/** Fixed milliseconds, a log-normal distribution given by two percentiles, or uniform between min and max. */
const latency = z.union([
  milliseconds,
  z
    .strictObject({ p50: milliseconds, p99: milliseconds })
    .refine((value) => value.p99 >= value.p50, { message: 'p99 must be >= p50', path: ['p99'] }),
  z
    .strictObject({ min: milliseconds, max: milliseconds })
    .refine((value) => value.max >= value.min, { message: 'max must be >= min', path: ['max'] }),
], { error: 'expected milliseconds (0..60000), {"p50": ms, "p99": ms} with p99 >= p50, or {"min": ms, "max": ms} with max >= min' });

const effects = {
  latencyMs: latency.optional(),
  /** Share of requests answered with an injected error, in percent (0..100). */
  errorPercent: z.number().min(0).max(100).optional(),
  /** Status of injected errors; default 500. */
  errorStatus: z.number().int().min(400).max(599).optional(),
  /** Synchronous CPU work per request (blocks the event loop, like a hot code path). */
  cpuMs: z.number().nonnegative().max(MAX_CPU_MS).optional(),
};

/** Periodic incident: active for `duration` every `every`, first starting `offset` after the faults were set. */
const incident = z
  .strictObject({ every: duration, duration, offset: duration.optional(), ...effects })
  .refine((value) => value.duration <= value.every, { message: 'duration must be <= every', path: ['duration'] })
  .refine((value) => value.every > 0, { message: 'every must be > 0', path: ['every'] });

const routeFault = z.strictObject({ ...effects, incident: incident.optional() });

const ROUTE_KEY_HINT = 'expected a route key: "*", "/path/:param" or "METHOD /path/:param"';
const methods = 'GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS';
/** "*" (every route), "/path/:param" (any method) or "METHOD /path/:param"; a trailing "*" segment matches the rest. */
const routeKey = z
  .string()
  .regex(new RegExp(`^(\\*|(?:(?:${methods}) )?/\\S*)$`), ROUTE_KEY_HINT);

export const faultConfigSchema = z.record(routeKey, routeFault);

export type FaultConfig = z.output<typeof faultConfigSchema>;
export type RouteFault = z.output<typeof routeFault>;
export type Latency = z.output<typeof latency>;
export type FaultKind = 'latency' | 'error' | 'cpu' | 'incident';
export const FAULT_KINDS: readonly FaultKind[] = ['latency', 'error', 'cpu', 'incident'];

export class FaultConfigError extends Error {
  readonly issues: { field: string; detail: string }[];
  constructor(source: string, issues: { field: string; detail: string }[]) {
    super(`invalid ${source}: ${issues.map((issue) => `${issue.field}: ${issue.detail}`).join('; ')}`);
    this.name = 'FaultConfigError';
    this.issues = issues;
  }
}

/** Validates a fault configuration; `source` names it in the error (e.g. "LAB_FAULTS"). */
export function parseFaultConfig(value: unknown, source: string): FaultConfig {
  // zod's record drops an own "__proto__" key without a word, which turned {"__proto__": ...} into "no faults".
  const prototypeKey = findPrototypeKey(value, []);
  if (prototypeKey) throw new FaultConfigError(source, [{ field: prototypeKey, detail: 'unknown key' }]);
  const result = faultConfigSchema.safeParse(value);
  if (result.success) return result.data;
  throw new FaultConfigError(
    source,
    result.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(root)',
      // zod reports a bad record key as "Invalid key in record"; say what a key looks like instead.
      detail: issue.code === 'invalid_key' ? ROUTE_KEY_HINT : issue.message,
    })),
  );
}

function findPrototypeKey(value: unknown, path: string[]): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return [...path, key].join('.');
    const found = findPrototypeKey((value as Record<string, unknown>)[key], [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Reads LAB_FAULTS (JSON); unset or empty means no faults. */
export function faultConfigFromEnv(text: string | undefined): FaultConfig {
  if (text === undefined || text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FaultConfigError('LAB_FAULTS', [{ field: '(root)', detail: `not valid JSON (${(error as Error).message})` }]);
  }
  return parseFaultConfig(json, 'LAB_FAULTS');
}
