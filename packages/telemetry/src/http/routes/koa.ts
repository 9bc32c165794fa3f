// Route templates of koa with @koa/router: the router sets ctx._matchedRoute (the template of the most specific
// matched route, prefixes included) while the middleware runs; it is read once the middleware chain has settled,
// before koa writes the response. Requests no route matched keep collapsing to one value.
import type { IncomingMessage } from 'node:http';
import { setRequestRoute } from '../server.ts';
import { onModuleLoad } from './module-hooks.ts';

interface KoaContext {
  req: IncomingMessage;
  _matchedRoute?: unknown;
}
type HandleRequest = (ctx: KoaContext, fnMiddleware: (ctx: KoaContext) => Promise<unknown>) => Promise<unknown>;
const kPatched = Symbol('lab.telemetry.koa');

export function hookKoaRoutes(): void {
  onModuleLoad('koa', (koa) => {
    const Application = (typeof koa === 'function' ? koa : koa.default) as { prototype: Record<PropertyKey, unknown> } | undefined;
    const prototype = Application?.prototype;
    if (prototype === undefined || prototype[kPatched] || typeof prototype.handleRequest !== 'function') return;
    prototype[kPatched] = true;
    const handleRequest = prototype.handleRequest as HandleRequest;
    prototype.handleRequest = function handleRequestWithRoute(this: unknown, ctx: KoaContext, fnMiddleware: Parameters<HandleRequest>[1]) {
      return handleRequest.call(this, ctx, (context) =>
        fnMiddleware(context).finally(() => {
          if (typeof ctx._matchedRoute === 'string') setRequestRoute(ctx.req, ctx._matchedRoute);
        }),
      );
    } satisfies HandleRequest;
  });
}
