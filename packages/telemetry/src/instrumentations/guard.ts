// Instrumentation must never break the application: an exception thrown in a diagnostics_channel subscriber (or a
// listener we add) would surface as an uncaught exception. Every such entry point is wrapped by guarded().
export type ErrorSink = (error: unknown) => void;

export function guarded<A extends unknown[]>(onError: ErrorSink, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (error) {
      onError(error);
    }
  };
}
