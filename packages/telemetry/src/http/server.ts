// Server spans, RED metrics and access logs for every node:http(s) server, hooked through diagnostics_channel: no
// monkey-patching of http, one subscriber call at request start and one at response finish.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type Attributes, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { AccessLog } from '../logging/access-log.ts';
import type { TelemetryConfig } from '../config/config.ts';
import type { AlsContextManager } from '../tracing/context.ts';
import { type ErrorSink, guarded } from '../instrumentations/guard.ts';
import { normalizeMethod, parseHost, pathOf } from './semconv.ts';
import { RUN_ID_BAGGAGE_KEY } from '../logging/logging.ts';
import { type CoreMetrics, UNMATCHED_ROUTE } from '../metrics/metrics.ts';
import type { LocalRootHandle, ProfilingHooks } from '../profiling/contract.ts';
import { drainServer } from '../lifecycle/drain.ts';

export interface HttpServerInstrumentation {
  /** Profiling hooks, set once profiling has started. */
  profiling: ProfilingHooks | undefined;
  /** Stops accepting connections on every server that served a request and waits for in-flight requests. */
  drainServers(deadlineMs: number): Promise<void>;
  stop(): void;
}

export interface HttpServerDependencies {
  config: TelemetryConfig;
  tracer: Tracer;
  contextManager: AlsContextManager;
  metrics: CoreMetrics;
  /** Writes the access lines; undefined when they are off (see access-log.ts). */
  accessLog: AccessLog | undefined;
  /** Serves the metrics page on the application's servers (absent when metrics have their own port). */
  serveMetrics: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  /** Servers whose requests are never instrumented (the telemetry's own metrics server). */
  ignoredServers: WeakSet<Server>;
  /** Receives what the instrumentation throws (it never reaches the application). */
  onError: ErrorSink;
}

interface RequestState {
  span: Span;
  startedAt: number;
  method: string;
  sampled: boolean;
  finished: boolean;
  /** Baggage lab.run_id of the request, if any. */
  runId: string | undefined;
  /** The profiler's handle of this local root, when it labels samples with the span. */
  profile: LocalRootHandle | undefined;
}

const kState = Symbol('lab.telemetry.request');
const SERVER_SPAN = { kind: SpanKind.SERVER };
const ERROR_STATUS = { code: SpanStatusCode.ERROR };
const ABORTED_STATUS = { code: SpanStatusCode.ERROR, message: 'connection closed before the response finished' };
type InstrumentedRequest = IncomingMessage & { [kState]?: RequestState; route?: { path?: unknown }; baseUrl?: string };

const headerGetter = {
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
  get: (carrier: IncomingMessage['headers'], key: string) => carrier[key],
};

/** The express route template (`baseUrl` + `route.path`) if a route matched, else undefined. */
export function routeTemplate(request: InstrumentedRequest): string | undefined {
  const path = request.route?.path;
  if (path === undefined) return undefined;
  const template = `${request.baseUrl ?? ''}${typeof path === 'string' ? path : String(path)}`;
  return template === '' ? '/' : template;
}

function requestAttributes(request: IncomingMessage, socket: Socket, method: string, path: string, runId: string | undefined): Attributes {
  const encrypted = (socket as Socket & { encrypted?: boolean }).encrypted === true;
  const host = parseHost(request.headers.host, encrypted ? 443 : 80);
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': path,
    'url.scheme': encrypted ? 'https' : 'http',
    'server.address': host.address,
    'server.port': host.port,
    'network.protocol.version': request.httpVersion,
  };
  if (method === '_OTHER') attributes['http.request.method_original'] = request.method ?? '';
  if (socket.remoteAddress) attributes['client.address'] = socket.remoteAddress;
  const userAgent = request.headers['user-agent'];
  if (userAgent) attributes['user_agent.original'] = userAgent;
  if (runId !== undefined) attributes['lab.run_id'] = runId;
  return attributes;
}

