// Client spans, trace-header injection and client metrics for node:http(s) requests and fetch/undici, through
// diagnostics_channel. Requests made while tracing is suppressed (the exporters' own) are left alone.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, propagation, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { type ErrorSink, guarded } from '../instrumentations/guard.ts';
import { fullUrl, normalizeMethod, parseHost } from './semconv.ts';
import type { CoreMetrics } from '../metrics/metrics.ts';

interface ClientState {
  span: Span;
  startedAt: number;
  method: string;
  serverAddress: string;
  serverPort: string;
  status: number;
}

/** What undici publishes on its diagnostics channels (the subset we use). */
interface UndiciRequest {
  origin: string | URL;
  method: string;
  path: string;
  addHeader(name: string, value: string): unknown;
}

/**
 * A low-cardinality error.type for a failed request: the system or undici error code (ECONNREFUSED, ETIMEDOUT,
 * UND_ERR_SOCKET...) when there is one, else the error's class (never its message).
 */
function errorTypeOf(error: Error): string {
  return codeOf(error) ?? codeOf((error as { cause?: unknown }).cause) ?? (error.constructor?.name || error.name || 'Error');
}

const ERROR_CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
}

export function instrumentHttpClients(tracer: Tracer, metrics: CoreMetrics, onError: ErrorSink): void {
  const httpStates = new WeakMap<ClientRequest, ClientState>();
  const undiciStates = new WeakMap<UndiciRequest, ClientState>();

  function start(method: string, url: URL, inject: (name: string, value: string) => void): ClientState | undefined {
    const active = context.active();
    if (isTracingSuppressed(active)) return undefined;
    const normalized = normalizeMethod(method);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const span = tracer.startSpan(normalized, { kind: SpanKind.CLIENT }, active);
    if (span.isRecording()) {
      span.setAttributes({
        'http.request.method': normalized,
        'server.address': url.hostname,
        'server.port': port,
        'url.full': fullUrl(url),
      });
    }
    propagation.inject(trace.setSpan(active, span), undefined, { set: (_carrier, name, value) => inject(name, value) });
    return { span, startedAt: performance.now(), method: normalized, serverAddress: url.hostname, serverPort: String(port), status: 0 };
  }

  function end(state: ClientState, error: Error | undefined): void {
    const { span, status } = state;
    if (status > 0) span.setAttribute('http.response.status_code', status);
    let errorType: string | undefined;
    if (error !== undefined) {
      errorType = errorTypeOf(error);
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else if (status >= 400) {
      errorType = String(status);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    if (errorType !== undefined) span.setAttribute('error.type', errorType);
    span.end();
    const spanContext = span.spanContext();
    metrics.httpClientDuration.observe(
      {
        http_request_method: state.method,
        server_address: state.serverAddress,
        server_port: state.serverPort,
        // Absent, not "", when no response came (connection failures): error_type says what happened instead.
        http_response_status_code: status > 0 ? String(status) : undefined,
        error_type: errorType,
      },
      (performance.now() - state.startedAt) / 1000,
      spanContext.traceFlags & 1 ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined,
    );
  }

  /** Ends the span of `request` once (its state is removed), with the response status if one came. */
  function endRequest<K extends object>(states: WeakMap<K, ClientState>, request: K, error: Error | undefined, status?: number): void {
    const state = states.get(request);
    if (!state) return;
    states.delete(request);
    if (status !== undefined) state.status = status;
    end(state, error);
  }

  const subscriptions: Array<[string, (message: unknown) => void]> = [
    [
      // `created` runs before the headers are sent (unlike `start`), so trace headers can still be set.
      'http.client.request.created',
      (message) => {
        const { request } = message as { request: ClientRequest };
        const defaultPort = request.protocol === 'https:' ? 443 : 80;
        const host = parseHost(request.getHeader('host') as string | undefined, defaultPort);
        const hostname = host.address || request.host;
        const url = new URL(`${request.protocol}//${hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname}:${host.port}${request.path}`);
        const state = start(request.method, url, (name, value) => request.setHeader(name, value));
        if (state) httpStates.set(request, state);
      },
    ],
    [
      'http.client.response.finish',
      (message) => {
        const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
        endRequest(httpStates, request, undefined, response.statusCode);
      },
    ],
    [
      'http.client.request.error',
      (message) => {
        const { request, error } = message as { request: ClientRequest; error: Error };
        endRequest(httpStates, request, error);
      },
    ],
    [
      'undici:request:create',
      (message) => {
        const { request } = message as { request: UndiciRequest };
        let url: URL;
        try {
          url = new URL(request.path, request.origin);
        } catch {
          return;
        }
        const state = start(request.method, url, (name, value) => request.addHeader(name, value));
        if (state) undiciStates.set(request, state);
      },
    ],
    [
      'undici:request:headers',
      (message) => {
        const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
        const state = undiciStates.get(request);
        if (state) state.status = response.statusCode;
      },
    ],
    [
      'undici:request:trailers',
      (message) => {
        const { request } = message as { request: UndiciRequest };
        endRequest(undiciStates, request, undefined);
      },
    ],
    [
      'undici:request:error',
      (message) => {
        const { request, error } = message as { request: UndiciRequest; error: Error };
        endRequest(undiciStates, request, error);
      },
    ],
  ];
  for (const [name, handler] of subscriptions) diagnosticsChannel.subscribe(name, guarded(onError, handler));
}
