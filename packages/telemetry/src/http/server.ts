// Server spans for every node:http(s) server, hooked through diagnostics_channel: no monkey-patching of http, one
// subscriber call at request start and one at response finish. This module owns each request's span and state, and
// tells its observers (RED metrics, access log, profiler: ./observers.ts) at start and at end. Frameworks feed it the
// route template (setRequestRoute) and the errors their handlers throw (recordRequestError); shutdown tells it which
// requests it cut (cutRequests).
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  type Attributes,
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import type { AlsContextManager } from '../tracing/context.ts';
import { type ErrorSink, guarded } from '../instrumentations/guard.ts';
import { ABORTED, normalizeMethod, parseHost, pathOf, redactQuery, SHUTDOWN_DEADLINE } from './semconv.ts';
import { RUN_ID_BAGGAGE_KEY } from '../logging/logging.ts';
import { UNMATCHED_ROUTE } from '../metrics/metrics.ts';
import type { LocalRootHandle } from '../profiling/contract.ts';

/** One request being served: created at request start, ended once (response finished, connection closed, or cut). */
export interface ServerRequest {
  readonly span: Span;
  readonly spanContext: SpanContext;
  /** The span's context (with the request's baggage): log lines about the request are written in it. */
  readonly context: Context;
  readonly startedAt: number;
  readonly method: string;
  readonly sampled: boolean;
  /** Baggage lab.run_id of the request, if any. */
  readonly runId: string | undefined;
  readonly scheme: 'http' | 'https';
  readonly server: Server;
  readonly response: ServerResponse;
  /** The route template, once a framework adapter or express's req.route gave it. */
  route: string | undefined;
  /** The last error recorded on the span (its message becomes the status message). */
  error: Error | undefined;
  /** The profiler's handle of this local root, when it labels samples with the span. */
  profile: LocalRootHandle | undefined;
  ended: boolean;
}

export interface RequestOutcome {
  /** The status sent, undefined when no response was sent (connection closed or cut first). */
  status: number | undefined;
  /** The route template, or UNMATCHED_ROUTE. */
  route: string;
  spanName: string;
  seconds: number;
  /** error.type when the request failed (status code for 5xx, `aborted`, `shutdown_deadline`), else undefined. */
  errorType: string | undefined;
}

export interface RequestObserver {
  /** Runs in the request's context, right after its span started. */
  onStart?(request: ServerRequest): void;
  /** Runs once the span has its final name, attributes and status, just before it ends. */
  onEnd(request: ServerRequest, outcome: RequestOutcome): void;
}

export interface HttpServerDependencies {
  tracer: Tracer;
  contextManager: AlsContextManager;
  /** Paths served without span, metrics or access line (health checks, the metrics page). */
  ignorePaths: ReadonlySet<string>;
  /** Servers whose requests are never instrumented (the telemetry's own metrics server). */
  ignoredServers: WeakSet<Server>;
  /** Called once per server, at its first request, before the request is handled. */
  onFirstRequest(server: Server): void;
  /** Writes the one error line of a failed request (called in the request's context). */
  logRequestError(error: Error, request: ServerRequest): void;
  /** Receives what the instrumentation throws (it never reaches the application). */
  onError: ErrorSink;
}

export interface HttpServerInstrumentation {
  observers: RequestObserver[];
  /** Ends the span of every request still running on `server` (all servers when undefined) with `errorType`. */
  cutRequests(errorType: string, server?: Server): void;
  /** From now on, responses of `server` close their connection (Connection: close) instead of keeping it alive. */
  markDraining(server: Server): void;
  /** The request being served in the active context, if any. */
  activeRequest(): ServerRequest | undefined;
}

const kState = Symbol('lab.telemetry.request');
const kClosingResponse = Symbol('lab.telemetry.closing-response');
type DrainedSocket = Socket & { [kClosingResponse]?: { response: ServerResponse; keepAlive: boolean } };
const SERVER_SPAN = { kind: SpanKind.SERVER };
type InstrumentedRequest = IncomingMessage & { [kState]?: ServerRequest; route?: { path?: unknown }; baseUrl?: string };

const headerGetter = {
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
  get: (carrier: IncomingMessage['headers'], key: string) => carrier[key],
};

