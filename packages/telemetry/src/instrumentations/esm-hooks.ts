// ESM imports are hooked by import-in-the-middle's loader, registered for the instrumented modules only (the other
// modules of the application are neither parsed nor wrapped). The loader is the copy the instrumentations' base
// package uses: its Hook() registrations and the loader must share one module instance.
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

interface RegisterHooksModule {
  supportsSyncHooks(): boolean;
  register(options: { include: string[] }): void;
}

let registered = false;

/**
 * require() as @opentelemetry/instrumentation resolves: the import-in-the-middle and require-in-the-middle copies its
 * instrumentations register with, which our own hooks (and the ESM loader) must share.
 */
export function requireFromInstrumentationBase(): NodeJS.Require {
  return createRequire(createRequire(import.meta.url).resolve('@opentelemetry/instrumentation'));
}

/**
 * Hooks the ESM imports of `modules` from now on. In-thread synchronous hooks (module.registerHooks) where Node
 * supports them for import-in-the-middle, else the loader thread (module.register). Only imports that happen after
 * this call are hooked: `--import @lab/telemetry/register`, or a dynamic import() after init().
 */
export function registerEsmHooks(modules: string[]): void {
  if (registered || modules.length === 0) return;
  registered = true;
  const fromBase = requireFromInstrumentationBase();
  const syncHooks = fromBase('import-in-the-middle/register-hooks.mjs') as RegisterHooksModule;
  if (syncHooks.supportsSyncHooks()) syncHooks.register({ include: modules });
  else register(pathToFileURL(fromBase.resolve('import-in-the-middle/hook.mjs')), { data: { include: modules } });
}
