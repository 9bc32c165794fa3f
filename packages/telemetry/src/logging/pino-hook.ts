// Trace correlation for pino loggers the application creates itself. Module._load (which serves `require` and, for
// CommonJS packages such as pino, `import` too) is wrapped so that loading pino yields a wrapped factory: every logger
// it creates gets a mixin adding trace_id, span_id, trace_flags (and run_id). This replaces
// @opentelemetry/instrumentation-pino, whose require/import-in-the-middle machinery cost 20-45 ms of startup here; a
// module.registerHooks load hook cost ~40 ms as well (it slows every later module load).
// It must be installed before pino is first loaded: ./index.ts does it first thing.
import Module from 'node:module';

type Mixin = (mergeObject: object, level: number, logger: unknown) => object;
type PinoFactory = ((...args: unknown[]) => Record<symbol, unknown>) & { symbols?: { mixinSym?: symbol } };
type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

const wrappedFactories = new WeakMap<PinoFactory, PinoFactory>();
let installed = false;
/** Set by init(); until then application loggers get no extra fields. */
let traceFields: () => object = () => ({});

export function setTraceFields(fields: () => object): void {
  traceFields = fields;
}

function currentFields(): object {
  return traceFields();
}

function withTraceMixin(factory: PinoFactory, mixinSym: symbol): PinoFactory {
  const wrapped = Object.assign(function pinoWithTraceIds(...args: unknown[]) {
    const logger = factory(...args);
    const own = logger[mixinSym] as Mixin | undefined;
    // The telemetry's own logger already carries the trace mixin.
    if (own !== traceFields) {
      logger[mixinSym] =
        own === undefined
          ? currentFields
          : (mergeObject: object, level: number, self: unknown) => ({ ...currentFields(), ...own(mergeObject, level, self) });
    }
    return logger;
  }, factory) as PinoFactory & { pino: unknown; default: unknown };
  wrapped.pino = wrapped;
  wrapped.default = wrapped;
  return wrapped;
}

function isPinoRequest(request: unknown): boolean {
  return typeof request === 'string' && (request === 'pino' || request.endsWith('pino.js'));
}

/** Installs the hook once. It must run before anything (the telemetry included) loads pino. */
export function hookPino(): void {
  if (installed) return;
  installed = true;
  const internals = Module as unknown as { _load: Load; _resolveFilename(request: string, parent: unknown): string; _cache: Record<string, { exports: unknown }> };
  const load = internals._load;
  internals._load = function loadWithPinoHook(this: unknown, request, parent, isMain) {
    const exported = load.call(this, request, parent, isMain);
    if (!isPinoRequest(request) || typeof exported !== 'function') return exported;
    const factory = exported as PinoFactory;
    const mixinSym = factory.symbols?.mixinSym;
    if (mixinSym === undefined) return exported;
    let wrapped = wrappedFactories.get(factory);
    if (wrapped === undefined) {
      wrapped = withTraceMixin(factory, mixinSym);
      wrappedFactories.set(factory, wrapped);
      wrappedFactories.set(wrapped, wrapped);
      // Later requires, and the namespace an `import` builds, read the cached exports.
      const cached = internals._cache[internals._resolveFilename(request, parent)];
      if (cached) cached.exports = wrapped;
    }
    return wrapped;
  };
}
