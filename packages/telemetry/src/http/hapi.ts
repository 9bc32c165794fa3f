// Errors thrown by hapi handlers reach the request's span: hapi turns them into a Boom 500 in place (the Boom is the
// thrown error, stack included) and answers it. An onPreResponse extension on every server the application creates
// sees that response first: server errors (`isServer`, the 5xx) are recorded, and hapi answers as always.
import type { IncomingMessage } from 'node:http';
import { onModuleLoad } from './routes/module-hooks.ts';
import { recordRequestError } from './server.ts';

interface HapiRequest {
  raw: { req: IncomingMessage };
  response?: { isBoom?: boolean; isServer?: boolean } | null;
}
interface HapiServer {
  ext(event: 'onPreResponse', method: (request: HapiRequest, h: { continue: symbol }) => symbol): void;
}
type ServerFactory = ((options?: unknown) => HapiServer) & { [kPatched]?: true };
const kPatched = Symbol('lab.telemetry.hapi-errors');

export function hookHapiErrors(): void {
  onModuleLoad('@hapi/hapi', (hapi) => {
    // `server` and `Server` are the same factory (called with or without new).
    const factory = hapi.server as ServerFactory | undefined;
    if (typeof factory !== 'function' || factory[kPatched]) return;
    const patched: ServerFactory = Object.assign(
      function server(options?: unknown) {
        const instance = factory(options);
        instance.ext('onPreResponse', (request, h) => {
          if (request.response?.isBoom && request.response.isServer) recordRequestError(request.raw.req, request.response);
          return h.continue;
        });
        return instance;
      },
      { [kPatched]: true as const },
    );
    hapi.server = patched;
    hapi.Server = patched;
  });
}
