// Errors thrown by koa middleware reach the request's span: koa catches the rejection of its middleware chain in
// Application#handleRequest and answers through ctx.onerror (500, or the error's own status) without publishing it.
// The chain is wrapped there to record the rejection and pass it on unchanged, so koa answers as always.
import type { IncomingMessage } from 'node:http';
import { onModuleLoad } from './routes/module-hooks.ts';
import { recordRequestError } from './server.ts';

interface KoaContext {
  req: IncomingMessage;
}
type Middleware = (ctx: KoaContext) => Promise<unknown>;
type HandleRequest = (this: unknown, ctx: KoaContext, fnMiddleware: Middleware) => Promise<unknown>;
const kPatched = Symbol('lab.telemetry.koa-errors');

export function hookKoaErrors(): void {
  onModuleLoad('koa', (koa) => {
    const Application = (typeof koa === 'function' ? koa : koa.default) as { prototype: Record<PropertyKey, unknown> } | undefined;
    const prototype = Application?.prototype;
    if (prototype === undefined || prototype[kPatched] || typeof prototype.handleRequest !== 'function') return;
    prototype[kPatched] = true;
    const handleRequest = prototype.handleRequest as HandleRequest;
    prototype.handleRequest = function handleRequestRecordingErrors(this: unknown, ctx: KoaContext, fnMiddleware: Middleware) {
      return handleRequest.call(this, ctx, (context) =>
        fnMiddleware(context).catch((error: unknown) => {
          recordRequestError(ctx.req, error);
          throw error;
        }),
      );
    } satisfies HandleRequest;
  });
}
