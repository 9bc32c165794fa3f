// Injected CPU work: a real busy loop on the event loop, so profiles show `burnCpu` under the request's span.

export function burnCpu(ms: number): number {
  const deadline = performance.now() + ms;
  let accumulator = 0;
  while (performance.now() < deadline) {
    for (let i = 1; i < 2000; i++) accumulator += Math.sqrt(i) * Math.sin(accumulator + i);
  }
  return accumulator;
}
