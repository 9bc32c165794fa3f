// lab_fault_active{route,fault}: 1 while a fault kind is switched on for a rule, computed at scrape time so
// incident windows show up without a timer. Route "*" always reports, so dashboards have a series at rest.
import type { Telemetry } from '@lab/telemetry';
import type { FaultEngine } from './engine.ts';
import { FAULT_KINDS } from './spec.ts';

export function registerFaultGauge(metrics: Telemetry['metrics'], engine: FaultEngine): void {
  metrics.gauge({
    name: 'lab_fault_active',
    help: 'Whether an injected fault is active (1) per fault rule route and fault kind.',
    labelNames: ['route', 'fault'],
    collect() {
      this.reset();
      const statuses = engine.activeKinds();
      if (!statuses.some((status) => status.route === '*')) statuses.push({ route: '*', activeKinds: [] });
      for (const status of statuses) {
        for (const fault of FAULT_KINDS) this.set({ route: status.route, fault }, status.activeKinds.includes(fault) ? 1 : 0);
      }
    },
  });
}
