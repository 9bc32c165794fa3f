// Startup cost of @lab/telemetry, side by side with plain node: each run is a fresh process that creates an HTTP
// server and reports the time from process start until it listens, and its peak RSS. Variants alternate; medians are
// printed. The library is measured in its published form (dist/, built here first by scripts/build.ts) and from its
// TypeScript sources, in a JavaScript application (.mjs) and a TypeScript one (.ts, like this repository's services,
// which loads Node's type stripper anyway). Usage: node packages/telemetry/scripts/startup-cost.mjs [runs=9]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const runs = Number(process.argv[2] ?? 9);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
// Inside the package, so that the external dependencies resolve from its node_modules.
const built = mkdtempSync(join(packageDir, '.build-test-'));
const buildResult = spawnSync(process.execPath, [join(packageDir, 'scripts/build.ts'), '--outdir', built], { encoding: 'utf8' });
if (buildResult.status !== 0) throw new Error(`build failed: ${buildResult.stderr}`);
const entries = { source: new URL('../src/index.ts', import.meta.url).href, built: pathToFileURL(join(built, 'index.js')).href };
const dir = mkdtempSync(join(tmpdir(), 'telemetry-startup-'));
const probe = (entry) => `
const start = performance.now();
${entry ? `(await import(${JSON.stringify(entry)})).init({ handleSignals: false });` : ''}
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
try {
  for (const extension of ['mjs', 'ts']) {
    const files = { plain: join(dir, `plain.${extension}`) };
    writeFileSync(files.plain, probe(undefined));
    for (const [name, entry] of Object.entries(entries)) {
      files[name] = join(dir, `${name}.${extension}`);
      writeFileSync(files[name], probe(entry));
      run(files[name]); // warm the compile cache and the file system cache
    }
    const samples = Object.fromEntries(Object.keys(files).map((name) => [name, []]));
    for (let i = 0; i < runs; i++) for (const name of Object.keys(files)) samples[name].push(run(files[name]));
    const listening = (name) => median(samples[name].map((s) => s.listeningMs));
    const rss = (name) => median(samples[name].map((s) => s.peakRssMiB));
    const row = { plainListeningMs: +listening('plain').toFixed(1), plainPeakRssMiB: +rss('plain').toFixed(1) };
    for (const name of Object.keys(entries)) {
      row[name] = {
        listeningMs: +listening(name).toFixed(1),
        addedMs: +(listening(name) - listening('plain')).toFixed(1),
        addedPeakRssMiB: +(rss(name) - rss('plain')).toFixed(1),
        importInitMs: +median(samples[name].map((s) => s.importInitMs)).toFixed(1),
      };
    }
    report[`${extension} app`] = row;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(built, { recursive: true, force: true });
}
console.log(JSON.stringify({ runs, ...report }, null, 1));
