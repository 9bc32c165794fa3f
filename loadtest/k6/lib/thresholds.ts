// Per-endpoint thresholds derived from the shared journeys: each endpoint tag gets the strictest p95 and error-rate
// limits of the journeys that call it. k6 fails the run (exit code 99) when one is crossed; the load-test
// dashboard draws the same limits.
import type { Journey } from '../../src/journey-types.ts';

export interface EndpointThreshold {
  /** The endpoint tag: the journey step's name, e.g. 'GET /api/products/:id'. */
  endpoint: string;
  p95Ms: number;
  maxErrorRate: number;
}

/** Characters k6 cannot take inside a threshold's `{tag:value}` filter. */
const UNSAFE_TAG_VALUE = /[,{}]/;

export function endpointThresholds<State>(journeys: readonly Journey<State>[]): EndpointThreshold[] {
  const byEndpoint = new Map<string, EndpointThreshold>();
  for (const journey of journeys) {
    for (const step of journey.steps) {
      if (UNSAFE_TAG_VALUE.test(step.name)) {
        throw new Error(`step name "${step.name}" of journey "${journey.name}" cannot be a k6 tag filter (no , { })`);
      }
      const known = byEndpoint.get(step.name);
      byEndpoint.set(step.name, {
        endpoint: step.name,
        p95Ms: Math.min(known?.p95Ms ?? Number.POSITIVE_INFINITY, journey.thresholds.p95Ms),
        maxErrorRate: Math.min(known?.maxErrorRate ?? Number.POSITIVE_INFINITY, journey.thresholds.maxErrorRate),
      });
    }
  }
  return [...byEndpoint.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/** k6 `options.thresholds`: latency and error rate per endpoint tag, plus checks overall. */
export function k6Thresholds<State>(journeys: readonly Journey<State>[], minCheckRate = 0.95): Record<string, string[]> {
  const thresholds: Record<string, string[]> = { checks: [`rate>${minCheckRate}`] };
  for (const { endpoint, p95Ms, maxErrorRate } of endpointThresholds(journeys)) {
    thresholds[`http_req_duration{endpoint:${endpoint}}`] = [`p(95)<${p95Ms}`];
    thresholds[`http_req_failed{endpoint:${endpoint}}`] = [`rate<${maxErrorRate}`];
  }
  return thresholds;
}
