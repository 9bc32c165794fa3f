// The correlation walker: metrics -> exemplar on the spike -> trace across services -> logs of that trace -> profile
// of its local-root spans. It walks the slowest request on the spike whose every link can resolve. It only speaks CorrelationBackends, so the lab (local.ts) and `pnpm verify:cluster`
// (cluster.ts) walk the same loop over different stores.
import { checkTree, orderedTree } from './trace-tree.ts';
import type { CorrelationBackends, Exemplar, LinkResult, LogLine, ProfileSummary, TimeRange, TraceSpan } from './types.ts';

export const RED_HISTOGRAM = 'http_server_request_duration_seconds_bucket';

export interface WalkOptions {
  /** Services expected to take part (Prometheus `job` = service name). */
  services: string[];
  /** The service whose exemplars start the walk (the entry point, e.g. gateway). */
  entryService: string;
  /** The spike: the incident window the exemplar is picked from. */
  window: TimeRange;
  /** The whole run: where metrics, logs and profiles are looked up. */
  range: TimeRange;
  /** Services a picked trace must cross; default 3. */
  minServices?: number;
  /** Exemplars tried (highest latency first) before giving up on finding a trace; default 25. */
  maxCandidates?: number;
}

export interface ProfileOfSpan {
  serviceName: string;
  spanId: string;
  spanName: string;
  summary: ProfileSummary;
}

/** Correct traces without profile samples looked at before settling for the slowest of them (bounds backend queries). */
const MAX_UNPROFILED_TRACES = 10;

interface Picked {
  exemplar: Exemplar;
  spans: TraceSpan[];
  localRoots: TraceSpan[];
  profiles: ProfileOfSpan[];
}

export interface WalkResult {
  ok: boolean;
  links: LinkResult[];
  /** Exemplars per service over the run (the metrics link's evidence). */
  exemplarsByService: Record<string, number>;
  exemplar?: Exemplar;
  trace?: TraceSpan[];
  localRoots: TraceSpan[];
  /** Log lines per service carrying the trace id. */
  logs: Record<string, LogLine[]>;
  /** Profiles of the trace's local-root spans that have samples, heaviest first. */
  profiles: ProfileOfSpan[];
}

