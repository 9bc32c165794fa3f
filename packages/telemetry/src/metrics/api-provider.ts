// The global MeterProvider of the OpenTelemetry API, so that what libraries, instrumentations and the application
// record through `metrics.getMeter()` is not dropped. Registering it costs nothing at startup, and neither does asking
// for meters and instruments (every OpenTelemetry instrumentation creates its instruments when it is constructed):
// the metrics SDK (./otel-sdk.ts) is loaded when a value is first recorded or an observable callback registered, when
// the metrics page is scraped after instruments exist, or at init when OTLP push is configured.
import { createRequire } from 'node:module';
import { type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import { packageModulePath } from '../module-extension.ts';
import type * as Sdk from './otel-sdk.ts';

export interface ApiMetrics {
  /** The SDK, loaded now if nothing asked for it yet. */
  load(): Sdk.OtelSdk;
  /** The SDK if something loaded it. */
  loaded(): Sdk.OtelSdk | undefined;
  /** The SDK if something loaded it, or if instruments exist (then it is loaded now: a scrape wants their values). */
  forScrape(): Sdk.OtelSdk | undefined;
}

type AnyFunction = (...args: unknown[]) => unknown;
const kReal = Symbol('lab.telemetry.real-instrument');

/**
 * An instrument whose methods create the real one on first use and then replace themselves with the real methods:
 * after the first call, recording costs what it costs on the SDK's instrument.
 */
function lazyInstrument(create: () => object, methods: readonly string[]): object {
  const wrapper: Record<PropertyKey, unknown> = {};
  const materialize = () => {
    wrapper[kReal] ??= create();
    const real = wrapper[kReal] as Record<string, AnyFunction>;
    for (const name of methods) wrapper[name] = real[name]!.bind(real);
    return real;
  };
  for (const name of methods) wrapper[name] = (...args: unknown[]) => materialize()[name]!(...args);
  Object.defineProperty(wrapper, 'materialize', { value: materialize });
  return wrapper;
}

const SYNC_METHODS: Record<string, readonly string[]> = {
  createCounter: ['add'],
  createUpDownCounter: ['add'],
  createHistogram: ['record'],
  createGauge: ['record'],
  createObservableCounter: ['addCallback', 'removeCallback'],
  createObservableUpDownCounter: ['addCallback', 'removeCallback'],
  createObservableGauge: ['addCallback', 'removeCallback'],
};

function lazyMeter(real: () => Meter, onInstrument: () => void): Meter {
  const meter: Record<string, unknown> = {};
  for (const [factory, methods] of Object.entries(SYNC_METHODS)) {
    meter[factory] = (...args: unknown[]) => {
      onInstrument();
      return lazyInstrument(() => (real() as unknown as Record<string, AnyFunction>)[factory]!(...args) as object, methods);
    };
  }
  // Batch callbacks name their observables: the real ones.
  const unwrap = (observables: unknown[]) => observables.map((observable) => (observable as { materialize?: () => object }).materialize?.() ?? observable);
  meter.addBatchObservableCallback = (callback: unknown, observables: unknown[]) => real().addBatchObservableCallback(callback as never, unwrap(observables) as never);
  meter.removeBatchObservableCallback = (callback: unknown, observables: unknown[]) => real().removeBatchObservableCallback(callback as never, unwrap(observables) as never);
  return meter as unknown as Meter;
}

export function registerMeterProvider(options: Sdk.OtelSdkOptions): ApiMetrics {
  let sdk: Sdk.OtelSdk | undefined;
  let instruments = false;
  const load = () => {
    // By path and synchronously (require of an ES module): the first recording must reach a real instrument.
    sdk ??= (createRequire(import.meta.url)(packageModulePath('metrics/otel-sdk')) as typeof Sdk).startOtelSdk(options);
    return sdk;
  };
  const provider: MeterProvider = {
    getMeter: (name, version, meterOptions) => {
      let meter: Meter | undefined;
      return lazyMeter(
        () => (meter ??= load().provider.getMeter(name, version, meterOptions)),
        () => {
          instruments = true;
        },
      );
    },
  };
  metrics.setGlobalMeterProvider(provider);
  return { load, loaded: () => sdk, forScrape: () => sdk ?? (instruments ? load() : undefined) };
}
