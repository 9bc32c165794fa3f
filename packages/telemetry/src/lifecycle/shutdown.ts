// Orderly stop: application close hooks first (drain servers), then telemetry flushers, all within one deadline.
// On SIGTERM/SIGINT (when handleSignals is on) it exits 143/130 afterwards; a second signal exits at once.
import type { Logger } from 'pino';
import { withDeadline } from './deadline.ts';

/** A close hook gets the milliseconds it has before flushing starts. */
type Hook = (deadlineMs: number) => void | Promise<void>;
type Flusher = (remainingMs: number) => Promise<void>;

const SIGNAL_EXIT_CODES = { SIGTERM: 143, SIGINT: 130 } as const;

export interface ShutdownCoordinator {
  onShutdown(hook: Hook): void;
  addFlusher(flusher: Flusher): void;
  shutdown(): Promise<void>;
  /** Runs only the flushers (no close hooks), within the shutdown timeout: for a process that is crashing. */
  flushTelemetry(): Promise<void>;
}

/**
 * How long after the hooks' deadline flushing starts: the drain cuts the requests left at that deadline and ends
 * their spans in the same timer turn, which must come before the final flush.
 */
const CUT_MARGIN_MS = 20;

export function createShutdown(options: { timeoutMs: number; handleSignals: boolean; logger: Logger }): ShutdownCoordinator {
  const { timeoutMs, logger } = options;
  const hooks: Hook[] = [];
  const flushers: Flusher[] = [];
  let running: Promise<void> | undefined;

  async function run(): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const remaining = () => Math.max(0, deadline - Date.now());
    // Close hooks get the deadline minus a reserve (half of it, at most 1 s) that flushing always keeps.
    const flushReserveMs = Math.min(1000, timeoutMs / 2);
    const hookDeadlineMs = remaining() - flushReserveMs;
    await withDeadline(
      Promise.all(hooks.map((hook) => Promise.resolve().then(() => hook(hookDeadlineMs)).catch((error: unknown) => logger.error({ err: error }, 'shutdown hook failed')))),
      hookDeadlineMs + Math.min(CUT_MARGIN_MS, flushReserveMs / 2),
    );
    await flush(remaining());
  }

  async function flush(deadlineMs: number): Promise<void> {
    await withDeadline(Promise.all(flushers.map((flusher) => flusher(deadlineMs))), deadlineMs);
    logger.flush();
  }

  const coordinator: ShutdownCoordinator = {
    onShutdown: (hook) => hooks.push(hook),
    addFlusher: (flusher) => flushers.push(flusher),
    shutdown() {
      running ??= run();
      return running;
    },
    flushTelemetry: () => flush(timeoutMs),
  };

  if (options.handleSignals) {
    for (const signal of Object.keys(SIGNAL_EXIT_CODES) as Array<keyof typeof SIGNAL_EXIT_CODES>) {
      process.on(signal, () => {
        const code = SIGNAL_EXIT_CODES[signal];
        if (running) process.exit(code);
        logger.info({ signal, deadline_ms: timeoutMs }, 'shutting down');
        // Whatever a hook does, the process exits by the deadline (plus a margin for the flush bookkeeping).
        setTimeout(() => process.exit(code), timeoutMs + 250).unref();
        coordinator.shutdown().finally(() => process.exit(code));
      });
    }
  }
  return coordinator;
}
