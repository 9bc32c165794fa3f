// Reads a V8 .cpuprofile (node --cpu-prof) into what the report shows: self time by function and by area (a package,
// a source file of @lab/telemetry, node internals, GC), as shares of the busy (non-idle) time.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  /** Share of busy time, percent. */
  percent: number;
}

export interface ProfileSummary {
  busyMs: number;
  topFunctions: Hotspot[];
  topAreas: Hotspot[];
}

const IDLE = new Set(['(idle)', '(program)']);

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((nodeId, i) => selfMicros.set(nodeId, (selfMicros.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (micros === 0 || IDLE.has(functionName)) continue;
    busy += micros;
    const where = shortUrl(url);
    add(byFunction, `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : '(native)'}`, micros);
    add(byArea, areaOf(url, functionName), micros);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, percent: Math.round((1000 * micros) / busy) / 10 }));
  return { busyMs: Math.round(busy / 1000), topFunctions: ranked(byFunction), topAreas: ranked(byArea) };
}

function add(map: Map<string, number>, key: string, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

/** node_modules/.pnpm/<pkg>@<v>/node_modules/<pkg>/x.js -> <pkg>@<v>/x.js; repository files relative to the root. */
function shortUrl(url: string): string {
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/(.+)$/.exec(url);
  if (pnpm) return pnpm[1]!;
  const repo = /\/(packages|bench|services)\/(.+)$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url;
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm) return pnpm[1]!;
  const telemetry = /packages\/telemetry\/src\/(.+)$/.exec(url);
  if (telemetry) return `@lab/telemetry ${telemetry[1]}`;
  return shortUrl(url);
}
