// CorrelationBackends over a cluster's HTTP APIs, for `pnpm verify:cluster`: Prometheus/Thanos query_exemplars,
// Tempo's trace by id (OTLP JSON), Loki's query_range (trace_id as structured metadata), Pyroscope's
// SelectMergeSpanProfile (span profiles by local-root span id). Each endpoint can carry a bearer token or basic auth
// and a tenant (X-Scope-OrgID); none of them is ever printed.
import { type ExportTraceRequestJson, spansOf } from './otlp-json.ts';
import type { CorrelationBackends, Exemplar, LogLine, ProfileSummary, TimeRange, TraceSpan } from './types.ts';

export interface Endpoint {
  /** Base URL, e.g. http://thanos-query.monitoring.svc:10902 (a path prefix is kept). */
  url: string;
  bearerToken?: string;
  basicAuth?: { user: string; password: string };
  /** Sent as X-Scope-OrgID (Loki, Tempo, Pyroscope, Mimir multi-tenancy). */
  tenant?: string;
}

export interface ClusterConfig {
  prometheus: Endpoint;
  tempo: Endpoint;
  loki: Endpoint;
  pyroscope: Endpoint;
  /** Pyroscope profile type of the span profiles: the CPU time of Node's wall profile, as Grafana's link (docs/conventions.md). */
  profileType: string;
  /** Per request; default 15 s. */
  timeoutMs?: number;
}

export const DEFAULT_PROFILE_TYPE = 'wall:cpu:nanoseconds:wall:nanoseconds';
const LOG_LIMIT = 1000;
/** Loki and Pyroscope index by time: look a little beyond the walk's range for lines written at its edges. */
const SLACK_SECONDS = 60;

