// hapi: every server the application creates gets one onPreResponse extension, which runs for every request, failed
// ones included, before hapi answers:
// - the route template (request.route.path, with the plugin's prefix) becomes the request's route; requests no route
//   matched are served by hapi's `_special` notFound route and keep collapsing to one value;
// - server errors are recorded on the request's span: hapi turns a thrown error into a Boom 500 in place (the Boom is
//   the thrown error, stack included), so a Boom response with `isServer` (the 5xx) is the handler's error. hapi
//   answers as always.
import type { IncomingMessage } from 'node:http';
import { recordRequestError, setRequestRoute } from '../server.ts';
import type { ErrorSink } from '../../instrumentations/guard.ts';
import { onModuleLoad } from './module-hooks.ts';

interface HapiRequest {
  raw: { req: IncomingMessage };
  route: { method: string; path: string };
  response?: { isBoom?: boolean; isServer?: boolean } | null;
}
interface HapiServer {
  ext(event: 'onPreResponse', method: (request: HapiRequest, h: { continue: symbol }) => symbol): void;
}
type ServerFactory = ((options?: unknown) => HapiServer) & { [kPatched]?: true };
const kPatched = Symbol('lab.telemetry.hapi');

function onPreResponse(request: HapiRequest, h: { continue: symbol }): symbol {
  if (request.route.method !== '_special') setRequestRoute(request.raw.req, request.route.path);
  if (request.response?.isBoom && request.response.isServer) recordRequestError(request.raw.req, request.response);
  return h.continue;
}

export function hookHapi(onError: ErrorSink): void {
  onModuleLoad('@hapi/hapi', onError, (hapi) => {
    // `server` and `Server` are the same factory (called with or without new).
    const factory = hapi.server as ServerFactory | undefined;
    if (typeof factory !== 'function' || factory[kPatched]) return;
    const patched: ServerFactory = Object.assign(
      function server(options?: unknown) {
        const instance = factory(options);
        instance.ext('onPreResponse', onPreResponse);
        return instance;
      },
      { [kPatched]: true as const },
    );
    hapi.server = patched;
    hapi.Server = patched;
  });
}