export async function walk(backends: CorrelationBackends, options: WalkOptions): Promise<WalkResult> {
  const result: WalkResult = { ok: false, links: [], exemplarsByService: {}, localRoots: [], logs: {}, profiles: [] };
  const add = (link: LinkResult) => result.links.push(link);

  // 1. metrics: every service's RED histogram is in the metrics store, with exemplars.
  const all = await backends.exemplars(RED_HISTOGRAM, options.range);
  for (const service of options.services) {
    result.exemplarsByService[service] = all.filter((exemplar) => exemplar.seriesLabels['job'] === service).length;
  }
  const silent = options.services.filter((service) => result.exemplarsByService[service] === 0);
  add(
    silent.length === 0
      ? { link: 'metrics', ok: true, detail: `${RED_HISTOGRAM} with exemplars for ${options.services.join(', ')} (${all.length} exemplars)` }
      : { link: 'metrics', ok: false, detail: `no ${RED_HISTOGRAM} exemplars for ${silent.join(', ')}: check the scrape targets and that requests are sampled` },
  );

  // 2. exemplar on the spike: the slowest ones in the incident window, entry service first.
  const inWindow = await backends.exemplars(`${RED_HISTOGRAM}{job="${options.entryService}"}`, options.window);
  const candidates = (inWindow.length > 0 ? inWindow : all.filter((e) => within(e.timestamp, options.window)))
    .sort((a, b) => b.value - a.value)
    .slice(0, options.maxCandidates ?? 25);
  if (candidates.length === 0) {
    add({ link: 'exemplar', ok: false, detail: `no exemplar between ${iso(options.window.start)} and ${iso(options.window.end)}` });
    return finish(result);
  }

  // 3. trace: the slowest candidate whose trace crosses enough services in a correct tree and whose local-root spans
  // left profile samples; a sampling profiler can miss a short span, so the slowest correct trace is the fallback.
  const minServices = options.minServices ?? 3;
  const rejected: string[] = [];
  let unprofiled: Omit<Picked, 'profiles'> | undefined;
  let skipped = 0;
  let picked: Picked | undefined;
  for (const exemplar of candidates) {
    const spans = await backends.trace(exemplar.traceId);
    if (!spans || spans.length === 0) {
      rejected.push(`${exemplar.traceId}: not in the trace store`);
      continue;
    }
    const tree = checkTree(spans);
    if (tree.services.length < minServices) {
      rejected.push(`${exemplar.traceId}: ${tree.services.length} service(s)`);
      continue;
    }
    if (!tree.ok) {
      rejected.push(`${exemplar.traceId}: ${tree.problems.join('; ')}`);
      continue;
    }
    const profiles = await profilesOf(backends, tree.localRoots, options.range);
    if (profiles.length > 0) {
      picked = { exemplar, spans, localRoots: tree.localRoots, profiles };
      break;
    }
    unprofiled ??= { exemplar, spans, localRoots: tree.localRoots };
    if (++skipped >= MAX_UNPROFILED_TRACES) break;
  }
  picked ??= unprofiled && { ...unprofiled, profiles: [] };
  if (!picked) {
    add({ link: 'exemplar', ok: true, detail: `${candidates.length} exemplar(s) in the incident window` });
    add({ link: 'trace', ok: false, detail: `no exemplar's trace crosses ${minServices} services in a correct tree: ${rejected.slice(0, 3).join(' | ')}` });
    return finish(result);
  }
  const { exemplar } = picked;
  result.exemplar = exemplar;
  result.trace = picked.spans;
  result.localRoots = picked.localRoots;
  result.profiles = picked.profiles;
  const route = exemplar.seriesLabels['http_route'] ?? '?';
  add({
    link: 'exemplar',
    ok: true,
    detail:
      `${exemplar.seriesLabels['job']} ${route} took ${formatSeconds(exemplar.value)} at ${iso(exemplar.timestamp)} -> trace ${exemplar.traceId}` +
      (picked.profiles.length > 0 && skipped > 0 ? ` (${skipped} slower trace(s) skipped: their spans left no profile samples)` : ''),
  });
  // Services in call order: as they first appear walking the tree from the root.
  const services = [...new Set(orderedTree(result.trace).map((row) => row.span.serviceName))];
  add({ link: 'trace', ok: true, detail: `${result.trace.length} spans across ${services.join(' -> ')}, one root, every parent present` });

  // 4. logs: every service of the trace logged lines with its trace id and one of its span ids.
  const spanIds = new Set(result.trace.map((span) => span.spanId));
  const withoutLogs: string[] = [];
  for (const service of services) {
    const lines = await backends.logsForTrace(service, exemplar.traceId, options.range);
    result.logs[service] = lines;
    if (!lines.some((line) => line.traceId === exemplar.traceId && line.spanId && spanIds.has(line.spanId))) withoutLogs.push(service);
  }
  const logCount = Object.values(result.logs).reduce((sum, lines) => sum + lines.length, 0);
  add(
    withoutLogs.length === 0
      ? { link: 'logs', ok: true, detail: `${logCount} log lines from ${services.join(', ')} carry trace_id ${exemplar.traceId} and its span ids` }
      : { link: 'logs', ok: false, detail: `no log line with this trace_id and one of its span_ids from ${withoutLogs.join(', ')}` },
  );

  // 5. profile: samples labelled with the local-root span ids (looked up while picking the trace).
  const profiled = result.profiles.map((profile) => `${profile.serviceName} "${profile.spanName}"`);
  add(
    result.profiles.length > 0
      ? { link: 'profile', ok: true, detail: `samples labelled span_id for ${profiled.join(', ')} (${result.profiles.length}/${result.localRoots.length} local roots)` }
      : {
          link: 'profile',
          ok: false,
          detail: `no profile sample labelled with the local-root span ids of ${skipped} correct trace(s) on the spike (spans shorter than the sampling period leave none)`,
        },
  );
  return finish(result);
}

/** Profiles of the local-root spans that have samples, heaviest first. */
async function profilesOf(backends: CorrelationBackends, localRoots: TraceSpan[], range: TimeRange): Promise<ProfileOfSpan[]> {
  const profiles: ProfileOfSpan[] = [];
  for (const span of localRoots) {
    const summary = await backends.profileForSpan(span.serviceName, span.spanId, range);
    if (summary && summary.total > 0) profiles.push({ serviceName: span.serviceName, spanId: span.spanId, spanName: span.name, summary });
  }
  return profiles.sort((a, b) => b.summary.total - a.summary.total);
}

function finish(result: WalkResult): WalkResult {
  const expected = ['metrics', 'exemplar', 'trace', 'logs', 'profile'] as const;
  for (const link of expected) {
    if (!result.links.some((existing) => existing.link === link)) result.links.push({ link, ok: false, detail: 'not reached: an earlier link broke' });
  }
  result.ok = result.links.every((link) => link.ok);
  return result;
}

function within(timestamp: number, range: TimeRange): boolean {
  return timestamp >= range.start && timestamp <= range.end;
}

function iso(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(11, 19)} UTC`;
}

function formatSeconds(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(2)} s` : `${Math.round(seconds * 1000)} ms`;
}