export function instrumentHttpServer(deps: HttpServerDependencies): HttpServerInstrumentation {
  const { config, tracer, contextManager, metrics, accessLog, serveMetrics, ignoredServers, onError } = deps;
  const ignorePaths = new Set([...config.traces.ignorePaths, config.metrics.path]);
  const seenServers = new Set<Server>();
  const instrumentation: HttpServerInstrumentation = { profiling: undefined, drainServers, stop };

  function drainServers(deadlineMs: number): Promise<void> {
    return Promise.all([...seenServers].map((server) => drainServer(server, deadlineMs))).then(() => undefined);
  }

  function onFirstRequest(server: Server): void {
    seenServers.add(server);
    if (serveMetrics) interceptMetricsPath(server, serveMetrics);
  }

  function interceptMetricsPath(server: Server, serveMetrics: NonNullable<HttpServerDependencies['serveMetrics']>): void {
    const emit = server.emit;
    server.emit = function emitWithMetrics(this: Server, event: string, request: IncomingMessage, response: ServerResponse) {
      if (event === 'request' && request.method === 'GET' && pathOf(request.url) === config.metrics.path) {
        serveMetrics(request, response);
        return true;
      }
      // biome-ignore lint/complexity/noArguments: forwards any event with all of its arguments, unchanged
      return emit.apply(this, arguments as unknown as Parameters<Server['emit']>);
    } as Server['emit'];
  }

  function onRequestStart(message: unknown): void {
    const { request, response, socket, server } = message as {
      request: InstrumentedRequest;
      response: ServerResponse;
      socket: Socket;
      server: Server;
    };
    if (ignoredServers.has(server)) return;
    if (!seenServers.has(server)) onFirstRequest(server);
    const path = pathOf(request.url);
    if (ignorePaths.has(path)) return;

    const method = normalizeMethod(request.method);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const runId = propagation.getBaggage(parent)?.getEntry(RUN_ID_BAGGAGE_KEY)?.value;
    // Attributes are set after creation, and only on recording spans: startSpan would validate them twice (none of
    // our samplers reads them).
    const span = tracer.startSpan(method, SERVER_SPAN, parent);
    if (span.isRecording()) span.setAttributes(requestAttributes(request, socket, method, path, runId));
    const spanContext = span.spanContext();
    const sampled = (spanContext.traceFlags & 1) === 1;
    const spanCtx = trace.setSpan(parent, span);
    const state: RequestState = { span, startedAt: performance.now(), method, sampled, finished: false, runId, profile: undefined };
    request[kState] = state;
    // The handler runs right after this publish, in this synchronous run: it and its continuations see the span.
    contextManager.enterWith(spanCtx);
    // Body and response events are emitted from socket callbacks: make their listeners see the span too.
    contextManager.bindEmitter(spanCtx, request);
    contextManager.bindEmitter(spanCtx, response);
    response.on('close', onResponseClose);

    // Server spans are local roots: their parent, if any, was extracted from the request (remote). The profile id
    // is set only once profiling really started (it links to profiles that exist).
    const profiling = instrumentation.profiling;
    if (sampled && profiling !== undefined) {
      span.setAttribute('pyroscope.profile.id', spanContext.spanId);
      state.profile = profiling.onLocalRootSpanStart(span, method);
    }
  }

  function onResponseFinish(message: unknown): void {
    const { request, response } = message as { request: InstrumentedRequest; response: ServerResponse };
    finish(request, response, false);
  }

  /** `close` listener of every instrumented response: one shared function (guarded() would not pass `this`). */
  function onResponseClose(this: ServerResponse): void {
    try {
      finish(this.req as InstrumentedRequest, this, true);
    } catch (error) {
      onError(error);
    }
  }

  function finish(request: InstrumentedRequest, response: ServerResponse, closed: boolean): void {
    const state = request[kState];
    if (state === undefined || state.finished) return;
    state.finished = true;
    const { span, method } = state;
    const seconds = (performance.now() - state.startedAt) / 1000;
    const status = response.statusCode;
    const route = routeTemplate(request);
    const aborted = closed && !response.writableFinished;
    const spanName = route === undefined ? method : `${method} ${route}`;

    if (route !== undefined) {
      span.updateName(spanName);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) {
      span.setAttribute('error.type', String(status));
      span.setStatus(ERROR_STATUS);
    } else if (aborted) {
      span.setAttribute('error.type', 'aborted');
      span.setStatus(ABORTED_STATUS);
    }
    if (state.profile !== undefined) instrumentation.profiling?.onLocalRootSpanEnd(state.profile, spanName);
    span.end();

    const spanContext = span.spanContext();
    const labelledRoute = route ?? UNMATCHED_ROUTE;
    metrics.httpServerDuration.observe(
      { http_request_method: method, http_route: labelledRoute, http_response_status_code: String(status) },
      seconds,
      state.sampled ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined,
    );
    if (accessLog !== undefined) {
      const traced = trace.isSpanContextValid(spanContext) ? spanContext : undefined;
      accessLog(method, labelledRoute, status, seconds, traced, state.runId, aborted);
    }
  }

  const onStart = guarded(onError, onRequestStart);
  const onFinish = guarded(onError, onResponseFinish);
  diagnosticsChannel.subscribe('http.server.request.start', onStart);
  diagnosticsChannel.subscribe('http.server.response.finish', onFinish);
  function stop(): void {
    diagnosticsChannel.unsubscribe('http.server.request.start', onStart);
    diagnosticsChannel.unsubscribe('http.server.response.finish', onFinish);
  }
  return instrumentation;
}
