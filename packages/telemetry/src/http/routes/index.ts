// Route templates of the frameworks that do not expose them on the request the way express does (req.route): each
// adapter tells the server instrumentation (setRequestRoute) the template of the route that matched. fastify is
// hooked through its diagnostics channel; koa and hapi when the application loads them, if it has them.
import { hookHapiRoutes } from './hapi.ts';
import { hookKoaRoutes } from './koa.ts';
import { hookHapiErrors } from '../hapi.ts';
import { hookKoaErrors } from '../koa.ts';
import { hookNestErrors } from '../nest.ts';

export interface ModuleRouteAdapter {
  /** The framework module, hooked for require() and (registered with the ESM hooks) import. */
  module: string;
  install(): void;
}

export const MODULE_ROUTE_ADAPTERS: readonly ModuleRouteAdapter[] = [
  { module: 'koa', install: hookKoaRoutes },
  { module: '@hapi/hapi', install: hookHapiRoutes },
  // Not route adapters: the frameworks' error paths, hooked the same way so that handler errors reach the span.
  { module: 'koa', install: hookKoaErrors },
  { module: '@hapi/hapi', install: hookHapiErrors },
  { module: '@nestjs/core', install: hookNestErrors },
];

export { hookFastifyRoutes } from './fastify.ts';
