// Self-telemetry of the profile pipeline. The core registers lab_telemetry_export_failures_total for every signal;
// counters are reused when already registered so that either side may create them first.
import { Counter, type CounterConfiguration, type Registry } from 'prom-client';

export type DropReason = 'queue_full' | 'export_failed' | 'shutdown';

export interface ProfilingMetrics {
  uploaded: Counter;
  dropped: Counter<'reason'>;
  exportFailures: Counter<'signal'>;
}

export function profilingMetrics(registry: Registry): ProfilingMetrics {
  return {
    uploaded: counter(registry, {
      name: 'lab_telemetry_profiles_uploaded_total',
      help: 'Profiles accepted by Pyroscope.',
    }),
    dropped: counter(registry, {
      name: 'lab_telemetry_profiles_dropped_total',
      help: 'Profiles lost before reaching Pyroscope, by reason (queue_full, export_failed, shutdown).',
      labelNames: ['reason'],
    }),
    exportFailures: counter(registry, {
      name: 'lab_telemetry_export_failures_total',
      help: 'Failed export attempts, by signal (traces, logs, profiles).',
      labelNames: ['signal'],
    }),
  };
}

function counter<T extends string>(registry: Registry, config: CounterConfiguration<T>): Counter<T> {
  const existing = registry.getSingleMetric(config.name);
  if (existing instanceof Counter) return existing as Counter<T>;
  return new Counter({ ...config, registers: [registry] });
}
