// Errors thrown by fastify handlers (fastify 4 and 5, and Nest on fastify) reach the request's span: fastify publishes
// every new instance on the `fastify.initialization` diagnostics channel (before any route is registered), and an
// `onError` hook added there sees each error its handlers throw before fastify's error handler answers. Observing
// only: the reply is left to fastify.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { type ErrorSink, guarded } from '../instrumentations/guard.ts';
import { recordRequestError } from './server.ts';

interface FastifyInstance {
  addHook(name: 'onError', hook: (request: { raw: IncomingMessage }, reply: unknown, error: unknown, done: () => void) => void): unknown;
}

export function hookFastifyErrors(onError: ErrorSink): void {
  diagnosticsChannel.subscribe(
    'fastify.initialization',
    guarded(onError, (message: unknown) => {
      (message as { fastify: FastifyInstance }).fastify.addHook('onError', (request, _reply, error, done) => {
        recordRequestError(request.raw, error);
        done();
      });
    }),
  );
}
