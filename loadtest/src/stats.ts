// Latency and error bookkeeping for the local runner: bounded memory (a fixed-size reservoir per journey), exact
// counts.

const RESERVOIR_SIZE = 5000;

export class LatencyReservoir {
  readonly #values: number[] = [];
  #seen = 0;
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  add(valueMs: number): void {
    this.#seen++;
    if (this.#values.length < RESERVOIR_SIZE) {
      this.#values.push(valueMs);
      return;
    }
    // Algorithm R: every value seen so far has the same chance to be kept.
    const slot = Math.floor(this.#random() * this.#seen);
    if (slot < RESERVOIR_SIZE) this.#values[slot] = valueMs;
  }

  /** The q-quantile (0..1) by nearest rank, 0 when empty. */
  quantile(q: number): number {
    if (this.#values.length === 0) return 0;
    const sorted = [...this.#values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank]!;
  }

  max(): number {
    return this.#values.reduce((max, value) => Math.max(max, value), 0);
  }
}

/** Requests over a sliding window of whole seconds, for the live request rate. */
export class RateWindow {
  readonly #buckets = new Map<number, { requests: number; errors: number }>();
  readonly #windowSeconds: number;

  constructor(windowSeconds = 5) {
    this.#windowSeconds = windowSeconds;
  }

  record(nowMs: number, error: boolean): void {
    const second = Math.floor(nowMs / 1000);
    const bucket = this.#buckets.get(second) ?? { requests: 0, errors: 0 };
    bucket.requests++;
    if (error) bucket.errors++;
    this.#buckets.set(second, bucket);
    for (const key of this.#buckets.keys()) if (key <= second - this.#windowSeconds - 1) this.#buckets.delete(key);
  }

  /** Requests per second and error ratio over the last complete seconds of the window. */
  read(nowMs: number): { rate: number; errorRatio: number } {
    const current = Math.floor(nowMs / 1000);
    let requests = 0;
    let errors = 0;
    for (const [second, bucket] of this.#buckets) {
      if (second < current && second >= current - this.#windowSeconds) {
        requests += bucket.requests;
        errors += bucket.errors;
      }
    }
    return { rate: requests / this.#windowSeconds, errorRatio: requests === 0 ? 0 : errors / requests };
  }
}

/** Deterministic PRNG (mulberry32) so a seed reproduces a traffic mix. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
