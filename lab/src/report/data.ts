// What the report shows, gathered from the walk and the backends into one JSON document the page renders.
import { type FlowLine, type FlowStats, flowLines } from '../correlation/flow.ts';
import type { LocalBackends } from '../correlation/local.ts';
import type { FlameNode } from '../correlation/pprof.ts';
import { orderedTree } from '../correlation/trace-tree.ts';
import type { Exemplar, LinkResult, TimeRange } from '../correlation/types.ts';
import type { WalkResult } from '../correlation/walk.ts';
import type { ServiceRuntime } from '../metrics/runtime.ts';
import type { MetricsSource, RedSeries } from '../metrics/source.ts';
import { REPO_ROOT } from '../services.ts';

export interface WaterfallRow {
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  kind: string;
  depth: number;
  /** Offset from the trace start and duration, in ms. */
  startMs: number;
  durationMs: number;
  localRoot: boolean;
  attributes: Record<string, string | number | boolean>;
}

export interface ReportLog {
  time: string;
  service: string;
  level: string;
  msg: string;
  spanId?: string;
  fields: Record<string, unknown>;
}

export interface ReportData {
  title: string;
  runId: string;
  generatedAt: string;
  metricsSource: string;
  services: string[];
  range: TimeRange;
  incident: { name: string; service?: string; window: TimeRange };
  links: LinkResult[];
  red: RedSeries[];
  exemplar?: Exemplar;
  /** Every exemplar of the entry service in the run: dots on its chart. */
  exemplars: Exemplar[];
  waterfall: WaterfallRow[];
  traceId?: string;
  logs: ReportLog[];
  flame?: { service: string; spanId?: string; spanName: string; totalMs: number; labelled: boolean; tree: FlameNode };
  load?: { requests: number; errors: number; dropped: number; journeys: { name: string; p95Ms: number; errorRate: number; breaches: string[] }[] };
  flow?: { exemplars: number; traces: number; lines: FlowLine[]; problems: string[] };
  runtime: ServiceRuntime[];
}

export interface ReportInput {
  backends: LocalBackends;
  metrics: MetricsSource;
  walk: WalkResult;
  services: string[];
  runId: string;
  range: TimeRange;
  incident: { name: string; service?: string; window: TimeRange };
  stepSeconds: number;
  load?: ReportData['load'];
  flow?: FlowStats;
  runtime: ServiceRuntime[];
}

export async function reportData(input: ReportInput): Promise<ReportData> {
  const { walk } = input;
  const red = await Promise.all(input.services.map((service) => input.metrics.red(service, input.range, input.stepSeconds)));
  const entry = walk.exemplar?.seriesLabels['job'] ?? input.services[0]!;
  const exemplars = await input.metrics.exemplars(`http_server_request_duration_seconds_bucket{job="${entry}"}`, input.range);
  const trace = walk.trace ?? [];
  let traceStart = trace[0]?.startTimeUnixNano ?? 0n;
  for (const span of trace) if (span.startTimeUnixNano < traceStart) traceStart = span.startTimeUnixNano;
  const localRoots = new Set(walk.localRoots.map((span) => span.spanId));
  const waterfall = orderedTree(trace).map(({ span, depth }) => ({
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    service: span.serviceName,
    kind: span.kind,
    depth,
    startMs: Number(span.startTimeUnixNano - traceStart) / 1e6,
    durationMs: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
    localRoot: localRoots.has(span.spanId),
    attributes: span.attributes,
  }));
  const logs = Object.values(walk.logs)
    .flat()
    .sort((a, b) => a.time - b.time)
    .map((log) => {
      const { time, level, msg, service, trace_id: _traceId, span_id: _spanId, ...fields } = log.line;
      return {
        time: new Date(log.time).toISOString(),
        service: String(service ?? log.serviceName),
        level: String(level ?? ''),
        msg: String(msg ?? ''),
        ...(log.spanId ? { spanId: log.spanId } : {}),
        fields,
      };
    });
  return {
    title: 'Life of a request',
    runId: input.runId,
    generatedAt: new Date().toISOString(),
    metricsSource: input.metrics.kind,
    services: input.services,
    range: input.range,
    incident: input.incident,
    links: walk.links,
    red,
    ...(walk.exemplar ? { exemplar: walk.exemplar, traceId: walk.exemplar.traceId } : {}),
    exemplars,
    waterfall,
    logs,
    ...flameOf(input, walk),
    ...(input.load ? { load: input.load } : {}),
    ...(input.flow
      ? { flow: { exemplars: input.flow.exemplars, traces: input.flow.traces, lines: flowLines(input.flow), problems: input.flow.problems } }
      : {}),
    runtime: input.runtime,
  };
}

/** A frame name a person can read: no repository or pnpm store prefix, no file:// scheme. */
export function readableFrame(name: string, repoRoot = REPO_ROOT): string {
  const path = name.replace(/^file:\/\//, '');
  const withoutStore = path.replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^.*\/node_modules\//, '');
  return withoutStore.startsWith(repoRoot) ? withoutStore.slice(repoRoot.length) : withoutStore;
}

function readableTree(node: FlameNode): FlameNode {
  return { name: readableFrame(node.name), value: node.value, children: node.children.map(readableTree) };
}

/**
 * The flamegraph of the incident service's profiled local-root span (the slow one), else the heaviest profiled one;
 * without span samples, the whole profile of the slowest local root's service.
 */
function flameOf(input: ReportInput, walk: WalkResult): Pick<ReportData, 'flame'> {
  const profiled = walk.profiles.find((profile) => profile.serviceName === input.incident.service) ?? walk.profiles[0];
  if (profiled) {
    const tree = readableTree(input.backends.flame(profiled.serviceName, profiled.spanId, `${profiled.serviceName}: ${profiled.spanName}`));
    return { flame: { service: profiled.serviceName, spanId: profiled.spanId, spanName: profiled.spanName, totalMs: tree.value / 1e6, labelled: true, tree } };
  }
  const slowest = walk.localRoots.toSorted((a, b) => Number(b.endTimeUnixNano - b.startTimeUnixNano - (a.endTimeUnixNano - a.startTimeUnixNano)))[0];
  const service = slowest?.serviceName ?? input.incident.service ?? input.services[0]!;
  const tree = readableTree(input.backends.flame(service, undefined, `${service}: whole profile`));
  if (tree.value === 0) return {};
  return { flame: { service, spanName: slowest?.name ?? service, totalMs: tree.value / 1e6, labelled: false, tree } };
}
