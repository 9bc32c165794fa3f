// The global MeterProvider of the OpenTelemetry API, so that what libraries, instrumentations and the application
// record through `metrics.getMeter()` is not dropped. Registering it costs nothing at startup: the metrics SDK
// (./otel-sdk.ts) is loaded on the first getMeter() call, or by init() when OTLP push is configured.
import { createRequire } from 'node:module';
import { type MeterProvider, metrics } from '@opentelemetry/api';
import { packageModulePath } from '../module-extension.ts';
import type * as Sdk from './otel-sdk.ts';

export interface ApiMetrics {
  /** The SDK, loaded now if nothing asked for it yet. */
  load(): Sdk.OtelSdk;
  /** The SDK if something loaded it. */
  loaded(): Sdk.OtelSdk | undefined;
}

export function registerMeterProvider(options: Sdk.OtelSdkOptions): ApiMetrics {
  let sdk: Sdk.OtelSdk | undefined;
  const load = () => {
    // By path and synchronously (require of an ES module): getMeter() must return a meter right away.
    sdk ??= (createRequire(import.meta.url)(packageModulePath('metrics/otel-sdk')) as typeof Sdk).startOtelSdk(options);
    return sdk;
  };
  const provider: MeterProvider = { getMeter: (name, version, meterOptions) => load().provider.getMeter(name, version, meterOptions) };
  metrics.setGlobalMeterProvider(provider);
  return { load, loaded: () => sdk };
}
