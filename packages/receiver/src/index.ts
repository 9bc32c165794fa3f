export * from './otlp.ts';
export * from './pyroscope.ts';
