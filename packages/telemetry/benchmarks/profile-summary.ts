// Summarises a V8 .cpuprofile (node --cpu-prof): self time by area and by function, and inclusive time of the
// functions of @lab/telemetry, in microseconds per request. An area is a package or a source file of @lab/telemetry;
// node internals and native code count for their nearest caller outside them, so an area says which code causes
// the work (a socket write by the exporter is the exporter's).
//   node packages/telemetry/benchmarks/profile-summary.ts <file.cpuprofile> <requests> [top=25]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, requestsArg, topArg] = process.argv.slice(2);
if (!file || !requestsArg) throw new Error('usage: profile-summary.ts <file.cpuprofile> <requests> [top]');
const requests = Number(requestsArg);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

function areaOf(url: string): string | undefined {
  if (url === '' || url.startsWith('node:')) return undefined;
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm) return pnpm[1];
  const own = /packages\/telemetry\/(src\/.*)$/.exec(url);
  if (own) return `@lab/telemetry ${own[1]}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return modules ? modules[1] : url.replace(/^file:\/\/.*\//, '');
}

function label(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*packages\//, '')}:${frame.lineNumber + 1}`;
}

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);
const selfByArea = new Map<string, number>();
const selfByFunction = new Map<string, number>();
const inclusiveOwn = new Map<string, number>();
let busy = 0;
const add = (map: Map<string, number>, key: string, micros: number) => map.set(key, (map.get(key) ?? 0) + micros);
for (const [index, nodeId] of profile.samples.entries()) {
  const micros = profile.timeDeltas[index + 1] ?? 0;
  const node = byId.get(nodeId)!;
  const name = node.callFrame.functionName;
  if (name === '(idle)' || name === '(program)') continue;
  busy += micros;
  if (IDLE.has(name)) {
    add(selfByArea, name, micros);
    add(selfByFunction, name, micros);
    continue;
  }
  add(selfByFunction, label(node.callFrame), micros);
  let area: string | undefined;
  const seen = new Set<string>();
  for (let id: number | undefined = nodeId; id !== undefined; id = parentOf.get(id)) {
    const frame = byId.get(id)!.callFrame;
    area ??= areaOf(frame.url);
    if (frame.url.includes('packages/telemetry/src/')) {
      const own = label(frame);
      if (!seen.has(own)) add(inclusiveOwn, own, micros);
      seen.add(own);
    }
  }
  add(selfByArea, area ?? 'node internals (no user caller)', micros);
}

const perRequest = (micros: number) => (micros / requests).toFixed(2).padStart(7);
function print(title: string, map: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perRequest(micros)}  ${key}`);
}
console.log(`busy CPU: ${perRequest(busy)} µs per request (${requests} requests)`);
print('self time by area (µs/request; node internals count for their nearest caller)', selfByArea);
print('self time by function (µs/request)', selfByFunction);
print('inclusive time of @lab/telemetry functions (µs/request)', inclusiveOwn);