/** The error recorder of the instrumentation (one per process: init() runs once). */
let recordError: ((state: ServerRequest, error: unknown) => void) | undefined;

/** Sets the route template of `request` (framework route adapters call this when their router matched). */
export function setRequestRoute(request: IncomingMessage, template: string): void {
  const state = (request as InstrumentedRequest)[kState];
  if (state !== undefined && !state.ended) state.route = template;
}

/**
 * Records an error thrown (or passed on) by the application's handler of `request`: an `exception` event on its
 * span, the status message, and one error line with the trace fields. The same error reported twice (several
 * framework layers see it) is recorded once.
 */
export function recordRequestError(request: IncomingMessage, error: unknown): void {
  const state = (request as InstrumentedRequest)[kState];
  if (state !== undefined && !state.ended) recordError?.(state, error);
}

/** The express route template (`baseUrl` + `route.path`) if a route matched, else undefined. */
function routeTemplate(request: InstrumentedRequest): string | undefined {
  const path = request.route?.path;
  if (path === undefined) return undefined;
  const template = `${request.baseUrl ?? ''}${typeof path === 'string' ? path : String(path)}`;
  return template === '' ? '/' : template;
}

export function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(typeof error === 'string' ? error : JSON.stringify(error) ?? String(error));
}

function requestAttributes(request: IncomingMessage, socket: Socket, method: string, path: string, scheme: string, runId: string | undefined): Attributes {
  const url = request.url ?? '';
  const host = parseHost(request.headers.host, scheme === 'https' ? 443 : 80);
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': path,
    'url.scheme': scheme,
    'server.address': host.address,
    'server.port': host.port,
    'network.protocol.version': request.httpVersion,
  };
  // pathOf(url) is what precedes the `?`, if there is one.
  if (url.length > path.length) attributes['url.query'] = redactQuery(url.slice(path.length + 1));
  if (method === '_OTHER') attributes['http.request.method_original'] = request.method ?? '';
  if (socket.remoteAddress) attributes['client.address'] = socket.remoteAddress;
  const userAgent = request.headers['user-agent'];
  if (userAgent) attributes['user_agent.original'] = userAgent;
  if (runId !== undefined) attributes['lab.run_id'] = runId;
  return attributes;
}

/**
 * While draining, the last response of each connection says `Connection: close` and Node closes the connection once
 * it is sent. Requests a client already pipelined behind it are still answered: the response before them gets its
 * keep-alive back, if its headers are not out yet.
 */
function closeAfter(socket: DrainedSocket | null, response: ServerResponse): void {
  if (response.headersSent || socket === null) return;
  const previous = socket[kClosingResponse];
  if (previous !== undefined && previous.response !== response && !previous.response.headersSent) previous.response.shouldKeepAlive = previous.keepAlive;
  socket[kClosingResponse] = { response, keepAlive: response.shouldKeepAlive };
  response.shouldKeepAlive = false;
}

