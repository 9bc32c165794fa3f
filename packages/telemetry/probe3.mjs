await import('/tmp/warm.ts');
const t0 = performance.now();
const { init } = await import('@lab/telemetry');
const t1 = performance.now();
init();
const t2 = performance.now();
console.log(JSON.stringify({ importMs: +(t1 - t0).toFixed(1), initMs: +(t2 - t1).toFixed(1), rss: +(process.memoryUsage().rss / 2 ** 20).toFixed(1) }));
process.exit(0);
