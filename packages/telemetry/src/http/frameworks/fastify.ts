// fastify (4 and 5, and Nest on fastify) publishes every new instance on the `fastify.initialization` diagnostics
// channel, before any route or plugin is registered, so hooks added there run for every route of the instance, its
// plugins included. One subscriber adds all of them:
// - `onRequest`: the matched route's template becomes the request's route (even when a later hook answers); requests
//   no route matched (fastify's 404 handler) have none and keep collapsing to one value;
// - `onError`: each error a handler throws reaches the request's span before fastify's error handler answers (the
//   reply is left to fastify);
// - `onRoute`: which servers have a GET route of their own for a path (so that the metrics page never shadows it).
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import { type ErrorSink, guarded } from '../../instrumentations/guard.ts';
import { recordRequestError, setRequestRoute } from '../server.ts';

interface FastifyRequest {
  raw: IncomingMessage;
  /** fastify >= 4.10 and 5: the matched route's options; `url` is the template, undefined for the 404 handler. */
  routeOptions?: { url?: string };
  /** fastify < 4.10. */
  routerPath?: string;
}

interface FastifyInstance {
  server: Server;
  addHook(name: 'onRequest', hook: (request: FastifyRequest, reply: unknown, done: () => void) => void): unknown;
  addHook(name: 'onError', hook: (request: FastifyRequest, reply: unknown, error: unknown, done: () => void) => void): unknown;
  addHook(name: 'onRoute', hook: (route: { url?: string; method?: string | string[] }) => void): unknown;
}

function onRequest(request: FastifyRequest, _reply: unknown, done: () => void): void {
  const template = request.routeOptions ? request.routeOptions.url : request.routerPath;
  if (template) setRequestRoute(request.raw, template);
  done();
}

function onError(request: FastifyRequest, _reply: unknown, error: unknown, done: () => void): void {
  recordRequestError(request.raw, error);
  done();
}

/** Hooks every fastify instance created from now on; `watchedPath` is the path whose own GET routes are noted. */
export function hookFastify(onInstrumentationError: ErrorSink, watchedPath: string): { servesGet(server: Server): boolean } {
  const serving = new WeakSet<Server>();
  diagnosticsChannel.subscribe(
    'fastify.initialization',
    guarded(onInstrumentationError, (message: unknown) => {
      const { fastify } = message as { fastify: FastifyInstance };
      fastify.addHook('onRequest', onRequest);
      fastify.addHook('onError', onError);
      fastify.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        if (route.url === watchedPath && methods.includes('GET')) serving.add(fastify.server);
      });
    }),
  );
  return { servesGet: (server) => serving.has(server) };
}
