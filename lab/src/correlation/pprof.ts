// Reads pprof profiles (gzipped or not) and selects the samples labelled with one span id: the summary the walker
// checks and the stack tree the report draws as a flamegraph.
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import type { ProfileSummary } from './types.ts';

export interface FlameNode {
  name: string;
  value: number;
  children: FlameNode[];
}

export function decodePprof(buffer: Uint8Array): Profile {
  const raw = buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer) : buffer;
  return Profile.decode(raw);
}

/** Index of the sample value to weigh by: wall time shows where a slow span waited, else CPU, else the last type. */
export function valueIndex(profile: Profile): number {
  const types = profile.sampleType.map((type) => profile.stringTable.strings[Number(type.type)]);
  for (const wanted of ['wall', 'cpu']) {
    const index = types.indexOf(wanted);
    if (index >= 0) return index;
  }
  return Math.max(0, types.length - 1);
}

export function sampleLabel(profile: Profile, labels: { key: number | bigint; str: number | bigint }[], key: string): string | undefined {
  const strings = profile.stringTable.strings;
  const label = labels.find((candidate) => strings[Number(candidate.key)] === key);
  return label ? strings[Number(label.str)] : undefined;
}

/** Root-first function names of one sample's stack. */
function stackOf(profile: Profile, locationIds: (number | bigint)[]): string[] {
  const strings = profile.stringTable.strings;
  const locations = new Map(profile.location.map((location) => [Number(location.id), location]));
  const functions = new Map(profile.function.map((fn) => [Number(fn.id), fn]));
  const leafFirst: string[] = [];
  for (const id of locationIds) {
    const location = locations.get(Number(id));
    // Inlined frames: line[0] is the innermost.
    for (const line of location?.line ?? []) {
      const fn = functions.get(Number(line.functionId));
      leafFirst.push((fn && strings[Number(fn.name)]) || '(unknown)');
    }
  }
  return leafFirst.reverse();
}

/** Samples of the given profiles whose `span_id` label equals spanId (every sample when spanId is undefined). */
function* spanStacks(profiles: Profile[], spanId: string | undefined): Generator<{ stack: string[]; value: number }> {
  for (const profile of profiles) {
    const index = valueIndex(profile);
    for (const sample of profile.sample) {
      if (spanId !== undefined && sampleLabel(profile, sample.label, 'span_id') !== spanId) continue;
      const value = Number(sample.value[index] ?? 0);
      if (value > 0) yield { stack: stackOf(profile, sample.locationId), value };
    }
  }
}

export function summarize(serviceName: string, profiles: Profile[], spanId: string | undefined): ProfileSummary | undefined {
  const self = new Map<string, number>();
  let total = 0;
  for (const { stack, value } of spanStacks(profiles, spanId)) {
    total += value;
    const leaf = stack[stack.length - 1] ?? '(unknown)';
    self.set(leaf, (self.get(leaf) ?? 0) + value);
  }
  if (total === 0) return undefined;
  const topFunctions = [...self].map(([name, value]) => ({ name, self: value })).sort((a, b) => b.self - a.self).slice(0, 20);
  return { serviceName, total, topFunctions };
}

export function flameTree(rootName: string, profiles: Profile[], spanId: string | undefined): FlameNode {
  const root: FlameNode = { name: rootName, value: 0, children: [] };
  for (const { stack, value } of spanStacks(profiles, spanId)) {
    root.value += value;
    let node = root;
    for (const name of stack) {
      let child = node.children.find((candidate) => candidate.name === name);
      if (!child) {
        child = { name, value: 0, children: [] };
        node.children.push(child);
      }
      child.value += value;
      node = child;
    }
  }
  return root;
}

/** Distinct span ids found in sample labels: tells whether span profiles are being delivered at all. */
export function labelledSpanIds(profiles: Profile[]): Set<string> {
  const ids = new Set<string>();
  for (const profile of profiles) {
    for (const sample of profile.sample) {
      const id = sampleLabel(profile, sample.label, 'span_id');
      if (id) ids.add(id);
    }
  }
  return ids;
}
