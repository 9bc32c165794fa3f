// Summaries of repeated measurements: the median with the range, and ratios paired round by round.

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error('spread() needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Per-round ratios a[i]/b[i]: pairing rounds cancels drift of a shared machine better than a ratio of medians. */
export function pairedRatio(a: number[], b: number[]): Spread {
  return spread(pairwise(a, b, (x, y) => x / y));
}

/** Per-round differences a[i]-b[i]. */
export function pairedDelta(a: number[], b: number[]): Spread {
  return spread(pairwise(a, b, (x, y) => x - y));
}

function pairwise(a: number[], b: number[], combine: (x: number, y: number) => number): number[] {
  if (a.length !== b.length) throw new Error(`paired series differ in length (${a.length} vs ${b.length})`);
  return a.map((x, i) => combine(x, b[i]!));
}

/** The q-quantile (0..1) of ascending values; NaN when there are none. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
