// express apps (4 and 5, and Nest on express), found as a server's 'request' listener at its first request
// (app.listen() and http.createServer(app) alike): the errors their handlers throw reach the request's span, and
// their own GET routes are known (so that the metrics page never shadows one). Their route templates need no hook:
// express leaves the matched route on the request (req.route), which the server instrumentation reads.
//
// Errors:
// express catches what a handler throws (or rejects, in 5) and passes it along the middleware chain with next(err):
// to the next error-handling middleware, or to the app's final handler (`finalhandler`, which answers 500 and prints
// the stack). Nothing of that is published, so it is hooked here, on the app instance found as the server's
// 'request' listener at its first request (app.listen() and http.createServer(app) alike):
// - the layer's error entry (`handle_error` in express 4, `handleError` in router 2 / express 5), reached on the
//   prototype shared by every layer of the app: runs only while an error is pending, so the success path pays
//   nothing, and it sees errors that the app's own error middleware then handles;
// - the `done` callback the app gives its router (the final handler): errors no middleware came after.
// Hooking the instance, not the module, works whatever loaded express (CommonJS or ESM, any copy) with no import
// hook, and leaves the response to express: the HTTP behaviour is unchanged.
import type { IncomingMessage, Server } from 'node:http';
import { recordRequestError } from '../server.ts';

type Next = (error?: unknown) => void;
type Handle = (this: unknown, request: IncomingMessage, response: unknown, next: Next) => unknown;
type HandleError = (this: unknown, error: unknown, request: IncomingMessage, response: unknown, next: Next) => unknown;
interface ExpressRouter {
  handle: Handle;
  stack?: Array<{ route?: { path?: unknown; methods?: Record<string, boolean> } }>;
}
interface ExpressApp {
  handle: unknown;
  settings: unknown;
  /** express 4: created by the first route or middleware. */
  _router?: ExpressRouter;
  /** express 5: a getter creating the router on first use. */
  router?: ExpressRouter;
}

const kHooked = Symbol('lab.telemetry.express-errors');

/** express passes these strings to next() to skip routes; they are not errors. */
function isError(error: unknown): boolean {
  return error !== undefined && error !== null && error !== 'route' && error !== 'router';
}

function isExpressApp(listener: unknown): listener is ExpressApp {
  return typeof listener === 'function' && typeof (listener as Partial<ExpressApp>).handle === 'function' && 'settings' in listener;
}

function routersOf(server: Server): ExpressRouter[] {
  const routers: ExpressRouter[] = [];
  for (const listener of server.listeners('request')) {
    if (!isExpressApp(listener)) continue;
    const router = listener._router ?? ('router' in listener ? listener.router : undefined);
    if (router !== undefined) routers.push(router);
  }
  return routers;
}

/** Hooks the express apps that serve `server`'s requests (called at the server's first request). */
export function hookExpressErrors(server: Server): void {
  for (const router of routersOf(server)) {
    if ((router as { [kHooked]?: true })[kHooked]) continue;
    hookRouter(router);
    const layer = router.stack?.[0];
    if (layer !== undefined) hookLayerPrototype(Object.getPrototypeOf(layer) as Record<string, unknown>);
  }
}

/** Whether an express app serving `server` has its own top-level GET route for `path`. */
export function expressServesGet(server: Server, path: string): boolean {
  return routersOf(server).some((router) => router.stack?.some((layer) => layer.route?.path === path && layer.route.methods?.get === true));
}

function hookRouter(router: ExpressRouter & { [kHooked]?: true }): void {
  router[kHooked] = true;
  const handle = router.handle;
  router.handle = function handleRecordingErrors(request, response, done) {
    return handle.call(this, request, response, function doneRecordingErrors(this: unknown, error?: unknown) {
      if (isError(error)) recordRequestError(request, error);
      // biome-ignore lint/complexity/noArguments: express passes on whatever it was given
      return done.apply(this, arguments as unknown as [unknown]);
    });
  };
}

function hookLayerPrototype(prototype: Record<string, unknown> & { [kHooked]?: true }): void {
  if (prototype[kHooked]) return;
  const name = typeof prototype.handleError === 'function' ? 'handleError' : typeof prototype.handle_error === 'function' ? 'handle_error' : undefined;
  if (name === undefined) return;
  prototype[kHooked] = true;
  const handleError = prototype[name] as HandleError;
  prototype[name] = function handleErrorRecording(this: unknown, error: unknown, request: IncomingMessage, response: unknown, next: Next) {
    if (isError(error)) recordRequestError(request, error);
    return handleError.call(this, error, request, response, next);
  } as HandleError;
}
