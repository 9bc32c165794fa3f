// The flow by the numbers: the walk proves one request; this checks every exemplar in a window the same way and
// counts how many resolve. Over the same CorrelationBackends, so the lab and `pnpm verify:cluster` report the same
// three shares.
import { checkTree } from './trace-tree.ts';
import type { CorrelationBackends, Exemplar, LogLine, TimeRange, TraceSpan } from './types.ts';
import { RED_HISTOGRAM } from './walk.ts';

/** Local-root spans with at least this much CPU time must have labelled profile samples (100 Hz sampling: ~1 sample). */
const MIN_SPAN_CPU_MS = 10;

export interface Share {
  count: number;
  of: number;
}

export interface FlowStats {
  /** The window the exemplars were taken from (unix seconds). */
  window: TimeRange;
  /** Exemplars counted: those of the traces checked. */
  exemplars: number;
  /** Distinct traces checked (each looked up once), and how many the window holds (more when capped by maxTraces). */
  traces: number;
  tracesInWindow: number;
  /** Exemplars whose trace id resolves to a complete trace: one root, every parent present, containing the exemplar's span. */
  completeTrace: Share;
  /** Exemplars whose trace has log lines (its trace id and one of its span ids) from every service it crossed. */
  logsFromEveryService: Share;
  /**
   * Local-root spans of those traces with at least MIN_SPAN_CPU_MS of CPU time that have labelled profile samples. A
   * span's CPU time is what the service declares it spent: the `cpu_ms` of its "fault injected" log lines (the CPU
   * fault's busy loop), a measure independent of the profiler under test.
   */
  cpuSpansProfiled: Share;
  /** A few examples of what failed, one line each. */
  problems: string[];
}

export interface FlowOptions {
  services: string[];
  window: TimeRange;
  /** Where logs and profiles are looked up (the run, or --since). */
  range: TimeRange;
  /** Bound on distinct traces checked (each costs one trace, one log query per service, one profile query per CPU-heavy span). */
  maxTraces?: number;
}

const MAX_PROBLEMS = 5;

interface TraceCheck {
  spans?: TraceSpan[];
  complete: boolean;
  logsOk: boolean;
  cpuSpans: number;
  profiledCpuSpans: number;
}

export async function flowStats(backends: CorrelationBackends, options: FlowOptions): Promise<FlowStats> {
  const exemplars = (await backends.exemplars(RED_HISTOGRAM, options.window)).filter((exemplar) => options.services.includes(exemplar.seriesLabels['job'] ?? ''));
  const byTrace = new Map<string, Exemplar[]>();
  for (const exemplar of exemplars) {
    const list = byTrace.get(exemplar.traceId) ?? [];
    list.push(exemplar);
    byTrace.set(exemplar.traceId, list);
  }
  const traceIds = [...byTrace.keys()].slice(0, options.maxTraces ?? Number.POSITIVE_INFINITY);
  const stats: FlowStats = {
    window: options.window,
    exemplars: 0,
    traces: traceIds.length,
    tracesInWindow: byTrace.size,
    completeTrace: { count: 0, of: 0 },
    logsFromEveryService: { count: 0, of: 0 },
    cpuSpansProfiled: { count: 0, of: 0 },
    problems: [],
  };
  const problem = (line: string) => {
    if (stats.problems.length < MAX_PROBLEMS) stats.problems.push(line);
  };
  for (const traceId of traceIds) {
    const check = await checkTrace(backends, traceId, options.range, problem);
    for (const exemplar of byTrace.get(traceId)!) {
      stats.exemplars++;
      stats.completeTrace.of++;
      stats.logsFromEveryService.of++;
      const hasSpan = !exemplar.spanId || (check.spans?.some((span) => span.spanId === exemplar.spanId) ?? false);
      if (check.complete && hasSpan) stats.completeTrace.count++;
      else if (check.complete) problem(`exemplar span ${exemplar.spanId} (${exemplar.seriesLabels['job']}) is not in its trace ${traceId}`);
      if (check.logsOk) stats.logsFromEveryService.count++;
    }
    stats.cpuSpansProfiled.of += check.cpuSpans;
    stats.cpuSpansProfiled.count += check.profiledCpuSpans;
  }
  return stats;
}

