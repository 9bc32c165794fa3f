// An OTLP/HTTP receiver (POST /v1/traces, /v1/logs, /v1/metrics (flattened in ./otlp-metrics.ts); protobuf or JSON bodies, gzip or not) that decodes with the
// official OTLP protobuf schema: the protobufjs code generated from opentelemetry-proto and shipped by
// @opentelemetry/otlp-transformer 0.214 (installed under the alias `otlp-proto-schema`; later transformer versions
// only ship hand-written encoders). Received spans and log records are flattened into plain objects for the lab
// and the tests. It can also play an outage: answer 500, answer late, or never answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { answer, LoopbackServer, type ReceiverBehavior, readBody } from './loopback-server.ts';
import { flattenMetrics, type MetricsRequest, type ReceivedMetricPoint } from './otlp-metrics.ts';

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  events: Array<{ name: string; timeUnixNano: bigint; attributes: Attributes }>;
  resource: Attributes;
  scope: { name: string; version: string };
}

export interface ReceivedLog {
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AttributeValue;
  attributes: Attributes;
  traceId: string;
  spanId: string;
  resource: Attributes;
  scope: { name: string; version: string };
}

/** `ok` answers 200; `error` answers 500; `slow` answers 200 after `slowResponseMs`; `hang` never answers. */
export type OtlpBehavior = ReceiverBehavior;

export interface OtlpReceiverOptions {
  port?: number;
  host?: string;
  /** Delay of the `slow` behavior; default 10 000 ms. */
  slowResponseMs?: number;
  /** Spans and logs kept in memory each (oldest dropped first); default 100 000. */
  maxItems?: number;
  /** Largest accepted (decompressed) body; default 16 MiB. */
  maxBodyBytes?: number;
}

type Signal = 'traces' | 'logs' | 'metrics';

interface DecodableType {
  decode(data: Uint8Array): unknown;
}

interface Schema {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: DecodableType } };
        logs: { v1: { ExportLogsServiceRequest: DecodableType } };
        metrics: { v1: { ExportMetricsServiceRequest: DecodableType } };
      };
    };
  };
}

// Plain shapes shared by the protobuf-decoded messages and OTLP/JSON (ids are bytes in one, hex in the other; 64-bit
// integers are Long objects in one, strings or numbers in the other).
type Long = { toString(): string };
export type Int64 = number | string | Long;
type Id = Uint8Array | string;
export interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Id;
}
export interface Scoped {
  scope?: { name?: string; version?: string };
}
export interface Resourced {
  resource?: { attributes?: KeyValue[] };
}
interface SpanMessage {
  traceId?: Id;
  spanId?: Id;
  parentSpanId?: Id;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Int64;
  endTimeUnixNano?: Int64;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
  events?: Array<{ name?: string; timeUnixNano?: Int64; attributes?: KeyValue[] }>;
}
interface LogMessage {
  timeUnixNano?: Int64;
  observedTimeUnixNano?: Int64;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  traceId?: Id;
  spanId?: Id;
}
interface TracesRequest {
  resourceSpans?: Array<Resourced & { scopeSpans?: Array<Scoped & { spans?: SpanMessage[] }> }>;
}
interface LogsRequest {
  resourceLogs?: Array<Resourced & { scopeLogs?: Array<Scoped & { logRecords?: LogMessage[] }> }>;
}

const schema = (createRequire(import.meta.url)('otlp-proto-schema/build/src/generated/root.js') as Schema).opentelemetry.proto.collector;
const DEFAULT_MAX_ITEMS = 100_000;
const DEFAULT_MAX_BODY_BYTES = 16 << 20;

function hex(id: Id | null | undefined): string {
  if (id === undefined || id === null) return '';
  return typeof id === 'string' ? id.toLowerCase() : Buffer.from(id).toString('hex');
}

export function int64(value: Int64 | null | undefined): bigint {
  if (value === undefined || value === null) return 0n;
  return BigInt(typeof value === 'object' ? value.toString() : value);
}

