// init(): wires configuration, traces, metrics, logs, profiling and shutdown together. Loaded through ./index.ts.
import type { Server } from 'node:http';
import { format } from 'node:util';
import { context, DiagLogLevel, diag, trace } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { loadConfig, type TelemetryConfig } from './config/config.ts';
import { AlsContextManager } from './tracing/context.ts';
import { createThrottledReporter, type ReportLevel } from './logging/throttled-reporter.ts';
import { instrumentHttpClients } from './http/client.ts';
import { expressServesGet, hookExpressErrors } from './http/frameworks/express.ts';
import { hookFastify } from './http/frameworks/fastify.ts';
import { accessLogObserver, profilerObserver, redMetricsObserver } from './http/observers.ts';
import { PROCESS_CRASH, SHUTDOWN_DEADLINE } from './http/semconv.ts';
import { instrumentHttpServer, toError } from './http/server.ts';
import { startLogExport } from './logging/log-export.ts';
import { activeTraceFields, createLoggers } from './logging/logging.ts';
import { type CoreMetrics, createMetrics } from './metrics/metrics.ts';
import { registerMeterProvider } from './metrics/api-provider.ts';
import { createMetricsHandler, interceptMetricsPath, startMetricsServer } from './metrics/endpoint.ts';
import { setTraceFields } from './logging/pino-hook.ts';
import { loadProfiling } from './profiling/loader.ts';
import { startAutoInstrumentations } from './instrumentations/auto.ts';
import { buildResourceAttributes, profileTags } from './tracing/resource.ts';
import { startRuntimeMetrics } from './metrics/runtime.ts';
import { createShutdown } from './lifecycle/shutdown.ts';
import { handleCrashes } from './lifecycle/crash.ts';
import { observeDrains } from './lifecycle/drain.ts';
import { createServerTracker } from './lifecycle/servers.ts';
import { startTracing } from './tracing/tracing.ts';
import type { Telemetry, TelemetryOptions } from './types.ts';
import { PACKAGE_VERSION } from './module-extension.ts';

const TRACER_NAME = '@lab/telemetry';
const DIAG_LEVELS: Record<TelemetryConfig['diagLevel'], DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** The pino level of the diagnostics logger for each OTEL_LOG_LEVEL. */
const DIAG_PINO_LEVELS: Record<Exclude<TelemetryConfig['diagLevel'], 'none'>, string> = {
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
  all: 'trace',
};

let handle: Telemetry | undefined;
let metricsOfHandle: CoreMetrics | undefined;

/** The built-in instruments once init() ran (used by the opt-in instrumentations such as ./sqlite.ts). */
export function coreMetrics(): CoreMetrics | undefined {
  return metricsOfHandle;
}

/** The handle of the first init() call, if any. */
export function getTelemetry(): Telemetry | undefined {
  return handle;
}

/**
 * Starts telemetry for this process. Options override the environment. Call it before the application creates its
 * servers; a second call returns the same handle.
 */
