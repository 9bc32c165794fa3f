// Serializes one window of the wall profiler (its raw call tree) straight into pprof protobuf, in slices of at most
// SLICE_BUDGET_MS with a turn of the event loop between them, so requests are served while a window is encoded. What
// it writes is what @datadog/pprof's serializeTimeProfile followed by toPyroscopeFormat produced, message for message
// (pprof profile.proto, google/pprof proto/profile.proto; checked by decoding both in the tests):
// - values per sample: samples/count, wall/nanoseconds and, with CPU time, cpu/nanoseconds; period type wall;
// - a sample per labelled context (one hit each) and one for the node's unlabelled rest;
// - `(program)` and `(idle)` without contexts dropped; `(garbage collector)` and the CPU time of other threads under
//   a `Node.js` node, as `Garbage Collection` and `Non JS threads activity`;
// - functions named `file:function:line` (cwd shown as `.`), as the official Pyroscope client names them.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { WIRE_LENGTH, Writer } from '../protobuf/writer.ts';
import type { GenerateLabels, LabelSet, TimeProfile, TimeProfileNode } from './native.ts';
import { qualifiedFunctionName } from './pyroscope-format.ts';

const gzipAsync = promisify(gzip);

/** The longest synchronous stretch of serialization before it yields to the event loop. */
const SLICE_BUDGET_MS = 2;
/** Nodes serialized between two clock reads. */
const NODES_PER_CLOCK_READ = 32;
const INITIAL_CAPACITY = 64 * 1024;
const RUNTIME_NODE_NAME = 'Node.js';
const GARBAGE_COLLECTION_NAME = 'Garbage Collection';
const NON_JS_THREADS_NAME = 'Non JS threads activity';

export interface WallProfileEncoding {
  /** The interval the profiler was asked for; the one written is recomputed from the window and its hits. */
  intervalMicros: number;
  generateLabels: GenerateLabels;
  /** Shown as `.` in file names. */
  cwd: string;
}

interface LocationEntry {
  id: number;
  functionId: number;
  line: number;
}

interface FunctionEntry {
  id: number;
  name: number;
  systemName: number;
  filename: number;
}

/** How the serialization of one window used the main thread. */
export interface SerializationSlices {
  /** Synchronous stretches, each followed by a turn of the event loop. */
  count: number;
  longestMs: number;
}

/** gzip-compressed pprof of one wall profile window, as Pyroscope's ingest takes it. */
export async function encodeWallProfile(profile: TimeProfile, encoding: WallProfileEncoding, slices?: SerializationSlices): Promise<Uint8Array> {
  const pprof = await serializeWallProfile(profile, encoding, slices);
  return gzipAsync(pprof);
}

/** Uncompressed pprof bytes; yields to the event loop between slices, which it counts and times into `slices`. */
export async function serializeWallProfile(
  profile: TimeProfile,
  encoding: WallProfileEncoding,
  slices: SerializationSlices = { count: 0, longestMs: 0 },
): Promise<Uint8Array> {
  const serializer = new WallProfileSerializer(profile, encoding);
  let sliceStart = performance.now();
  const endSlice = () => {
    slices.count += 1;
    slices.longestMs = Math.max(slices.longestMs, performance.now() - sliceStart);
  };
  while (serializer.step(NODES_PER_CLOCK_READ)) {
    if (performance.now() - sliceStart < SLICE_BUDGET_MS) continue;
    endSlice();
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  }
  const pprof = serializer.finish();
  endSlice();
  return pprof;
}

class WallProfileSerializer {
  readonly #writer = new Writer(INITIAL_CAPACITY);
  readonly #strings = new Map<string, number>([['', 0]]);
  readonly #locations: LocationEntry[] = [];
  readonly #locationIds = new Map<string, number>();
  readonly #functions: FunctionEntry[] = [];
  readonly #functionIds = new Map<string, number>();
  /** Label sets already turned into [key, value] string indexes: a request's samples share one set. */
  readonly #labelIndexes = new Map<LabelSet, number[]>();
  readonly #generateLabels: GenerateLabels;
  readonly #cwd: string;
  readonly #hasCpuTime: boolean;
  readonly #intervalNanos: number;
  readonly #durationNanos: number;
  /** Depth-first, last child first (as pprof's serializer walks): nodes still to visit and their depths. */
  readonly #pending: TimeProfileNode[];
  readonly #pendingDepths: number[];
  /** Location ids of the current path, root first. */
  readonly #path: number[] = [];

