// CorrelationBackends over one lab run: exemplars from the lab's Prometheus (or the fallback scraper), traces, logs
// and pprof files from the run folder the receiver and the log collector wrote.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Profile } from 'pprof-format';
import type { MetricsSource } from '../metrics/source.ts';
import { type RunFolder, serviceLogFile } from '../run-folder.ts';
import { type ExportTraceRequestJson, spansOf } from './otlp-json.ts';
import { decodePprof, type FlameNode, flameTree, labelledSpanIds, summarize } from './pprof.ts';
import type { CorrelationBackends, Exemplar, LogLine, ProfileSummary, TimeRange, TraceSpan } from './types.ts';

/** Log lines a few seconds outside the range still belong to it (clock of the writer vs the query). */
const LOG_SLACK_MS = 60_000;

export class LocalBackends implements CorrelationBackends {
  readonly folder: RunFolder;
  readonly metrics: MetricsSource;
  #traces: Map<string, TraceSpan[]> | undefined;
  readonly #profiles = new Map<string, Profile[]>();
  /** Per service: log lines by trace id, and the span ids its profile samples are labelled with (read once: the run is over). */
  readonly #logsByTrace = new Map<string, Map<string, LogLine[]>>();
  readonly #labelledSpans = new Map<string, Set<string>>();

  constructor(folder: RunFolder, metrics: MetricsSource) {
    this.folder = folder;
    this.metrics = metrics;
  }

  exemplars(query: string, range: TimeRange): Promise<Exemplar[]> {
    return this.metrics.exemplars(query, range);
  }

  async trace(traceId: string): Promise<TraceSpan[] | undefined> {
    return this.traces().get(traceId.toLowerCase());
  }

  /** Every trace the receiver wrote, by trace id (read once). */
  traces(): Map<string, TraceSpan[]> {
    if (this.#traces) return this.#traces;
    const traces = new Map<string, TraceSpan[]>();
    for (const request of readJsonLines<ExportTraceRequestJson>(this.folder.traces)) {
      for (const span of spansOf(request)) {
        const list = traces.get(span.traceId) ?? [];
        list.push(span);
        traces.set(span.traceId, list);
      }
    }
    this.#traces = traces;
    return traces;
  }

  async logsForTrace(serviceName: string, traceId: string, range: TimeRange): Promise<LogLine[]> {
    let byTrace = this.#logsByTrace.get(serviceName);
    if (!byTrace) {
      byTrace = new Map();
      for (const line of this.logs(serviceName)) {
        if (!line.traceId) continue;
        const lines = byTrace.get(line.traceId) ?? [];
        lines.push(line);
        byTrace.set(line.traceId, lines);
      }
      this.#logsByTrace.set(serviceName, byTrace);
    }
    return (byTrace.get(traceId) ?? []).filter((line) => line.time >= range.start * 1000 - LOG_SLACK_MS && line.time <= range.end * 1000 + LOG_SLACK_MS);
  }

  /** Every JSON line the service printed on stdout. */
  logs(serviceName: string): LogLine[] {
    return readJsonLines<Record<string, unknown>>(serviceLogFile(this.folder, serviceName)).map((line) => ({
      serviceName,
      time: typeof line['time'] === 'number' ? line['time'] : Date.parse(String(line['time'])),
      ...(typeof line['trace_id'] === 'string' ? { traceId: line['trace_id'] } : {}),
      ...(typeof line['span_id'] === 'string' ? { spanId: line['span_id'] } : {}),
      line,
    }));
  }

  async profileForSpan(serviceName: string, spanId: string, _range: TimeRange): Promise<ProfileSummary | undefined> {
    let labelled = this.#labelledSpans.get(serviceName);
    if (!labelled) {
      labelled = labelledSpanIds(this.profiles(serviceName));
      this.#labelledSpans.set(serviceName, labelled);
    }
    return labelled.has(spanId) ? summarize(serviceName, this.profiles(serviceName), spanId) : undefined;
  }

  flame(serviceName: string, spanId: string | undefined, rootName: string): FlameNode {
    return flameTree(rootName, this.profiles(serviceName), spanId);
  }

  /** Profile windows the service uploaded: wall profiles (a heap profile, when on, travels with each window). */
  profileWindows(serviceName: string): number {
    return this.profiles(serviceName).filter((profile) => profile.sampleType.some((type) => profile.stringTable.strings[Number(type.type)] === 'wall')).length;
  }

  /** Decoded pprof files uploaded by one service (a file that does not decode is an error: the test witness). */
  profiles(serviceName: string): Profile[] {
    const cached = this.#profiles.get(serviceName);
    if (cached) return cached;
    const profiles = this.profileFiles(serviceName).map((file) => {
      try {
        return decodePprof(readFileSync(file));
      } catch (error) {
        throw new Error(`profile ${file} does not decode as pprof: ${(error as Error).message}`);
      }
    });
    this.#profiles.set(serviceName, profiles);
    return profiles;
  }

  /** The receiver writes `<seq>-<application name>.pb.gz`; the application name is the service name. */
  profileFiles(serviceName: string): string[] {
    const dir = this.folder.profilesDir;
    if (!existsSync(dir)) return [];
    const suffix = `-${serviceName}.pb.gz`;
    return readdirSync(dir)
      .filter((name) => name.endsWith(suffix) && /^\d+$/.test(name.slice(0, -suffix.length)))
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
      .map((name) => join(dir, name));
  }
}

export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const rows: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line) as T);
    } catch {
      // A torn last line (process killed mid-write) is skipped, not fatal.
    }
  }
  return rows;
}