export const BACKEND_NAMES = ['prometheus', 'tempo', 'loki', 'pyroscope'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** An endpoint from env: <NAME>_URL, <NAME>_BEARER_TOKEN or <NAME>_USER + <NAME>_PASSWORD, <NAME>_TENANT. */
export function endpointFromEnv(name: BackendName, env: NodeJS.ProcessEnv, url?: string): Endpoint | undefined {
  const prefix = name.toUpperCase();
  const base = url ?? env[`${prefix}_URL`];
  if (!base) return undefined;
  const user = env[`${prefix}_USER`];
  const password = env[`${prefix}_PASSWORD`];
  return {
    url: base,
    ...(env[`${prefix}_BEARER_TOKEN`] ? { bearerToken: env[`${prefix}_BEARER_TOKEN`] } : {}),
    ...(user !== undefined && password !== undefined ? { basicAuth: { user, password } } : {}),
    ...(env[`${prefix}_TENANT`] ? { tenant: env[`${prefix}_TENANT`] } : {}),
  };
}

/** The URL without credentials or query, for messages. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
}

/** user:password in the URL becomes basic auth: fetch refuses such URLs, and they would end up in messages. */
function withoutUrlCredentials(endpoint: Endpoint): Endpoint {
  const url = new URL(endpoint.url);
  if (!url.username && !url.password) return endpoint;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { ...endpoint, url: url.toString(), ...(endpoint.basicAuth || endpoint.bearerToken ? {} : { basicAuth: { user, password } }) };
}

class HttpClient {
  readonly label: string;
  readonly endpoint: Endpoint;
  readonly timeoutMs: number;

  constructor(label: string, endpoint: Endpoint, timeoutMs: number) {
    this.label = label;
    this.endpoint = withoutUrlCredentials(endpoint);
    this.timeoutMs = timeoutMs;
  }

  headers(extra: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.endpoint.bearerToken) headers['authorization'] = `Bearer ${this.endpoint.bearerToken}`;
    else if (this.endpoint.basicAuth) {
      headers['authorization'] = `Basic ${Buffer.from(`${this.endpoint.basicAuth.user}:${this.endpoint.basicAuth.password}`).toString('base64')}`;
    }
    if (this.endpoint.tenant) headers['x-scope-orgid'] = this.endpoint.tenant;
    return headers;
  }

  /** The decoded JSON body; undefined on 404 when allowed; otherwise a non-2xx status throws with the body's start. */
  async request<T>(
    path: string,
    init: { query?: Record<string, string>; body?: unknown; headers?: Record<string, string>; allow404?: boolean } = {},
  ): Promise<T | undefined> {
    const url = new URL(`${this.endpoint.url.replace(/\/$/, '')}${path}`);
    for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
    const where = `${this.label} ${displayUrl(url.toString())}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: init.body === undefined ? 'GET' : 'POST',
        headers: this.headers({ ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers }),
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${where}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    if (response.status === 404 && init.allow404) return undefined;
    if (!response.ok) throw new Error(`${where}: HTTP ${response.status} ${text.slice(0, 200).trim()}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${where}: the response is not JSON (${text.slice(0, 80).trim()})`);
    }
  }
}

interface PrometheusResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}
interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** Tempo's /api/traces/<id> body: OTLP JSON `batches` (older `instrumentationLibrarySpans` too), or the v2 `trace`. */
interface TempoTrace {
  batches?: TempoBatch[];
  resourceSpans?: TempoBatch[];
  trace?: { resourceSpans?: TempoBatch[] };
}
type ResourceSpans = NonNullable<ExportTraceRequestJson['resourceSpans']>[number];
type TempoBatch = ResourceSpans & { instrumentationLibrarySpans?: ResourceSpans['scopeSpans'] };

interface LokiResponse {
  status: string;
  data: { resultType: string; result: { stream: Record<string, string>; values: [string, string, Record<string, unknown>?][] }[] };
}

/**
 * Span profiles: grafana/pyroscope api/querier/v1/querier.proto, `rpc SelectMergeSpanProfile` (tags v1.21.1 @ d6cb8c3d,
 * v2.2.1 @ df3c0391; restated in lab/test/upstream). Pyroscope before 2.2 has no span selector on
 * SelectMergeStacktracesRequest and Connect drops unknown JSON fields, so a selector there would silently return the
 * whole service's profile; SelectMergeSpanProfile filters by span in every version (kept, though deprecated, in 2.x).
 * Fields in the proto3 JSON mapping (lowerCamelCase; int64 as decimal strings).
 */
const SELECT_MERGE_SPAN_PROFILE = '/querier.v1.QuerierService/SelectMergeSpanProfile';
interface SelectMergeSpanProfileRequest {
  profileTypeID: string;
  labelSelector: string;
  /** Hex span ids: the local-root span ids samples are labelled with (`span_id`). */
  spanSelector: string[];
  /** Milliseconds since the epoch. */
  start: string;
  end: string;
  maxNodes: string;
  format: 'PROFILE_FORMAT_FLAMEGRAPH';
}

/** SelectMergeSpanProfileResponse.flamegraph: levels of [x offset, total, self, name index] quadruples; int64 as JSON strings. */
interface PyroscopeFlamegraph {
  flamegraph?: { names?: string[]; levels?: { values?: (string | number)[] }[]; total?: string | number };
}

function nanoseconds(seconds: number): string {
  return String(BigInt(Math.round(seconds * 1000)) * 1_000_000n);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function clusterBackends(config: ClusterConfig): CorrelationBackends {
  const timeoutMs = config.timeoutMs ?? 15_000;
  const prometheus = new HttpClient('Prometheus', config.prometheus, timeoutMs);
  const tempo = new HttpClient('Tempo', config.tempo, timeoutMs);
  const loki = new HttpClient('Loki', config.loki, timeoutMs);
  const pyroscope = new HttpClient('Pyroscope', config.pyroscope, timeoutMs);

  return {
    async exemplars(query: string, range: TimeRange): Promise<Exemplar[]> {
      const body = await prometheus.request<PrometheusResponse<ExemplarSeries[] | null>>('/api/v1/query_exemplars', {
        query: { query, start: String(range.start), end: String(range.end) },
      });
      if (body?.status !== 'success') throw new Error(`Prometheus query_exemplars: ${body?.error ?? 'no success status'}`);
      return (body.data ?? []).flatMap((series) =>
        series.exemplars
          .filter((exemplar) => exemplar.labels['trace_id'])
          .map((exemplar) => ({
            seriesLabels: series.seriesLabels,
            traceId: exemplar.labels['trace_id']!.toLowerCase(),
            spanId: (exemplar.labels['span_id'] ?? '').toLowerCase(),
            value: Number(exemplar.value),
            timestamp: Number(exemplar.timestamp),
          })),
      );
    },

    async trace(traceId: string): Promise<TraceSpan[] | undefined> {
      const body = await tempo.request<TempoTrace>(`/api/traces/${encodeURIComponent(traceId)}`, { allow404: true });
      const batches = body?.batches ?? body?.resourceSpans ?? body?.trace?.resourceSpans;
      if (!batches || batches.length === 0) return undefined;
      const resourceSpans = batches.map((batch) => ({ ...batch, scopeSpans: batch.scopeSpans ?? batch.instrumentationLibrarySpans ?? [] }));
      return spansOf({ resourceSpans });
    },

    async logsForTrace(serviceName: string, traceId: string, range: TimeRange): Promise<LogLine[]> {
      const query = `{service_name="${escapeLabel(serviceName)}"} | trace_id="${escapeLabel(traceId)}"`;
      const body = await loki.request<LokiResponse>('/loki/api/v1/query_range', {
        query: {
          query,
          start: nanoseconds(range.start - SLACK_SECONDS),
          end: nanoseconds(range.end + SLACK_SECONDS),
          limit: String(LOG_LIMIT),
          direction: 'forward',
        },
      });
      if (body?.status !== 'success') throw new Error(`Loki query_range: status ${body?.status ?? 'missing'}`);
      if (body.data.resultType !== 'streams') throw new Error(`Loki query_range: expected streams, got ${body.data.resultType}`);
      return body.data.result.flatMap((stream) => stream.values.map((entry) => logLine(serviceName, stream.stream, entry)));
    },

    async profileForSpan(serviceName: string, spanId: string, range: TimeRange): Promise<ProfileSummary | undefined> {
      const request: SelectMergeSpanProfileRequest = {
        profileTypeID: config.profileType,
        labelSelector: `{service_name="${escapeLabel(serviceName)}"}`,
        spanSelector: [spanId],
        start: String(Math.round((range.start - SLACK_SECONDS) * 1000)),
        end: String(Math.round((range.end + SLACK_SECONDS) * 1000)),
        maxNodes: '512',
        format: 'PROFILE_FORMAT_FLAMEGRAPH',
      };
      // Connect unary call with a JSON body; the protocol header tells a Connect server it is not a gRPC-Web call.
      const body = await pyroscope.request<PyroscopeFlamegraph>(SELECT_MERGE_SPAN_PROFILE, { body: request, headers: { 'connect-protocol-version': '1' } });
      return summarizeFlamegraph(serviceName, body);
    },
  };
}

/** A Loki entry: the JSON line (Fluent Bit's line_format json) with the ids from it or from structured metadata. */
function logLine(serviceName: string, stream: Record<string, string>, [timestamp, text, metadata]: [string, string, Record<string, unknown>?]): LogLine {
  let line: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    line = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { msg: text };
  } catch {
    line = { msg: text };
  }
  const structured = (metadata?.['structuredMetadata'] ?? metadata ?? {}) as Record<string, unknown>;
  const pick = (key: string) => {
    const value = line[key] ?? structured[key] ?? stream[key];
    return typeof value === 'string' && value ? value.toLowerCase() : undefined;
  };
  const traceId = pick('trace_id');
  const spanId = pick('span_id');
  return {
    serviceName,
    time: Number(BigInt(timestamp) / 1_000_000n),
    ...(traceId ? { traceId } : {}),
    ...(spanId ? { spanId } : {}),
    line,
  };
}

/** Total and self time per function of a flame graph; undefined when it holds no samples. */
export function summarizeFlamegraph(serviceName: string, body: PyroscopeFlamegraph | undefined): ProfileSummary | undefined {
  const graph = body?.flamegraph;
  const total = Number(graph?.total ?? 0);
  if (!graph || !(total > 0)) return undefined;
  const names = graph.names ?? [];
  const self = new Map<string, number>();
  for (const level of graph.levels ?? []) {
    const values = (level.values ?? []).map(Number);
    for (let index = 0; index + 3 < values.length; index += 4) {
      const name = names[values[index + 3]!] ?? '?';
      const value = values[index + 2]!;
      if (name !== 'total' && value > 0) self.set(name, (self.get(name) ?? 0) + value);
    }
  }
  const topFunctions = [...self].map(([name, value]) => ({ name, self: value })).sort((a, b) => b.self - a.self);
  return { serviceName, total, topFunctions };
}
