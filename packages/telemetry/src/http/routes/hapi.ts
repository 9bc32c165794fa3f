// Route templates of hapi: every server the application creates gets an onPreResponse extension (it runs for every
// request, failed ones included) that reads request.route.path, the template with the plugin's prefix. Requests no
// route matched are served by hapi's `_special` notFound route and keep collapsing to one value.
import type { IncomingMessage } from 'node:http';
import { setRequestRoute } from '../server.ts';
import { onModuleLoad } from './module-hooks.ts';

interface HapiRequest {
  raw: { req: IncomingMessage };
  route: { method: string; path: string };
}
interface HapiServer {
  ext(event: 'onPreResponse', method: (request: HapiRequest, h: { continue: symbol }) => symbol): void;
}
type ServerFactory = (options?: unknown) => HapiServer;
const kPatched = Symbol('lab.telemetry.hapi');

function withRoutes(factory: ServerFactory): ServerFactory {
  const patched = function server(options?: unknown) {
    const instance = factory(options);
    instance.ext('onPreResponse', (request, h) => {
      if (request.route.method !== '_special') setRequestRoute(request.raw.req, request.route.path);
      return h.continue;
    });
    return instance;
  };
  return Object.assign(patched, { [kPatched]: true });
}

export function hookHapiRoutes(): void {
  onModuleLoad('@hapi/hapi', (hapi) => {
    // `server` and `Server` are the same factory (called with or without new).
    const factory = hapi.server as (ServerFactory & { [kPatched]?: true }) | undefined;
    if (typeof factory !== 'function' || factory[kPatched]) return;
    const patched = withRoutes(factory);
    hapi.server = patched;
    hapi.Server = patched;
  });
}
