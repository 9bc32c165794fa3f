// Serving the registry: on the application's servers (their GET requests for the metrics path are answered before
// the application sees them), or on a dedicated server when a metrics port is configured
// (OTEL_EXPORTER_PROMETHEUS_PORT).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pathOf } from '../http/semconv.ts';
import type { CoreMetrics } from './metrics.ts';

export type MetricsHandler = (request: IncomingMessage, response: ServerResponse) => void;

export function createMetricsHandler(metrics: CoreMetrics, logger: Logger): MetricsHandler {
  return (request, response) => {
    metrics.render(request.headers.accept).then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(body);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'rendering metrics failed');
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('metrics unavailable\n');
      },
    );
  };
}

/** Answers GET `path` on `server` with `handler`; every other event and request goes to the application. */
export function interceptMetricsPath(server: Server, path: string, handler: MetricsHandler): void {
  const emit = server.emit;
  server.emit = function emitWithMetrics(this: Server, event: string, request: IncomingMessage, response: ServerResponse) {
    if (event === 'request' && request.method === 'GET' && pathOf(request.url) === path) {
      handler(request, response);
      return true;
    }
    // biome-ignore lint/complexity/noArguments: forwards any event with all of its arguments, unchanged
    return emit.apply(this, arguments as unknown as Parameters<Server['emit']>);
  } as Server['emit'];
}

/** A server answering only `path`; unref'd so that it never keeps the process alive. */
export function startMetricsServer(handler: MetricsHandler, options: { port: number; host: string; path: string; logger: Logger }): Server {
  // getBuiltinModule, not an ESM import: importing node:http's namespace evaluates its lazy exports, which loads
  // undici (~15 ms of startup) whether or not anything uses fetch.
  const { createServer } = process.getBuiltinModule('node:http');
  const server = createServer((request, response) => {
    if (request.method === 'GET' && pathOf(request.url) === options.path) return handler(request, response);
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found\n');
  });
  server.on('error', (error) => options.logger.error({ err: error, port: options.port }, 'metrics server failed'));
  server.listen(options.port, options.host, () => {
    const address = server.address();
    options.logger.info({ address }, 'metrics server listening');
  });
  server.unref();
  return server;
}
