// The native profiler. @pyroscope/nodejs pins the @datadog/pprof build it is tested with; we load that very copy
// (through @pyroscope/nodejs's own resolution) and drive it directly, because span labels need options the
// Pyroscope wrapper does not pass (useCPED) and the upload needs failure reporting it does not offer.
import { createRequire } from 'node:module';

export type Numeric = number | bigint;

export interface ValueType {
  type: Numeric;
  unit: Numeric;
}

export interface PprofLine {
  functionId: Numeric;
  line: Numeric;
}

export interface PprofLocation {
  id: Numeric;
  line: PprofLine[];
}

export interface PprofFunction {
  id: Numeric;
  name: Numeric;
  filename: Numeric;
}

export interface PprofLabel {
  key: Numeric;
  str: Numeric;
}

export interface PprofSample {
  locationId: Numeric[];
  value: Numeric[];
  label: PprofLabel[];
}

/** The subset of pprof-format's Profile that we read or rewrite before encoding. */
export interface PprofProfile {
  sampleType: ValueType[];
  periodType?: ValueType;
  sample: PprofSample[];
  location: PprofLocation[];
  function: PprofFunction[];
  stringTable: { strings: string[]; dedup(value: string): number };
}

/** What the wall profiler knows about a sample when the profile is serialized. */
export interface SampleContext {
  /** The object passed to setContext in the sample's async context, if any. */
  context?: object;
  /** Sample time, microseconds since the Unix epoch. */
  timestamp: bigint;
  /** CPU time of the thread since the previous sample, nanoseconds (when CPU time is collected). */
  cpuTime?: number;
}

/** A node of the wall profiler's top-down call tree as the native side returns it: one per distinct call path. */
export interface TimeProfileNode {
  name: string;
  scriptName: string;
  scriptId: number;
  lineNumber: number;
  columnNumber: number;
  hitCount: number;
  children: TimeProfileNode[];
  /** One per sample taken in this node, when contexts are collected. */
  contexts?: SampleContext[];
}

export interface TimeProfile {
  /** Microseconds (V8's profiler clock). */
  startTime: number;
  endTime: number;
  hasCpuTime?: boolean;
  /** CPU time of threads other than the profiled one during the window, nanoseconds. */
  nonJSThreadsCpuTime?: number;
  topDownRoot: TimeProfileNode;
}

export type LabelSet = Record<string, string>;
export type GenerateLabels = (args: { context?: SampleContext }) => LabelSet;

export interface TimeProfilerOptions {
  durationMillis: number;
  intervalMicros: number;
  withContexts: boolean;
  useCPED: boolean;
  collectCpuTime: boolean;
  workaroundV8Bug: boolean;
}

/** The native wall profiler itself (@datadog/pprof's TimeProfiler binding), one instance per profiled thread. */
export interface WallProfilerBinding {
  start(): void;
  /** `restart`: the next window's profile starts before this one stops, so no sample falls between them. */
  stop(restart: boolean): TimeProfile;
  /** The object samples in the current async context carry (setContext / getContext). */
  context: unknown;
  /** 0 when fine; above 0 when V8's sample processor may be stuck and the profiler needs a full restart. */
  v8ProfilerStuckEventLoopDetected(): number;
}

export interface WallProfilerBindingOptions extends TimeProfilerOptions {
  lineNumbers: boolean;
  collectAsyncId: boolean;
  /** The AsyncLocalStorage whose slot in the async context frame holds the contexts (useCPED). */
  CPEDKey?: object;
  isMainThread: boolean;
}

export interface NativeProfiler {
  WallProfiler: new (options: WallProfilerBindingOptions) => WallProfilerBinding;
  /** pprof's own wall profiler module: told apart only to detect that another library already profiles this thread. */
  time: {
    isStarted(): boolean;
  };
  heap: {
    start(intervalBytes: number, stackDepth: number): void;
    stop(): void;
    profile(): PprofProfile;
  };
  /** gzip-compressed protobuf, as Pyroscope's ingest expects. */
  encode(profile: PprofProfile): Promise<Uint8Array>;
}

export function loadNativeProfiler(): NativeProfiler {
  const requireFromPyroscope = createRequire(import.meta.resolve('@pyroscope/nodejs'));
  const pprof = requireFromPyroscope('@datadog/pprof') as Omit<NativeProfiler, 'WallProfiler'>;
  // The binding behind pprof's time module: its stop() serializes a whole window in one synchronous step.
  const bindings = requireFromPyroscope('@datadog/pprof/out/src/time-profiler-bindings') as { TimeProfiler: NativeProfiler['WallProfiler'] };
  return { WallProfiler: bindings.TimeProfiler, time: pprof.time, heap: pprof.heap, encode: pprof.encode };
}
