// Runs a patch when the application loads a module, whether it require()s it or imports it (the ESM loader must be
// registered for the module: instrumentations/esm-hooks.ts). The hook libraries are the copies the OpenTelemetry
// instrumentation base uses, loaded only when a hooked framework is installed. A patch that fails is reported, never
// thrown into the application's require() or import.
import { requireFromInstrumentationBase } from '../../instrumentations/esm-hooks.ts';
import { type ErrorSink, guarded } from '../../instrumentations/guard.ts';

type Patch = (moduleExports: Record<string, unknown>) => void;
interface HookClass {
  new (modules: string[], options: Record<string, unknown>, onLoad: (moduleExports: unknown) => unknown): unknown;
}

export function onModuleLoad(name: string, onError: ErrorSink, patch: Patch): void {
  const safePatch = guarded(onError, patch);
  const fromBase = requireFromInstrumentationBase();
  const { Hook: RequireHook } = fromBase('require-in-the-middle') as { Hook: HookClass };
  const { Hook: ImportHook } = fromBase('import-in-the-middle') as { Hook: HookClass };
  new RequireHook([name], {}, (moduleExports) => {
    safePatch(moduleExports as Record<string, unknown>);
    return moduleExports;
  });
  // An imported CommonJS module's namespace has its module.exports as `default`; an ES module's is the namespace.
  new ImportHook([name], {}, (namespace) => {
    const exported = namespace as Record<string, unknown>;
    safePatch((exported.default as Record<string, unknown> | undefined) ?? exported);
  });
}
