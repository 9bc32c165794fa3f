// What each signal does with a served request (see server.ts): the RED histogram, the access line, the profiler's
// span labels. Each is told once at start and once at end.
import { trace } from '@opentelemetry/api';
import type { AccessLog } from '../logging/access-log.ts';
import type { CoreMetrics } from '../metrics/metrics.ts';
import type { ProfilingHooks } from '../profiling/contract.ts';
import type { RequestObserver } from './server.ts';

/** http_server_request_duration_seconds, with the span as exemplar when it is sampled. */
export function redMetricsObserver(metrics: CoreMetrics): RequestObserver {
  return {
    onEnd(request, { status, route, seconds, errorType }) {
      const { spanContext } = request;
      metrics.httpServerDuration.observe(
        {
          http_request_method: request.method,
          http_route: route,
          // Absent (not "") when no response was sent; error_type only on failures (conditionally required).
          http_response_status_code: status === undefined ? undefined : String(status),
          url_scheme: request.scheme,
          error_type: errorType,
        },
        seconds,
        request.sampled ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined,
      );
    },
  };
}

export function accessLogObserver(accessLog: AccessLog): RequestObserver {
  return {
    onEnd(request, { status, route, seconds, errorType }) {
      const traced = trace.isSpanContextValid(request.spanContext) ? request.spanContext : undefined;
      accessLog(request.method, route, status, seconds, traced, request.runId, errorType);
    },
  };
}

/** Labels the profile samples of sampled requests with their span (server spans are the local roots). */
export function profilerObserver(profiling: ProfilingHooks): RequestObserver {
  return {
    onStart(request) {
      if (!request.sampled) return;
      // Set only once profiling really started: the id links to profiles that exist.
      request.span.setAttribute('pyroscope.profile.id', request.spanContext.spanId);
      request.profile = profiling.onLocalRootSpanStart(request.span, request.method);
    },
    onEnd(request, { spanName }) {
      if (request.profile !== undefined) profiling.onLocalRootSpanEnd(request.profile, spanName);
    },
  };
}
