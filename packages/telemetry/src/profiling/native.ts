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
}

export type LabelSet = Record<string, string | number>;
export type GenerateLabels = (args: { context?: SampleContext }) => LabelSet;

export interface TimeProfilerOptions {
  durationMillis: number;
  intervalMicros: number;
  withContexts: boolean;
  useCPED: boolean;
  collectCpuTime: boolean;
  workaroundV8Bug: boolean;
}

export interface NativeProfiler {
  time: {
    start(options: TimeProfilerOptions): void;
    stop(restart: boolean, generateLabels?: GenerateLabels, lowCardinalityLabels?: string[]): PprofProfile;
    setContext(context: object): void;
    getContext(): unknown;
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
  return requireFromPyroscope('@datadog/pprof') as NativeProfiler;
}
