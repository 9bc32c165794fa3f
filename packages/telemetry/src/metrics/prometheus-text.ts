// Metrics recorded through the OpenTelemetry API, written as Prometheus text (classic 0.0.4 or OpenMetrics) next to
// the prom-client registry's, named as the OpenTelemetry "Prometheus and OpenMetrics Compatibility" specification
// says (open-telemetry/opentelemetry-specification, specification/compatibility/prometheus_and_openmetrics.md):
// invalid characters become `_`, the unit becomes a suffix (`s` -> `_seconds`, `By` -> `_bytes`, `{…}` annotations
// dropped, `1` on a gauge -> `_ratio`), monotonic sums get `_total`, non-monotonic sums are gauges, attributes become
// labels (sanitized, colliding keys joined with `;`), and each series carries `otel_scope_name` and
// `otel_scope_version`. Exponential histograms have no classic text form and are left out.
import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

const UNITS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};
const PER_UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

type Kind = 'counter' | 'gauge' | 'histogram';

export function sanitizeName(name: string): string {
  const sanitized = name.replace(/[^a-zA-Z0-9_:]+/g, '_').replace(/_{2,}/g, '_');
  return /^[0-9]/.test(sanitized) ? `_${sanitized}` : sanitized;
}

/** The name suffix of a UCUM unit: `s` -> `seconds`, `By/s` -> `bytes_per_second`, `{request}` -> ``. */
export function unitSuffix(unit: string): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '' || bare === '1') return '';
  const [main = '', per] = bare.split('/', 2);
  const words = main === '' ? [] : [UNITS[main] ?? main];
  if (per !== undefined && per !== '') words.push('per', PER_UNITS[per] ?? per);
  return sanitizeName(words.join('_')).replace(/^_+|_+$/g, '');
}

/** The metric family name (counters without `_total`, which their samples carry). */
export function familyName(name: string, unit: string, kind: Kind): string {
  let family = sanitizeName(name);
  if (kind === 'counter') family = family.replace(/_total$/, '');
  const suffix = unitSuffix(unit);
  if (suffix !== '' && !family.endsWith(`_${suffix}`)) family += `_${suffix}`;
  if (kind === 'gauge' && unit.trim() === '1' && !family.endsWith('_ratio')) family += '_ratio';
  return family;
}

function labelKey(key: string): string {
  const sanitized = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(sanitized) ? `key_${sanitized}` : sanitized;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(attributes: Attributes, scopeLabels: Record<string, string>, extra?: [string, string]): string {
  const labels: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const name = labelKey(key);
    const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
    labels[name] = labels[name] === undefined ? text : `${labels[name]};${text}`;
  }
  Object.assign(labels, scopeLabels);
  if (extra !== undefined) labels[extra[0]] = extra[1];
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

interface Family {
  kind: Kind;
  help: string;
  samples: string[];
}

function kindOf(metric: MetricData): Kind | undefined {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return undefined;
  }
}

function samplesOf(metric: MetricData, family: string, scopeLabels: Record<string, string>): string[] {
  const samples: string[] = [];
  if (metric.dataPointType === DataPointType.HISTOGRAM) {
    for (const point of metric.dataPoints) {
      const { boundaries, counts } = point.value.buckets;
      let cumulative = 0;
      for (let index = 0; index < counts.length; index++) {
        cumulative += counts[index]!;
        const le = index < boundaries.length ? formatValue(boundaries[index]!) : '+Inf';
        samples.push(`${family}_bucket${labelText(point.attributes, scopeLabels, ['le', le])} ${cumulative}`);
      }
      samples.push(`${family}_sum${labelText(point.attributes, scopeLabels)} ${formatValue(point.value.sum ?? 0)}`);
      samples.push(`${family}_count${labelText(point.attributes, scopeLabels)} ${point.value.count}`);
    }
  } else if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
    const name = kindOf(metric) === 'counter' ? `${family}_total` : family;
    for (const point of metric.dataPoints) samples.push(`${name}${labelText(point.attributes, scopeLabels)} ${formatValue(point.value)}`);
  }
  return samples;
}

export interface SerializeResult {
  text: string;
  /** Metric families left out because the registry already has that name (first reported once by the caller). */
  collisions: Array<{ name: string; scope: string }>;
}

/**
 * Prometheus text of `resourceMetrics`. `taken` holds the family names already on the page (the prom-client
 * registry's): an API metric with the same name is left out and reported, never written twice.
 */
export function serialize(resourceMetrics: ResourceMetrics, openMetrics: boolean, taken: ReadonlySet<string>): SerializeResult {
  const families = new Map<string, Family>();
  const collisions: SerializeResult['collisions'] = [];
  for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
    const scopeLabels = { otel_scope_name: scope.name, otel_scope_version: scope.version ?? '' };
    for (const metric of metrics) {
      const kind = kindOf(metric);
      if (kind === undefined || metric.dataPoints.length === 0) continue;
      const name = familyName(metric.descriptor.name, metric.descriptor.unit, kind);
      const existing = families.get(name);
      if (taken.has(name) || taken.has(`${name}_total`) || (existing !== undefined && existing.kind !== kind)) {
        collisions.push({ name, scope: scope.name });
        continue;
      }
      const family = existing ?? { kind, help: metric.descriptor.description, samples: [] };
      family.samples.push(...samplesOf(metric, name, scopeLabels));
      families.set(name, family);
    }
  }
  let text = '';
  for (const [name, family] of families) {
    // Classic text names a counter family by its samples' name; OpenMetrics without the `_total`.
    const typeName = family.kind === 'counter' && !openMetrics ? `${name}_total` : name;
    const help = family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    text += `# HELP ${typeName} ${help}\n# TYPE ${typeName} ${family.kind}\n${family.samples.join('\n')}\n`;
  }
  return { text, collisions };
}
