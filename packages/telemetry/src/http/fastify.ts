// fastify (4 and 5, and Nest on fastify) publishes every new instance on the `fastify.initialization` diagnostics
// channel, before any route is registered. Hooks added there: `onError` sees each error a handler throws before
// fastify's error handler answers (it reaches the request's span; the reply is left to fastify), and `onRoute` tells
// which servers have a GET route of their own for a path (so that the metrics page never shadows it).
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import { type ErrorSink, guarded } from '../instrumentations/guard.ts';
import { recordRequestError } from './server.ts';

interface FastifyInstance {
  server: Server;
  addHook(name: 'onError', hook: (request: { raw: IncomingMessage }, reply: unknown, error: unknown, done: () => void) => void): unknown;
  addHook(name: 'onRoute', hook: (route: { url?: string; method?: string | string[] }) => void): unknown;
}

/** Hooks every fastify instance created from now on; `watchedPath` is the path whose own GET routes are noted. */
export function hookFastify(onError: ErrorSink, watchedPath: string): { servesGet(server: Server): boolean } {
  const serving = new WeakSet<Server>();
  diagnosticsChannel.subscribe(
    'fastify.initialization',
    guarded(onError, (message: unknown) => {
      const { fastify } = message as { fastify: FastifyInstance };
      fastify.addHook('onError', (request, _reply, error, done) => {
        recordRequestError(request.raw, error);
        done();
      });
      fastify.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        if (route.url === watchedPath && methods.includes('GET')) serving.add(fastify.server);
      });
    }),
  );
  return { servesGet: (server) => serving.has(server) };
}
