// Startup cost of @lab/telemetry, side by side with plain node: each run is a fresh process that creates an HTTP
// server and reports the time from process start until it listens, and its peak RSS. Modes alternate; medians are
// printed. Two kinds of application are measured: a JavaScript one (.mjs), which pays for Node's TypeScript
// stripping only because @lab/telemetry ships .ts sources, and a TypeScript one (.ts, like this repository's
// services), which pays for it anyway. Usage: node packages/telemetry/scripts/startup-cost.mjs [runs=9]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 9);
const entry = new URL('../src/index.ts', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'telemetry-startup-'));
const probe = (telemetry) => `
const start = performance.now();
${telemetry ? `(await import(${JSON.stringify(entry)})).init({ handleSignals: false });` : ''}
const ready = performance.now();
const http = process.getBuiltinModule('node:http');
const server = http.createServer((request, response) => response.end('ok')).listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ listeningMs: performance.now(), importInitMs: ready - start, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
  server.close();
});
export {};
`;

function run(file) {
  const result = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', LAB_TELEMETRY_ACCESS_LOG: 'false' },
  });
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const report = {};
for (const extension of ['mjs', 'ts']) {
  const plainFile = join(dir, `plain.${extension}`);
  const telemetryFile = join(dir, `telemetry.${extension}`);
  writeFileSync(plainFile, probe(false));
  writeFileSync(telemetryFile, probe(true));
  run(telemetryFile); // warm the compile cache and the file system cache
  const plain = [];
  const telemetry = [];
  for (let i = 0; i < runs; i++) {
    plain.push(run(plainFile));
    telemetry.push(run(telemetryFile));
  }
  const listening = (samples) => median(samples.map((s) => s.listeningMs));
  const rss = (samples) => median(samples.map((s) => s.peakRssMiB));
  report[`${extension} app`] = {
    plainListeningMs: +listening(plain).toFixed(1),
    telemetryListeningMs: +listening(telemetry).toFixed(1),
    addedMs: +(listening(telemetry) - listening(plain)).toFixed(1),
    plainPeakRssMiB: +rss(plain).toFixed(1),
    telemetryPeakRssMiB: +rss(telemetry).toFixed(1),
    addedPeakRssMiB: +(rss(telemetry) - rss(plain)).toFixed(1),
    importInitMs: +median(telemetry.map((s) => s.importInitMs)).toFixed(1),
  };
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ runs, ...report }, null, 1));
