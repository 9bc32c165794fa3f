// The embedded backends of one machine: @lab/receiver's OTLP/HTTP and Pyroscope ingest servers, with everything they
// receive written to the run folder in standard formats (OTLP JSON lines, pprof files).
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { type Attributes, type AttributeValue, OtlpReceiver, PyroscopeReceiver, type ReceivedLog, type ReceivedSpan } from '@lab/receiver';
import type { RunFolder } from './run-folder.ts';

export interface ReceiverCounts {
  spans: number;
  otlpLogs: number;
  profiles: number;
  /** Profiles per service (application name). */
  profilesByService: Record<string, number>;
  /** Spans per service (resource service.name). */
  spansByService: Record<string, number>;
}

export class LocalReceivers {
  readonly otlp: OtlpReceiver;
  readonly pyroscope: PyroscopeReceiver;
  readonly counts: ReceiverCounts = { spans: 0, otlpLogs: 0, profiles: 0, profilesByService: {}, spansByService: {} };
  readonly #traces: WriteStream;
  readonly #logs: WriteStream;

  private constructor(otlp: OtlpReceiver, pyroscope: PyroscopeReceiver, folder: RunFolder) {
    this.otlp = otlp;
    this.pyroscope = pyroscope;
    this.#traces = createWriteStream(folder.traces, { flags: 'a' });
    this.#logs = createWriteStream(folder.otlpLogs, { flags: 'a' });
    otlp.on('spans', (spans) => {
      this.counts.spans += spans.length;
      for (const span of spans) increment(this.counts.spansByService, String(span.resource['service.name'] ?? 'unknown'));
      this.#traces.write(`${JSON.stringify(tracesRequestJson(spans))}\n`);
    });
    otlp.on('logs', (logs) => {
      this.counts.otlpLogs += logs.length;
      this.#logs.write(`${JSON.stringify(logsRequestJson(logs))}\n`);
    });
    pyroscope.on('profile', (profile) => {
      this.counts.profiles++;
      increment(this.counts.profilesByService, profile.appName);
    });
  }

  static async start(folder: RunFolder, otlpPort: number, pyroscopePort: number): Promise<LocalReceivers> {
    const otlp = await OtlpReceiver.start({ port: otlpPort, host: '127.0.0.1' });
    try {
      const pyroscope = await PyroscopeReceiver.start({ port: pyroscopePort, host: '127.0.0.1', rawDir: folder.profilesDir });
      return new LocalReceivers(otlp, pyroscope, folder);
    } catch (error) {
      await otlp.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.otlp.close(), this.pyroscope.close()]);
    for (const stream of [this.#traces, this.#logs]) {
      stream.end();
      await once(stream, 'close');
    }
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

// --- OTLP JSON encoding (the protobuf JSON mapping of opentelemetry-proto: hex ids, int64 as strings) ---

interface AnyValueJson {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: AnyValueJson[] };
  kvlistValue?: { values: { key: string; value: AnyValueJson }[] };
}

export function anyValueJson(value: AttributeValue): AnyValueJson {
  if (value === null) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValueJson) } };
  return { kvlistValue: { values: keyValues(value) } };
}

function keyValues(attributes: Attributes): { key: string; value: AnyValueJson }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValueJson(value) }));
}

/** Groups flattened items back under their resource and scope. */
interface Group<T> {
  resource: Attributes;
  scope: { name: string; version: string };
  items: T[];
}

function grouped<T extends { resource: Attributes; scope: { name: string; version: string } }>(items: T[]): Group<T>[] {
  const groups = new Map<string, Group<T>>();
  for (const item of items) {
    const key = JSON.stringify([item.resource, item.scope]);
    const group: Group<T> = groups.get(key) ?? { resource: item.resource, scope: item.scope, items: [] };
    group.items.push(item);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function tracesRequestJson(spans: ReceivedSpan[]) {
  return {
    resourceSpans: grouped(spans).map((group) => ({
      resource: { attributes: keyValues(group.resource) },
      scopeSpans: [
        {
          scope: group.scope,
          spans: group.items.map((span) => ({
            traceId: span.traceId,
            spanId: span.spanId,
            ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
            name: span.name,
            kind: span.kind,
            startTimeUnixNano: String(span.startTimeUnixNano),
            endTimeUnixNano: String(span.endTimeUnixNano),
            attributes: keyValues(span.attributes),
            events: span.events.map((event) => ({ name: event.name, timeUnixNano: String(event.timeUnixNano), attributes: keyValues(event.attributes) })),
            status: span.status,
          })),
        },
      ],
    })),
  };
}

export function logsRequestJson(logs: ReceivedLog[]) {
  return {
    resourceLogs: grouped(logs).map((group) => ({
      resource: { attributes: keyValues(group.resource) },
      scopeLogs: [
        {
          scope: group.scope,
          logRecords: group.items.map((log) => ({
            timeUnixNano: String(log.timeUnixNano),
            severityNumber: log.severityNumber,
            severityText: log.severityText,
            body: anyValueJson(log.body),
            attributes: keyValues(log.attributes),
            ...(log.traceId ? { traceId: log.traceId, spanId: log.spanId } : {}),
          })),
        },
      ],
    })),
  };
}
