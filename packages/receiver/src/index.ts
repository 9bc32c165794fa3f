export * from './otlp.ts';
export * from './pyroscope.ts';
export * from './otlp-metrics.ts';