function anyValue(value: AnyValue | undefined): AttributeValue {
  if (value === undefined || value === null) return null;
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value.intValue !== undefined && value.intValue !== null) return Number(int64(value.intValue));
  if (value.doubleValue !== undefined && value.doubleValue !== null) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue) return attributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined && value.bytesValue !== null) return hex(value.bytesValue);
  return null;
}

export function attributes(list: KeyValue[] | undefined): Attributes {
  const result: Attributes = {};
  for (const { key, value } of list ?? []) result[key] = anyValue(value);
  return result;
}

/** Visits each span, log record or metric of a request with its resource's attributes and its scope. */
export function forEachItem<R extends Resourced, S extends Scoped, T>(
  resources: R[] | undefined,
  scopesOf: (resource: R) => S[] | undefined,
  itemsOf: (scope: S) => T[] | undefined,
  visit: (item: T, resource: Attributes, scope: { name: string; version: string }) => void,
): void {
  for (const resourceItems of resources ?? []) {
    const resource = attributes(resourceItems.resource?.attributes);
    for (const scopeItems of scopesOf(resourceItems) ?? []) {
      const scope = { name: scopeItems.scope?.name ?? '', version: scopeItems.scope?.version ?? '' };
      for (const item of itemsOf(scopeItems) ?? []) visit(item, resource, scope);
    }
  }
}

export function flattenTraces(request: TracesRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  forEachItem(
    request.resourceSpans,
    (resourceSpans) => resourceSpans.scopeSpans,
    (scopeSpans) => scopeSpans.spans,
    (span, resource, scope) =>
      spans.push({
        traceId: hex(span.traceId),
        spanId: hex(span.spanId),
        parentSpanId: hex(span.parentSpanId),
        name: span.name ?? '',
        kind: span.kind ?? 0,
        startTimeUnixNano: int64(span.startTimeUnixNano),
        endTimeUnixNano: int64(span.endTimeUnixNano),
        attributes: attributes(span.attributes),
        status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
        events: (span.events ?? []).map((event) => ({
          name: event.name ?? '',
          timeUnixNano: int64(event.timeUnixNano),
          attributes: attributes(event.attributes),
        })),
        resource,
        scope,
      }),
  );
  return spans;
}

export function flattenLogs(request: LogsRequest): ReceivedLog[] {
  const logs: ReceivedLog[] = [];
  forEachItem(
    request.resourceLogs,
    (resourceLogs) => resourceLogs.scopeLogs,
    (scopeLogs) => scopeLogs.logRecords,
    (record, resource, scope) =>
      logs.push({
        timeUnixNano: int64(record.timeUnixNano ?? record.observedTimeUnixNano),
        severityNumber: record.severityNumber ?? 0,
        severityText: record.severityText ?? '',
        body: anyValue(record.body),
        attributes: attributes(record.attributes),
        traceId: hex(record.traceId),
        spanId: hex(record.spanId),
        resource,
        scope,
      }),
  );
  return logs;
}

/** Decodes an OTLP export request body (already decompressed) of either encoding. */
export function decodeOtlp(signal: 'traces', body: Buffer, contentType: string): ReceivedSpan[];
export function decodeOtlp(signal: 'logs', body: Buffer, contentType: string): ReceivedLog[];
export function decodeOtlp(signal: 'metrics', body: Buffer, contentType: string): ReceivedMetricPoint[];
export function decodeOtlp(signal: Signal, body: Buffer, contentType: string): ReceivedSpan[] | ReceivedLog[] | ReceivedMetricPoint[] {
  const decode = (type: DecodableType) => (contentType.includes('json') ? JSON.parse(body.toString('utf8')) : type.decode(body));
  if (signal === 'traces') return flattenTraces(decode(schema.trace.v1.ExportTraceServiceRequest) as TracesRequest);
  if (signal === 'logs') return flattenLogs(decode(schema.logs.v1.ExportLogsServiceRequest) as LogsRequest);
  return flattenMetrics(decode(schema.metrics.v1.ExportMetricsServiceRequest) as MetricsRequest);
}

