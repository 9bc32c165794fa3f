const mods = process.argv.slice(2);
for (const m of mods) { const t = performance.now(); await import(m); const rss = process.memoryUsage().rss / 2 ** 20; console.log(m.padEnd(50), (performance.now() - t).toFixed(1).padStart(7), 'ms', rss.toFixed(1), 'MiB'); }
