// Runs a patch when the application loads a module, whether it require()s it or imports it (the ESM loader must be
// registered for the module: instrumentations/esm-hooks.ts). The hook libraries are the copies the OpenTelemetry
// instrumentation base uses, loaded only when a hooked framework is installed.
import { createRequire } from 'node:module';

type Patch = (moduleExports: Record<string, unknown>) => void;
interface HookClass {
  new (modules: string[], options: Record<string, unknown>, onLoad: (moduleExports: unknown) => unknown): unknown;
}

export function onModuleLoad(name: string, patch: Patch): void {
  const fromBase = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/instrumentation'));
  const { Hook: RequireHook } = fromBase('require-in-the-middle') as { Hook: HookClass };
  const { Hook: ImportHook } = fromBase('import-in-the-middle') as { Hook: HookClass };
  new RequireHook([name], {}, (moduleExports) => {
    patch(moduleExports as Record<string, unknown>);
    return moduleExports;
  });
  // An imported CommonJS module's namespace has its module.exports as `default`; an ES module's is the namespace.
  new ImportHook([name], {}, (namespace) => {
    const exported = namespace as Record<string, unknown>;
    patch((exported.default as Record<string, unknown> | undefined) ?? exported);
  });
}
