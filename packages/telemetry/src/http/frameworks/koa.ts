// koa runs the middleware chain in Application#handleRequest and answers its outcome itself (through ctx.onerror on
// a rejection: 500, or the error's own status), publishing nothing. That one method is wrapped, once per prototype:
// - a rejection of the chain reaches the request's span, then goes on unchanged, so koa answers as always;
// - once the chain settled, before koa writes the response, the template @koa/router matched (ctx._matchedRoute: the
//   most specific matched route, prefixes included) becomes the request's route. Requests no route matched keep
//   collapsing to one value.
import type { IncomingMessage } from 'node:http';
import { recordRequestError, setRequestRoute } from '../server.ts';
import type { ErrorSink } from '../../instrumentations/guard.ts';
import { onModuleLoad } from './module-hooks.ts';

interface KoaContext {
  req: IncomingMessage;
  _matchedRoute?: unknown;
}
type Middleware = (ctx: KoaContext) => Promise<unknown>;
type HandleRequest = (this: unknown, ctx: KoaContext, fnMiddleware: Middleware) => Promise<unknown>;
const kPatched = Symbol('lab.telemetry.koa');

export function hookKoa(onError: ErrorSink): void {
  onModuleLoad('koa', onError, (koa) => {
    const Application = (typeof koa === 'function' ? koa : koa.default) as { prototype: Record<PropertyKey, unknown> } | undefined;
    const prototype = Application?.prototype;
    if (prototype === undefined || prototype[kPatched] || typeof prototype.handleRequest !== 'function') return;
    prototype[kPatched] = true;
    const handleRequest = prototype.handleRequest as HandleRequest;
    prototype.handleRequest = function handleRequestObserved(this: unknown, ctx: KoaContext, fnMiddleware: Middleware) {
      return handleRequest.call(this, ctx, (context) =>
        fnMiddleware(context)
          .catch((error: unknown) => {
            recordRequestError(ctx.req, error);
            throw error;
          })
          .finally(() => {
            if (typeof ctx._matchedRoute === 'string') setRequestRoute(ctx.req, ctx._matchedRoute);
          }),
      );
    } satisfies HandleRequest;
  });
}
