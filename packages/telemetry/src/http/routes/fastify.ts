// Route templates of fastify 4 and 5 (and Nest on fastify): fastify publishes every new instance on the
// `fastify.initialization` diagnostics channel before any route or plugin is registered, so an `onRequest` hook added
// there runs for every route of the instance, its plugins included, even when a later hook answers the request.
// Requests no route matched (fastify's 404 handler) have no template and keep collapsing to one value.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { type ErrorSink, guarded } from '../../instrumentations/guard.ts';
import { setRequestRoute } from '../server.ts';

interface FastifyRequest {
  raw: IncomingMessage;
  /** fastify >= 4.10 and 5: the matched route's options; `url` is the template, undefined for the 404 handler. */
  routeOptions?: { url?: string };
  /** fastify < 4.10. */
  routerPath?: string;
}

interface FastifyInstance {
  addHook(name: 'onRequest', hook: (request: FastifyRequest, reply: unknown, done: () => void) => void): unknown;
}

function onRequest(request: FastifyRequest, _reply: unknown, done: () => void): void {
  const template = request.routeOptions ? request.routeOptions.url : request.routerPath;
  if (template) setRequestRoute(request.raw, template);
  done();
}

export function hookFastifyRoutes(onError: ErrorSink): void {
  diagnosticsChannel.subscribe(
    'fastify.initialization',
    guarded(onError, (message: unknown) => {
      (message as { fastify: FastifyInstance }).fastify.addHook('onRequest', onRequest);
    }),
  );
}
