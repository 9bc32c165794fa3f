// Node runtime metrics: prom-client's defaults (CPU, memory, heap, event loop delay, GC, handles), minus the
// `nodejs_active_*_total` gauges that promtool rejects; the per-type `nodejs_active_*` gauges carry the same numbers.
import { collectDefaultMetrics, type Registry } from 'prom-client';

const REJECTED_BY_PROMTOOL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function startRuntimeMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  for (const name of REJECTED_BY_PROMTOOL) registry.removeSingleMetric(name);
}