async function checkTrace(backends: CorrelationBackends, traceId: string, range: TimeRange, problem: (line: string) => void): Promise<TraceCheck> {
  const spans = await backends.trace(traceId);
  if (!spans || spans.length === 0) {
    problem(`trace ${traceId}: not in the trace store`);
    return { complete: false, logsOk: false, cpuSpans: 0, profiledCpuSpans: 0 };
  }
  const tree = checkTree(spans);
  if (!tree.ok) problem(`trace ${traceId}: ${tree.problems[0]}`);
  const spanIds = new Set(spans.map((span) => span.spanId));
  const logs: LogLine[] = [];
  const silent: string[] = [];
  for (const service of tree.services) {
    const lines = (await backends.logsForTrace(service, traceId, range)).filter((line) => line.traceId === traceId && line.spanId && spanIds.has(line.spanId));
    if (lines.length === 0) silent.push(service);
    logs.push(...lines);
  }
  if (silent.length > 0) problem(`trace ${traceId}: no log line from ${silent.join(', ')}`);
  let cpuSpans = 0;
  let profiledCpuSpans = 0;
  for (const span of tree.localRoots) {
    if (declaredCpuMs(logs, span.spanId) < MIN_SPAN_CPU_MS) continue;
    cpuSpans++;
    const profile = await backends.profileForSpan(span.serviceName, span.spanId, range);
    if (profile && profile.total > 0) profiledCpuSpans++;
    else problem(`span ${span.spanId} (${span.serviceName} "${span.name}") spent ${declaredCpuMs(logs, span.spanId)} ms on CPU but has no labelled profile sample`);
  }
  return { spans, complete: tree.ok, logsOk: silent.length === 0, cpuSpans, profiledCpuSpans };
}

/** CPU time a span's own log lines declare (service-kit's CPU fault logs `cpu_ms` before its busy loop). */
function declaredCpuMs(logs: LogLine[], spanId: string): number {
  return logs
    .filter((line) => line.spanId === spanId && line.line['fault'] === 'cpu')
    .reduce((sum, line) => sum + (typeof line.line['cpu_ms'] === 'number' ? line.line['cpu_ms'] : 0), 0);
}

/** "12/12 (100%)", or "none" when nothing was counted. */
function formatShare(share: Share): string {
  return share.of === 0 ? 'none' : `${share.count}/${share.of} (${percent(share)})`;
}

function percent(share: Share): string {
  const value = (100 * share.count) / share.of;
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

/** What a connected flow must reach: every exemplar resolves fully; CPU-heavy spans may miss samples rarely (sampling). */
const FLOW_TARGETS = { completeTrace: 1, logsFromEveryService: 1, cpuSpansProfiled: 0.95 } as const;
export type FlowShareName = keyof typeof FLOW_TARGETS;

export interface FlowLine {
  name: FlowShareName;
  share: Share;
  /** Lowest passing share, 0..1. */
  target: number;
  ok: boolean;
  text: string;
}

/** The three shares with their targets, as the summary, the report and verify:cluster print them. A share of nothing passes. */
export function flowLines(stats: FlowStats): FlowLine[] {
  const texts: Record<FlowShareName, string> = {
    completeTrace: 'exemplars resolve to a complete trace (one root, every parent present)',
    logsFromEveryService: "exemplars' traces have log lines from every service they crossed",
    cpuSpansProfiled: `local-root spans with >= ${MIN_SPAN_CPU_MS} ms CPU time have labelled profile samples`,
  };
  return (Object.keys(FLOW_TARGETS) as FlowShareName[]).map((name) => {
    const share = stats[name];
    const target = FLOW_TARGETS[name];
    const ok = share.of === 0 || share.count >= target * share.of;
    return { name, share, target, ok, text: `${formatShare(share)} ${texts[name]} (target ${target * 100}%)` };
  });
}
