/** Keeps the CPU busy for `ms` milliseconds, so that a profiler samples the caller. */
export function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}
