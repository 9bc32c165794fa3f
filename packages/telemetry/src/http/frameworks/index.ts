// The frameworks hooked when the application loads them (require() or import), one adapter per framework doing
// all its jobs (route template, handler errors) with one patch. Each is installed only if the application has the
// module. express (the app instance at a server's first request) and fastify (its diagnostics channel) need no module
// hook: ./express.ts and ./fastify.ts, started by init().
import type { ErrorSink } from '../../instrumentations/guard.ts';
import { hookHapi } from './hapi.ts';
import { hookKoa } from './koa.ts';
import { hookNest } from './nest.ts';

export interface ModuleAdapter {
  /** The framework module, hooked for require() and (registered with the ESM hooks) import. */
  module: string;
  /** Patches the module when the application loads it; a failed patch goes to `onError`. */
  install(onError: ErrorSink): void;
}

export const MODULE_ADAPTERS: readonly ModuleAdapter[] = [
  { module: 'koa', install: hookKoa },
  { module: '@hapi/hapi', install: hookHapi },
  { module: '@nestjs/core', install: hookNest },
];
