// Node runtime metrics: prom-client's defaults (CPU, memory, heap, event loop delay, GC), except the handle, request
// and resource counts: prom-client exports them per type plus as `nodejs_active_*_total` gauges, which promtool
// rejects (a gauge must not end in _total). They are replaced by one unlabelled gauge each, `nodejs_active_handles`,
// `nodejs_active_requests`, `nodejs_active_resources` (conventions.md), always present even when the count is 0.
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

const REPLACED = ['handles', 'requests', 'resources'].flatMap((kind) => [`nodejs_active_${kind}`, `nodejs_active_${kind}_total`]);

type ProcessInternals = NodeJS.Process & { _getActiveHandles(): unknown[]; _getActiveRequests(): unknown[] };

export function startRuntimeMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  for (const name of REPLACED) registry.removeSingleMetric(name);
  const internals = process as ProcessInternals;
  const counts: Array<[string, string, () => number]> = [
    ['nodejs_active_handles', 'Number of active libuv handles.', () => internals._getActiveHandles().length],
    ['nodejs_active_requests', 'Number of active libuv requests.', () => internals._getActiveRequests().length],
    ['nodejs_active_resources', 'Number of active resources keeping the event loop alive.', () => process.getActiveResourcesInfo().length],
  ];
  for (const [name, help, count] of counts) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(count());
      },
    });
  }
}
