// Per-request CPU cost of @lab/telemetry on an express 5 hello endpoint, robust on a loaded machine: server CPU time
// (user + system, from /proc/<pid>/stat) divided by the requests it answered, variants alternating round by round,
// medians with min and max. Load: autocannon (a dev dependency) from this process; spans go by OTLP/HTTP protobuf
// to an in-process sink that discards them; the access log goes to /dev/null.
//
//   node packages/telemetry/benchmarks/per-request-cpu.ts [--rounds 5] [--seconds 4] [--connections 10]
//        [--variants plain,plain-log,lab] [--cpu-prof <dir>] [--compare-register <path to another register.ts>]
// Variants: plain (no telemetry), plain-log (the app writes its own pino access line), lab (--import
// @lab/telemetry/register, 100% sampling, export + access log), lab-noexport, lab-nolog.
// --cpu-prof profiles every variant (node --cpu-prof into <dir>/<variant>.cpuprofile); read them with profile-summary.ts.
// --compare-register adds the variant lab-compare: lab with another copy of the library (e.g. an export of the
// previous commit: `git archive HEAD packages/telemetry | tar -x -C /tmp/before`, with its node_modules linked).
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
    variants: { type: 'string', default: 'plain,plain-log,lab' },
    'cpu-prof': { type: 'string' },
    'compare-register': { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
const connections = Number(args.connections);


const VARIANT_ENV: Record<string, Record<string, string>> = {
  plain: {},
  'plain-log': { BENCH_APP_LOG: '1' },
  lab: {},
  'lab-noexport': { OTEL_TRACES_EXPORTER: 'none' },
  'lab-nolog': { LAB_TELEMETRY_ACCESS_LOG: 'false' },
  'lab-compare': {},
};
const variants = args.variants.split(',');
if (args['compare-register']) variants.push('lab-compare');
for (const variant of variants) if (!(variant in VARIANT_ENV)) throw new Error(`unknown variant ${variant}; known: ${Object.keys(VARIANT_ENV).join(', ')}`);

function startSink(): Promise<{ server: Server; port: number; spansBytes: () => number }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, spansBytes: () => bytes })),
  );
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Started {
  child: ChildProcess;
  port: number;
}

function startApp(variant: string, sinkPort: number): Promise<Started> {
  const lab = variant.startsWith('lab');
  const register = variant === 'lab-compare' ? pathToFileURL(resolve(args['compare-register']!)).href : new URL('../src/register.ts', import.meta.url).href;
  const execArgv = lab ? ['--import', register] : [];
  if (args['cpu-prof']) execArgv.push('--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`, `--cpu-prof-name=${variant}.cpuprofile`);
  const child = fork(new URL('./hello-app.ts', import.meta.url), [], {
    execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: 'bench-hello',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      ...VARIANT_ENV[variant],
    },
  });
  return new Promise((resolve, reject) => {
    child.once('message', (port) => resolve({ child, port: Number(port) }));
    child.once('exit', (code) => reject(new Error(`${variant} exited with ${code} before listening`)));
  });
}

const servedByPort = new Map<number, number>();
async function load(port: number, durationSec: number): Promise<number> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/hello`, connections, duration: durationSec });
  if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  servedByPort.set(port, (servedByPort.get(port) ?? 0) + result.requests.total);
  return result.requests.total;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

const sink = await startSink();
const apps = new Map<string, Started>();
for (const variant of variants) apps.set(variant, await startApp(variant, sink.port));
const micros = new Map<string, number[]>(variants.map((variant) => [variant, []]));
try {
  for (const { port } of apps.values()) await load(port, 2); // warm-up (JIT, pools)
  for (let round = 0; round < rounds; round++) {
    // Alternate the order too, so no variant always runs right after the same neighbour.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const { child } = apps.get(variant)!;
      const before = cpuSeconds(child.pid!);
      const requests = await load(apps.get(variant)!.port, seconds);
      // Spans finished last are exported on the next batch: let the server settle before reading its CPU.
      await new Promise((resolve) => setTimeout(resolve, 300));
      micros.get(variant)!.push(((cpuSeconds(child.pid!) - before) * 1e6) / requests);
    }
  }
} finally {
  for (const { child } of apps.values()) child.disconnect();
  sink.server.close();
}
const plain = stats(micros.get(variants[0]!)!).median;
console.log(`CPU µs per request (median [min-max] of ${rounds} rounds x ${seconds} s, ${connections} connections); ratio = ${variants[0]} / variant`);
for (const [variant, values] of micros) {
  const { median, min, max } = stats(values);
  const served = servedByPort.get(apps.get(variant)!.port);
  console.log(`${variant.padEnd(13)} ${median.toFixed(1).padStart(6)} [${min.toFixed(1)}-${max.toFixed(1)}]  ratio ${(plain / median).toFixed(2)}  (${served} requests in all)`);
}
console.log(`sink received ${(sink.spansBytes() / 1e6).toFixed(1)} MB of OTLP`);
