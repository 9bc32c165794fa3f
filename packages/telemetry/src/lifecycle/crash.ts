// uncaughtException and unhandledRejection (Node's default `throw` mode turns the latter into the former): one fatal
// line with the error and the trace fields of the context it was thrown in, the requests in flight ended (the one
// that crashed with the exception), spans, logs and profiles flushed; then Node's usual report and exit code (1)
// (see rethrow). An application that listens for uncaught exceptions itself has chosen to keep running: then nothing
// is done here.
import { inspect } from 'node:util';
import type { Logger } from 'pino';

export interface CrashOptions {
  logger: Logger;
  /** Ends the spans of the requests in flight; `error` goes to the active one. */
  endRequests(error: unknown): void;
  flush(): Promise<void>;
  /** Upper bound of flush(): the error is thrown again by then whatever the exporters do. */
  timeoutMs: number;
}

export function handleCrashes(options: CrashOptions): void {
  let crashing = false;
  const onUncaught = (error: unknown, origin: string) => {
    if (process.listenerCount('uncaughtException') > 1) return;
    if (crashing) return;
    crashing = true;
    let rethrown = false;
    const rethrow = () => {
      if (rethrown) return;
      rethrown = true;
      process.removeListener('uncaughtException', onUncaught);
      // A rejection is rejected again: Node reports it as the unhandled rejection it was. An exception thrown again
      // would be printed under a source line of ours, so Node's report (the error inspected, then the Node version)
      // is written as Node writes it, and the process exits with Node's code for an uncaught exception.
      if (origin === 'unhandledRejection') {
        Promise.reject(error);
        return;
      }
      process.stderr.write(`${inspect(error)}\n\nNode.js ${process.version}\n`);
      process.exit(1);
    };
    try {
      options.logger.fatal({ err: error, origin }, origin === 'unhandledRejection' ? 'unhandled promise rejection' : 'uncaught exception');
      options.endRequests(error);
    } catch {
      // Reporting must not hide the crash.
    }
    // Ref'd: the process stays up until the flush is done or the deadline passed, even with nothing else to do.
    const deadline = setTimeout(rethrow, options.timeoutMs + 250);
    options.flush().finally(() => {
      clearTimeout(deadline);
      rethrow();
    });
  };
  process.on('uncaughtException', onUncaught);
}
