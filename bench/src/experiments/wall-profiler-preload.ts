// Preloaded (--import) into an uninstrumented bench app by span-label-gc.ts: the native wall profiler that
// @lab/telemetry drives, alone, with the library's options, restarted every PYROSCOPE_UPLOAD_INTERVAL ms.
//   WALL_CONTEXTS=1     async contexts (and CPU time) on, as the library runs it
//   WALL_SET_CONTEXT=1  a context object set per request in a frame of the request's own, as span labels do
//   WALL_PPROF=dd-trace the @datadog/pprof that dd-trace brings instead of the one @pyroscope/nodejs brings
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

interface Binding {
  start(): void;
  stop(restart: boolean): unknown;
  context: unknown;
}

const owner = process.env.WALL_PPROF === 'dd-trace' ? 'dd-trace' : '@pyroscope/nodejs';
// Resolved the way the library resolves it (src/profiling/native.ts): through the package that depends on it.
const fromLab = createRequire(import.meta.resolve('@lab/telemetry'));
const requireFromOwner = createRequire(owner === 'dd-trace' ? import.meta.resolve('dd-trace') : fromLab.resolve('@pyroscope/nodejs'));
const { TimeProfiler } = requireFromOwner('@datadog/pprof/out/src/time-profiler-bindings') as {
  TimeProfiler: new (options: object) => Binding;
};
const withContexts = process.env.WALL_CONTEXTS === '1';
const wall = new TimeProfiler({
  intervalMicros: 10_000,
  durationMillis: 15_000,
  withContexts,
  useCPED: withContexts,
  CPEDKey: withContexts ? new AsyncLocalStorage() : undefined,
  collectCpuTime: withContexts,
  lineNumbers: false,
  collectAsyncId: false,
  isMainThread,
  workaroundV8Bug: false,
});
wall.start();
setInterval(() => wall.stop(true), Number(process.env.PYROSCOPE_UPLOAD_INTERVAL ?? 15_000)).unref();

if (process.env.WALL_SET_CONTEXT === '1') {
  const frames = new AsyncLocalStorage<unknown>();
  let requests = 0;
  diagnosticsChannel.subscribe('http.server.request.start', (message) => {
    frames.enterWith((message as { request: unknown }).request);
    wall.context = { spanId: String(requests++), spanName: 'GET' };
  });
}
