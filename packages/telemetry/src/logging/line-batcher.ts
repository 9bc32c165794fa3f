// Collects log lines into one string and writes it to stdout (through sonic-boom) about every 16 KiB and at least
// every 100 ms. Per line (the access log writes one per request) sonic-boom's bookkeeping cost ~1 µs, and each
// asynchronous write ~10-80 µs of CPU (thread pool hand-off and wake-ups, more on a loaded machine): per 16 KiB
// chunk (~60 lines) both are noise. Lines keep their order: every line of the process (handle logger and access log)
// goes through this one batcher. What is pending is written synchronously on exit, and handed over on flush().
// The stream is sonic-boom itself rather than pino.destination(): pino ends its destinations on `beforeExit`, which
// would drop lines handed over after that.
import sonicBoom from 'sonic-boom';

// A CommonJS module whose named export Node cannot detect: take the class from the default export.
const { SonicBoom } = sonicBoom;

const CHUNK_LENGTH = 16384;
const MAX_DELAY_MS = 100;

export class LineBatcher {
  readonly #sink: InstanceType<typeof SonicBoom>;
  #pending = '';
  /** The reader went away (EPIPE): lines are dropped from then on, as pino does. */
  #broken = false;

  constructor(fd: number) {
    this.#sink = new SonicBoom({ fd, sync: false, maxWrite: 65536 });
    // A failed log write must not crash the service, and cannot be logged: EPIPE stops writing, anything else
    // loses that chunk only (sonic-boom retries EAGAIN itself).
    this.#sink.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.#broken = true;
    });
    setInterval(() => this.#handOver(), MAX_DELAY_MS).unref();
    process.once('exit', () => this.flushSync());
  }

  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= CHUNK_LENGTH) this.#handOver();
  }

  flush(callback?: (error?: Error) => void): void {
    this.#handOver();
    if (this.#broken) callback?.();
    else this.#sink.flush(callback);
  }

  flushSync(): void {
    this.#handOver();
    if (this.#broken) return;
    try {
      this.#sink.flushSync();
    } catch {
      // At exit with stdout gone: nothing left to tell.
    }
  }

  #handOver(): void {
    if (this.#pending === '') return;
    const chunk = this.#pending;
    this.#pending = '';
    if (!this.#broken) this.#sink.write(chunk);
  }
}