export function instrumentHttpServer(deps: HttpServerDependencies): HttpServerInstrumentation {
  const { tracer, contextManager, ignorePaths, ignoredServers, onFirstRequest, logRequestError, onError } = deps;
  const seenServers = new WeakSet<Server>();
  const draining = new WeakSet<Server>();
  const inFlight = new Set<ServerRequest>();
  const observers: RequestObserver[] = [];

  function onRequestStart(message: unknown): void {
    const { request, response, socket, server } = message as {
      request: InstrumentedRequest;
      response: ServerResponse;
      socket: Socket;
      server: Server;
    };
    if (ignoredServers.has(server)) return;
    if (!seenServers.has(server)) {
      seenServers.add(server);
      onFirstRequest(server);
    }
    if (draining.has(server)) closeAfter(socket, response);
    const path = pathOf(request.url);
    if (ignorePaths.has(path)) return;

    const method = normalizeMethod(request.method);
    const scheme = (socket as Socket & { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const runId = propagation.getBaggage(parent)?.getEntry(RUN_ID_BAGGAGE_KEY)?.value;
    // Attributes are set after creation, and only on recording spans: startSpan would validate them twice (none of
    // our samplers reads them).
    const span = tracer.startSpan(method, SERVER_SPAN, parent);
    if (span.isRecording()) span.setAttributes(requestAttributes(request, socket, method, path, scheme, runId));
    const spanContext = span.spanContext();
    const spanCtx = trace.setSpan(parent, span);
    const state: ServerRequest = {
      span,
      spanContext,
      context: spanCtx,
      startedAt: performance.now(),
      method,
      sampled: (spanContext.traceFlags & 1) === 1,
      runId,
      scheme,
      server,
      response,
      route: undefined,
      error: undefined,
      profile: undefined,
      ended: false,
    };
    request[kState] = state;
    inFlight.add(state);
    // The handler runs right after this publish, in this synchronous run: it and its continuations see the span.
    contextManager.enterWith(spanCtx);
    // Body and response events are emitted from socket callbacks: make their listeners see the span too.
    contextManager.bindEmitter(spanCtx, request);
    contextManager.bindEmitter(spanCtx, response);
    response.on('close', onResponseClose);
    for (const observer of observers) observer.onStart?.(state);
  }

  function onResponseFinish(message: unknown): void {
    const { request } = message as { request: InstrumentedRequest };
    const state = request[kState];
    if (state !== undefined) end(state, request, undefined);
  }

  /** `close` listener of every instrumented response: one shared function (guarded() would not pass `this`). */
  function onResponseClose(this: ServerResponse): void {
    try {
      const request = this.req as InstrumentedRequest;
      const state = request[kState];
      if (state !== undefined) end(state, request, this.writableFinished ? undefined : ABORTED);
    } catch (error) {
      onError(error);
    }
  }

  /** Ends the request once: `cause` is set when it did not complete (aborted by the client, or cut). */
  function end(state: ServerRequest, request: InstrumentedRequest, cause: string | undefined): void {
    if (state.ended) return;
    state.ended = true;
    inFlight.delete(state);
    const { span, response } = state;
    const seconds = (performance.now() - state.startedAt) / 1000;
    const status = response.headersSent ? response.statusCode : undefined;
    const route = state.route ?? routeTemplate(request);
    const spanName = route === undefined ? state.method : `${state.method} ${route}`;
    let errorType: string | undefined;
    if (route !== undefined) {
      span.updateName(spanName);
      span.setAttribute('http.route', route);
    }
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    // A 5xx already sent says more than the client leaving during its body; a cut says why it ended whatever the status.
    if (cause !== undefined && !(cause === ABORTED && status !== undefined && status >= 500)) errorType = cause;
    else if (status !== undefined && status >= 500) errorType = String(status);
    if (errorType !== undefined) {
      span.setAttribute('error.type', errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage(state, errorType) });
    }
    const outcome: RequestOutcome = { status, route: route ?? UNMATCHED_ROUTE, spanName, seconds, errorType };
    for (const observer of observers) observer.onEnd(state, outcome);
    span.end();
  }

  function statusMessage(state: ServerRequest, errorType: string): string | undefined {
    if (errorType === SHUTDOWN_DEADLINE) return 'cut at the shutdown drain deadline before the response finished';
    if (errorType === ABORTED) return 'connection closed before the response finished';
    return state.error === undefined ? undefined : `${state.error.name}: ${state.error.message}`;
  }

  // Called from inside the frameworks' error paths: it must never throw into them.
  recordError = guarded(onError, (state: ServerRequest, thrown: unknown) => {
    if (thrown === state.error) return;
    const error = toError(thrown);
    state.error = error;
    state.span.recordException(error);
    contextManager.with(state.context, () => logRequestError(error, state));
  });

  const onStart = guarded(onError, onRequestStart);
  const onFinish = guarded(onError, onResponseFinish);
  diagnosticsChannel.subscribe('http.server.request.start', onStart);
  diagnosticsChannel.subscribe('http.server.response.finish', onFinish);
  return {
    observers,
    cutRequests(errorType, server) {
      for (const state of [...inFlight]) {
        if (server === undefined || state.server === server) end(state, state.response.req as InstrumentedRequest, errorType);
      }
    },
    markDraining(server) {
      draining.add(server);
      for (const state of inFlight) if (state.server === server) closeAfter(state.response.req.socket, state.response);
    },
    activeRequest() {
      const active = trace.getSpan(contextManager.active());
      if (active === undefined) return undefined;
      for (const state of inFlight) if (state.span === active) return state;
      return undefined;
    },
  };
}
