// Reads V8 .cpuprofile files (node --cpu-prof) into self time by function and by area, inclusive time of the
// functions of @lab/telemetry, and compares two profiles per unit of work: what one adds over the other. An area is a
// package or a source file of @lab/telemetry; time spent in node internals or native code counts for the nearest
// caller outside them (a socket write by the OTLP exporter is the exporter's), so areas say which code causes the work.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  busyMicros: number;
  byFunction: Map<string, number>;
  byArea: Map<string, number>;
  /** Time with a @lab/telemetry function on the stack (itself or below), per function. */
  telemetryInclusive: Map<string, number>;
}

export interface Hotspot {
  name: string;
  /** Extra self time per request over the baseline, microseconds. */
  microsPerRequest: number;
}

export interface ProfileComparison {
  /** Busy CPU per request, microseconds, of the profiled variant and of the baseline. */
  busyMicrosPerRequest: number;
  baselineBusyMicrosPerRequest: number;
  topFunctions: Hotspot[];
  topAreas: Hotspot[];
}

const IDLE = new Set(['(idle)', '(program)']);
const NODE_INTERNALS = 'node internals';
const NATIVE = '(native)';
const TELEMETRY_SOURCE = 'packages/telemetry/src/';

/**
 * Self times of the samples taken after skipMs from the start of the profile (startup is not the work measured).
 * A sample lasts until the next one: timeDeltas[i + 1].
 */
export function readSelfTime(path: string, skipMs = 0): SelfTime {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const parents = new Map<number, number>();
  const frames = new Map<number, CallFrame>();
  for (const node of profile.nodes) {
    frames.set(node.id, node.callFrame);
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const owners = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owners.get(id);
    if (known !== undefined) return known;
    const { url, functionName } = frames.get(id)!;
    const own = areaOf(url, functionName);
    const parent = parents.get(id);
    const owner = (own === NODE_INTERNALS || own === NATIVE) && parent !== undefined && frames.get(parent)!.functionName !== '(root)' ? ownerOf(parent) : own;
    owners.set(id, owner);
    return owner;
  };

  const result: SelfTime = { busyMicros: 0, byFunction: new Map(), byArea: new Map(), telemetryInclusive: new Map() };
  let elapsedMicros = 0;
  for (const [i, nodeId] of profile.samples.entries()) {
    elapsedMicros += profile.timeDeltas[i] ?? 0;
    const micros = profile.timeDeltas[i + 1] ?? 0;
    const frame = frames.get(nodeId)!;
    if (elapsedMicros < skipMs * 1000 || micros === 0 || IDLE.has(frame.functionName)) continue;
    result.busyMicros += micros;
    add(result.byFunction, label(frame), micros);
    add(result.byArea, ownerOf(nodeId), micros);
    const seen = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
      const caller = frames.get(id)!;
      if (!caller.url.includes(TELEMETRY_SOURCE)) continue;
      const name = label(caller);
      if (!seen.has(name)) add(result.telemetryInclusive, name, micros);
      seen.add(name);
    }
  }
  return result;
}

/** What `profiled` spends per request beyond `baseline`, by function and by area, largest first. */
export function compareProfiles(profiled: SelfTime, requests: number, baseline: SelfTime, baselineRequests: number, top = 15): ProfileComparison {
  const extra = (a: Map<string, number>, b: Map<string, number>) =>
    [...new Set([...a.keys(), ...b.keys()])]
      .map((name) => ({ name, microsPerRequest: round((a.get(name) ?? 0) / requests - (b.get(name) ?? 0) / baselineRequests) }))
      .sort((x, y) => y.microsPerRequest - x.microsPerRequest)
      .slice(0, top);
  return {
    busyMicrosPerRequest: round(profiled.busyMicros / requests),
    baselineBusyMicrosPerRequest: round(baseline.busyMicros / baselineRequests),
    topFunctions: extra(profiled.byFunction, baseline.byFunction),
    topAreas: extra(profiled.byArea, baseline.byArea),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function add<K>(map: Map<K, number>, key: K, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

function label({ functionName, url, lineNumber }: CallFrame): string {
  const where = shortUrl(url);
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : NATIVE}`;
}

/** node_modules/.pnpm/<pkg>@<v>/node_modules/<pkg>/x.js -> <pkg>/x.js; repository files relative to the root. */
function shortUrl(url: string): string {
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/(.+)$/.exec(url);
  if (pnpm) return pnpm[1]!;
  const repo = /\/(packages|bench|services)\/(.+)$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url;
}

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') && functionName !== '(anonymous)' ? functionName : NATIVE;
  if (url.startsWith('node:')) return NODE_INTERNALS;
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm) return pnpm[1]!;
  const telemetry = new RegExp(`${TELEMETRY_SOURCE}(.+)$`).exec(url);
  if (telemetry) return `@lab/telemetry ${telemetry[1]}`;
  return shortUrl(url);
}