export class OtlpReceiver extends LoopbackServer<{ spans: [ReceivedSpan[]]; logs: [ReceivedLog[]]; metrics: [ReceivedMetricPoint[]] }> {
  readonly #options: OtlpReceiverOptions;
  readonly #spans: ReceivedSpan[] = [];
  readonly #logs: ReceivedLog[] = [];
  readonly #metrics: ReceivedMetricPoint[] = [];
  /** Export requests seen per signal, whatever the answer. */
  readonly requests = { traces: 0, logs: 0, metrics: 0 };

  private constructor(options: OtlpReceiverOptions) {
    // A body that cannot be decoded is the client's fault: 400, as the OTel Collector answers.
    super(400);
    this.#options = options;
  }

  static async start(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver(options);
    await receiver.listen(options.port, options.host);
    return receiver;
  }

  spans(): ReceivedSpan[] {
    return [...this.#spans];
  }

  logs(): ReceivedLog[] {
    return [...this.#logs];
  }

  spansOfTrace(traceId: string): ReceivedSpan[] {
    const wanted = traceId.toLowerCase();
    return this.#spans.filter((span) => span.traceId === wanted);
  }

  /** Resolves with the first span, already received or to come, that matches; rejects after `timeoutMs`. */
  waitForSpan(predicate: (span: ReceivedSpan) => boolean, timeoutMs: number): Promise<ReceivedSpan> {
    return this.#waitFor('spans', () => this.#spans, predicate, timeoutMs);
  }

  waitForLog(predicate: (log: ReceivedLog) => boolean, timeoutMs: number): Promise<ReceivedLog> {
    return this.#waitFor('logs', () => this.#logs, predicate, timeoutMs);
  }

  metrics(): ReceivedMetricPoint[] {
    return [...this.#metrics];
  }

  waitForMetric(predicate: (point: ReceivedMetricPoint) => boolean, timeoutMs: number): Promise<ReceivedMetricPoint> {
    return this.#waitFor('metrics', () => this.#metrics, predicate, timeoutMs);
  }

  #waitFor<T>(event: 'spans' | 'logs' | 'metrics', items: () => T[], predicate: (item: T) => boolean, timeoutMs: number): Promise<T> {
    const found = items().find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (batch: T[]) => {
        const match = batch.find(predicate);
        if (match === undefined) return;
        clearTimeout(timer);
        this.off(event, listener as never);
        resolve(match);
      };
      const timer = setTimeout(() => {
        this.off(event, listener as never);
        reject(new Error(`no matching ${event} within ${timeoutMs} ms (${items().length} received)`));
      }, timeoutMs);
      this.on(event, listener as never);
    });
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/ready') return answer(response, 200, 'ready');
    const signals: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };
    const signal: Signal | undefined = signals[path ?? ''];
    if (signal === undefined) return answer(response, 404, 'not found');
    if (request.method !== 'POST') return answer(response, 405, 'POST only');
    this.requests[signal]++;
    const behavior = this.behavior;
    if (behavior === 'hang') return;
    if (behavior === 'error') return answer(response, 500, 'export failing on purpose');
    const contentType = request.headers['content-type'] ?? 'application/x-protobuf';
    const maxBytes = this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    let body = await readBody(request, maxBytes);
    if (body === undefined) throw new Error(`body larger than ${maxBytes} bytes`);
    if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body, { maxOutputLength: maxBytes });
    if (signal === 'traces') this.#store(this.#spans, 'spans', decodeOtlp('traces', body, contentType));
    else if (signal === 'logs') this.#store(this.#logs, 'logs', decodeOtlp('logs', body, contentType));
    else this.#store(this.#metrics, 'metrics', decodeOtlp('metrics', body, contentType));
    const reply = () => {
      const json = contentType.includes('json');
      // An empty Export*ServiceResponse: zero bytes in protobuf, `{}` in JSON.
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : undefined);
    };
    if (behavior === 'slow') this.later(this.#options.slowResponseMs ?? 10_000, reply);
    else reply();
  }

  #store<T>(items: T[], event: 'spans' | 'logs' | 'metrics', batch: T[]): void {
    items.push(...batch);
    const excess = items.length - (this.#options.maxItems ?? DEFAULT_MAX_ITEMS);
    if (excess > 0) items.splice(0, excess);
    this.emit(event, batch as never);
  }
}