export function init(options: TelemetryOptions = {}): Telemetry {
  if (handle) return handle;
  const config = loadConfig(options);
  setTraceFields(activeTraceFields);
  const resourceAttributes = buildResourceAttributes(config);
  const metrics = createMetrics(config.metrics.maxSeriesPerMetric);
  metricsOfHandle = metrics;
  // Log export failures are reported through the logger it feeds: bound once both exist.
  let reportLogExportFailure: (error: unknown) => void = () => {};
  const logExport =
    config.logs.exporter === 'otlp'
      ? startLogExport(config.logs.otlp, config.logs.scheduleDelayMs, resourceAttributes, (error) => {
          metrics.exportFailures.inc({ signal: 'logs' });
          reportLogExportFailure(error);
        })
      : undefined;
  const { logger, accessLog } = createLoggers(config, logExport?.stream);
  for (const warning of config.warnings) {
    logger.warn(
      { variable: warning.variable, value: warning.value, accepted: warning.accepted, default: warning.default },
      `invalid ${warning.variable}=${JSON.stringify(warning.value)}: expected ${warning.accepted}; using ${warning.default}`,
    );
  }
  const reporter = createThrottledReporter(logger, config.errorLogIntervalMs);
  reportLogExportFailure = (error) => reporter.report('logs export', error);
  setGlobalErrorHandler((error) => reporter.report('opentelemetry sdk', error));
  if (config.diagLevel !== 'none') {
    // OpenTelemetry's diagnostics at the level OTEL_LOG_LEVEL asks for, whatever LOG_LEVEL says (a child logger with
    // its own level), formatted like console.log (objects inspected, not "[object Object]"). Errors and warnings
    // repeat per failed export: those are throttled like the other telemetry errors.
    const diagLogger = logger.child({ telemetry_diag: true }, { level: DIAG_PINO_LEVELS[config.diagLevel] });
    const diagReporter = createThrottledReporter(diagLogger, config.errorLogIntervalMs);
    const throttled = (level: ReportLevel) => (message: string, ...args: unknown[]) =>
      diagReporter.report(`opentelemetry diag: ${message.slice(0, 80)}`, format(message, ...args), level);
    const direct = (level: 'info' | 'debug' | 'trace') => (message: string, ...args: unknown[]) => diagLogger[level](format(message, ...args));
    diag.setLogger(
      { error: throttled('error'), warn: throttled('warn'), info: direct('info'), debug: direct('debug'), verbose: direct('trace') },
      DIAG_LEVELS[config.diagLevel],
    );
  }

  startRuntimeMetrics(metrics.registry);
  const contextManager = new AlsContextManager();
  context.setGlobalContextManager(contextManager);
  const tracing = startTracing(config, resourceAttributes, metrics, reporter);
  const tracer = trace.getTracer(TRACER_NAME, PACKAGE_VERSION);

  const apiMetrics = registerMeterProvider({
    config: config.metrics,
    resourceAttributes,
    registry: metrics.registry,
    scope: { name: TRACER_NAME, version: PACKAGE_VERSION },
    onExportFailure(error) {
      metrics.exportFailures.inc({ signal: 'metrics' });
      reporter.report('metrics export', error);
    },
    // The database instrumentations also record db.client.operation.duration through the API; the library serves it
    // from their spans with exemplars, so only a clash with the application's own metric deserves a warning.
    onCollision: (name, scope) =>
      logger[scope.startsWith('@opentelemetry/instrumentation-') ? 'debug' : 'warn'](
        { metric: name, scope },
        `OpenTelemetry API metric ${name} left off /metrics: a built-in metric has that name`,
      ),
  });
  metrics.apiText = (openMetrics, taken) => apiMetrics.forScrape()?.prometheusText(openMetrics, taken) ?? Promise.resolve('');
  if (config.metrics.exporters.otlp) apiMetrics.load();
  const servePrometheus = config.metrics.exporters.prometheus;
  const metricsHandler = createMetricsHandler(metrics, logger);
  const ignoredServers = new WeakSet<Server>();
  if (servePrometheus && config.metrics.port !== undefined) {
    ignoredServers.add(
      startMetricsServer(metricsHandler, { port: config.metrics.port, host: config.metrics.host, path: config.metrics.path, logger }),
    );
  }
  const onInstrumentationError = (error: unknown) => reporter.report('instrumentation', error);
  const servers = createServerTracker();
  const fastify = hookFastify(onInstrumentationError, config.metrics.path);
  const server = instrumentHttpServer({
    tracer,
    contextManager,
    ignorePaths: new Set([...config.traces.ignorePaths, config.metrics.path]),
    ignoredServers,
    onFirstRequest(httpServer) {
      servers.add(httpServer);
      hookExpressErrors(httpServer);
      if (!servePrometheus || config.metrics.port !== undefined) return;
      // The application's own metrics route wins: ours is not served there, and the user is told where it can be.
      if (expressServesGet(httpServer, config.metrics.path) || fastify.servesGet(httpServer)) {
        logger.warn(
          { path: config.metrics.path },
          `the application serves GET ${config.metrics.path} itself: @lab/telemetry leaves it alone and does not serve its metrics on this server; set OTEL_EXPORTER_PROMETHEUS_PORT (own port) or LAB_TELEMETRY_METRICS_PATH (another path)`,
        );
      } else interceptMetricsPath(httpServer, config.metrics.path, metricsHandler);
    },
    logRequestError: (error, request) => logger.error({ err: error, method: request.method }, 'request failed'),
    onError: onInstrumentationError,
  });
  server.observers.push(redMetricsObserver(metrics));
  if (accessLog !== undefined) server.observers.push(accessLogObserver(accessLog));
  observeDrains({ draining: server.markDraining, cutting: (httpServer) => server.cutRequests(SHUTDOWN_DEADLINE, httpServer) });
  instrumentHttpClients(tracer, metrics, onInstrumentationError);
  startAutoInstrumentations({
    selection: config.traces.instrumentations,
    tracing: !config.disabled,
    metrics,
    logger,
    onError: onInstrumentationError,
  });

  const shutdown = createShutdown({ timeoutMs: config.shutdownTimeoutMs, handleSignals: config.handleSignals, logger });
  shutdown.onShutdown((deadlineMs) => servers.drainAll(deadlineMs));
  if (tracing) shutdown.addFlusher((remainingMs) => tracing.shutdown(remainingMs));
  if (logExport) shutdown.addFlusher((remainingMs) => logExport.shutdown(remainingMs));
  shutdown.addFlusher(async (remainingMs) => apiMetrics.loaded()?.shutdown(remainingMs));
  if (config.profiling) {
    const profiling = loadProfiling({ ...config.profiling, tags: profileTags(resourceAttributes) }, metrics.registry, logger);
    profiling.then((hooks) => {
      if (hooks) server.observers.push(profilerObserver(hooks));
    });
    shutdown.addFlusher(async (remainingMs) => (await profiling)?.shutdown(remainingMs));
  }
  handleCrashes({
    logger,
    endRequests(error) {
      const crashed = server.activeRequest();
      if (crashed !== undefined) {
        crashed.error = toError(error);
        crashed.span.recordException(crashed.error);
      }
      server.cutRequests(PROCESS_CRASH);
    },
    flush: shutdown.flushTelemetry,
    timeoutMs: config.shutdownTimeoutMs,
  });

  handle = Object.freeze({
    serviceName: config.serviceName,
    logger,
    registry: metrics.registry,
    metrics: metrics.helpers,
    tracer,
    onShutdown: shutdown.onShutdown,
    shutdown: shutdown.shutdown,
  });
  return handle;
}

export { activeTraceFields } from './logging/logging.ts';
export { DURATION_BUCKETS } from './metrics/metrics.ts';