  constructor(profile: TimeProfile, encoding: WallProfileEncoding) {
    this.#generateLabels = encoding.generateLabels;
    this.#cwd = encoding.cwd;
    this.#hasCpuTime = profile.hasCpuTime === true;
    const durationMicros = profile.endTime - profile.startTime;
    this.#durationNanos = durationMicros * 1000;
    this.#intervalNanos = averageIntervalMicros(profile.topDownRoot, durationMicros, encoding.intervalMicros) * 1000;
    this.#pending = topLevelNodes(profile);
    this.#pendingDepths = this.#pending.map(() => 0);
    this.#valueType(1, 'samples', 'count');
    this.#valueType(1, 'wall', 'nanoseconds');
    if (this.#hasCpuTime) this.#valueType(1, 'cpu', 'nanoseconds');
  }

  /** Serializes up to `nodes` nodes; false when the tree is done. */
  step(nodes: number): boolean {
    for (let count = 0; count < nodes; count++) {
      const node = this.#pending.pop();
      if (node === undefined) return false;
      const depth = this.#pendingDepths.pop()!;
      this.#path.length = depth + 1;
      this.#path[depth] = this.#location(node);
      this.#samples(node);
      for (const child of node.children) {
        this.#pending.push(child);
        this.#pendingDepths.push(depth + 1);
      }
    }
    return this.#pending.length > 0;
  }

  finish(): Uint8Array {
    const writer = this.#writer;
    for (const location of this.#locations) {
      writer.tag(4, WIRE_LENGTH);
      const start = writer.begin(1);
      writer.varintField(1, location.id);
      writer.tag(4, WIRE_LENGTH);
      const line = writer.begin(1);
      writer.varintField(1, location.functionId);
      writer.varintField(2, location.line);
      writer.end(line, 1);
      writer.end(start, 1);
    }
    for (const fn of this.#functions) {
      writer.tag(5, WIRE_LENGTH);
      const start = writer.begin(1);
      writer.varintField(1, fn.id);
      writer.varintField(2, fn.name);
      writer.varintField(3, fn.systemName);
      writer.varintField(4, fn.filename);
      writer.end(start, 1);
    }
    for (const text of this.#strings.keys()) writer.string(6, text);
    writer.varintField(9, Date.now() * 1e6);
    writer.varintField(10, this.#durationNanos);
    this.#valueType(11, 'wall', 'nanoseconds');
    writer.varintField(12, this.#intervalNanos);
    return writer.buffer.subarray(0, writer.pos);
  }

  #string(text: string): number {
    let index = this.#strings.get(text);
    if (index === undefined) {
      index = this.#strings.size;
      this.#strings.set(text, index);
    }
    return index;
  }

  #valueType(field: number, type: string, unit: string): void {
    const writer = this.#writer;
    writer.tag(field, WIRE_LENGTH);
    const start = writer.begin(1);
    writer.varintField(1, this.#string(type));
    writer.varintField(2, this.#string(unit));
    writer.end(start, 1);
  }

  #location(node: TimeProfileNode): number {
    const key = `${node.scriptId}:${node.lineNumber}:${node.columnNumber}:${node.name}`;
    let id = this.#locationIds.get(key);
    if (id === undefined) {
      id = this.#locations.length + 1;
      this.#locationIds.set(key, id);
      this.#locations.push({ id, functionId: this.#function(node), line: node.lineNumber });
    }
    return id;
  }

  #function(node: TimeProfileNode): number {
    const key = node.name ? `${node.scriptId}:${node.name}` : `${node.scriptId}:${node.lineNumber}:${node.columnNumber}`;
    let id = this.#functionIds.get(key);
    if (id === undefined) {
      id = this.#functions.length + 1;
      this.#functionIds.set(key, id);
      const file = node.scriptName.startsWith('file://') ? node.scriptName.slice(7) : node.scriptName;
      const name = node.name || anonymousName(node);
      const systemName = this.#string(name);
      const qualified = qualifiedFunctionName(file, name, node.lineNumber, this.#cwd);
      this.#functions.push({ id, name: qualified === undefined ? systemName : this.#string(qualified), systemName, filename: this.#string(file) });
    }
    return id;
  }

  /** pprof's rules: each labelled context is a sample of one hit; the unlabelled hits and CPU time make one more. */
  #samples(node: TimeProfileNode): void {
    const isIdle = node.name === '(idle)';
    let unlabelledHits = node.hitCount;
    let unlabelledCpuTime = 0;
    for (const context of node.contexts ?? []) {
      const labels = this.#labels(this.#generateLabels({ context }));
      if (labels.length > 0) {
        const hits = unlabelledHits > 0 ? 1 : 0;
        this.#sample(hits, hits > 0 && !isIdle ? this.#intervalNanos : 0, context.cpuTime ?? 0, labels);
        unlabelledHits--;
      } else {
        unlabelledCpuTime += context.cpuTime ?? 0;
      }
    }
    if ((!isIdle && unlabelledHits > 0) || unlabelledCpuTime > 0) {
      const hits = Math.max(unlabelledHits, 0);
      this.#sample(hits, isIdle ? 0 : hits * this.#intervalNanos, unlabelledCpuTime, this.#labels(this.#generateLabels({})));
    }
  }

  #labels(labelSet: LabelSet): number[] {
    let indexes = this.#labelIndexes.get(labelSet);
    if (indexes === undefined) {
      indexes = [];
      for (const [key, value] of Object.entries(labelSet)) indexes.push(this.#string(key), this.#string(value));
      this.#labelIndexes.set(labelSet, indexes);
    }
    return indexes;
  }

  #sample(hits: number, wallNanos: number, cpuNanos: number, labels: number[]): void {
    const writer = this.#writer;
    const path = this.#path;
    writer.tag(2, WIRE_LENGTH);
    const start = writer.begin(1);
    // Leaf first.
    writer.tag(1, WIRE_LENGTH);
    const locations = writer.begin(1);
    for (let depth = path.length - 1; depth >= 0; depth--) writer.varint(path[depth]!);
    writer.end(locations, 1);
    writer.tag(2, WIRE_LENGTH);
    const values = writer.begin(1);
    writer.varint(hits);
    writer.varint(wallNanos);
    if (this.#hasCpuTime) writer.varint(cpuNanos);
    writer.end(values, 1);
    for (let index = 0; index < labels.length; index += 2) {
      writer.tag(3, WIRE_LENGTH);
      const label = writer.begin(1);
      writer.varintField(1, labels[index]!);
      writer.varintField(2, labels[index + 1]!);
      writer.end(label, 1);
    }
    writer.end(start, 1);
  }
}

/** The top of the tree as pprof's serializer rearranges it (see the file comment), in its order. */
function topLevelNodes(profile: TimeProfile): TimeProfileNode[] {
  const topLevel: TimeProfileNode[] = [];
  let runtime: TimeProfileNode | undefined;
  const runtimeChildren = () => {
    if (runtime === undefined) {
      runtime = syntheticNode(RUNTIME_NODE_NAME, []);
      topLevel.push(runtime);
    }
    return runtime.children;
  };
  for (const child of profile.topDownRoot.children) {
    if (child.name === '(program)') continue;
    if (child.name === '(idle)' && child.contexts?.length === 0) continue;
    if (child.name === '(garbage collector)') runtimeChildren().push({ ...child, name: GARBAGE_COLLECTION_NAME });
    else topLevel.push(child);
  }
  if (profile.hasCpuTime && profile.nonJSThreadsCpuTime) {
    runtimeChildren().push({
      ...syntheticNode(NON_JS_THREADS_NAME, []),
      // Other threads' CPU time is no wall time: no hits, one unlabelled context carrying it.
      contexts: [{ timestamp: 0n, cpuTime: profile.nonJSThreadsCpuTime }],
    });
  }
  return topLevel;
}

function syntheticNode(name: string, children: TimeProfileNode[]): TimeProfileNode {
  return { name, scriptName: '', scriptId: 0, lineNumber: 0, columnNumber: 0, hitCount: 0, children };
}

function anonymousName(node: TimeProfileNode): string {
  if (!node.lineNumber) return '(anonymous)';
  return node.columnNumber ? `(anonymous:L#${node.lineNumber}:C#${node.columnNumber})` : `(anonymous:L#${node.lineNumber})`;
}

/**
 * The average time between samples, as pprof recomputes it: V8 samples less often than asked (12.5 ms for 10, say),
 * so the window's duration over its hits is closer; kept between the interval asked for and twice that.
 */
function averageIntervalMicros(root: TimeProfileNode, durationMicros: number, intervalMicros: number): number {
  const hits = totalHits(root);
  if (hits === 0) return intervalMicros;
  return Math.min(Math.max(Math.floor(durationMicros / hits), intervalMicros), 2 * intervalMicros);
}

function totalHits(root: TimeProfileNode): number {
  let hits = 0;
  const pending = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    hits += node.hitCount;
    for (const child of node.children) pending.push(child);
  }
  return hits;
}
