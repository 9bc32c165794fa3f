// Collects log lines into one chunk and writes it to stdout (through sonic-boom) about every 16 KiB and at least
// every 100 ms. Per line (the access log writes one per request) sonic-boom's bookkeeping cost ~1 µs, and each
// asynchronous write ~10-80 µs of CPU (thread pool hand-off and wake-ups, more on a loaded machine): per 16 KiB
// chunk (~60 lines) both are noise. Lines are copied at once into one reused buffer outside the JS heap, and each
// chunk is handed over as one flat string: pending lines kept as a concatenated string were a tree of string objects
// that survived young-generation collections. Lines keep their order: every line of the process (handle logger and
// access log) goes through this one batcher. What is pending is written synchronously on exit, and handed over on
// flush().
// The stream is sonic-boom itself rather than pino.destination(): pino ends its destinations on `beforeExit`, which
// would drop lines handed over after that.
import sonicBoom from 'sonic-boom';

// A CommonJS module whose named export Node cannot detect: take the class from the default export.
const { SonicBoom } = sonicBoom;

const CHUNK_LENGTH = 16384;
/** Room for the last line past CHUNK_LENGTH; a longer line is written as a chunk of its own. */
const CHUNK_CAPACITY = 2 * CHUNK_LENGTH;
const MAX_DELAY_MS = 100;

export class LineBatcher {
  readonly #sink: InstanceType<typeof SonicBoom>;
  readonly #chunk = Buffer.allocUnsafeSlow(CHUNK_CAPACITY);
  #length = 0;
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
    // A UTF-8 line is at most 3 bytes per UTF-16 unit: check cheaply, measure only when it might not fit.
    if (this.#length + 3 * line.length > CHUNK_CAPACITY) {
      const bytes = Buffer.byteLength(line);
      if (this.#length + bytes > CHUNK_CAPACITY) this.#handOver();
      if (bytes > CHUNK_CAPACITY) {
        if (!this.#broken) this.#sink.write(line);
        return;
      }
    }
    this.#length += this.#chunk.write(line, this.#length, 'utf8');
    if (this.#length >= CHUNK_LENGTH) this.#handOver();
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
    if (this.#length === 0) return;
    const chunk = this.#chunk.toString('utf8', 0, this.#length);
    this.#length = 0;
    if (!this.#broken) this.#sink.write(chunk);
  }
}
