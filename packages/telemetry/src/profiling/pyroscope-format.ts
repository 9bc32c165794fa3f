// Makes a V8 profile look like the ones the official Pyroscope Node client uploads, so our profiles land in the
// same profile types (wall:*, memory:*) and read the same in flamegraphs as any other Node service's.
import type { Numeric, PprofProfile, ValueType } from './native.ts';

// Pyroscope names sample types after Go's runtime/pprof.
const GO_SAMPLE_TYPE_NAMES: Record<string, string> = {
  sample: 'samples',
  objects: 'inuse_objects',
  space: 'inuse_space',
};

export function toPyroscopeFormat(profile: PprofProfile, cwd: string): void {
  renameSampleTypes(profile);
  qualifyFunctionNames(profile, cwd);
}

function renameSampleTypes(profile: PprofProfile): void {
  // The heap profile's periodType is the same object as one of its sample types: rename each object once.
  const valueTypes = new Set<ValueType>(profile.sampleType);
  if (profile.periodType) valueTypes.add(profile.periodType);
  const { strings } = profile.stringTable;
  for (const valueType of valueTypes) {
    const type = GO_SAMPLE_TYPE_NAMES[strings[Number(valueType.type)] ?? ''];
    if (type !== undefined) valueType.type = profile.stringTable.dedup(type);
    const unit = GO_SAMPLE_TYPE_NAMES[strings[Number(valueType.unit)] ?? ''];
    if (unit !== undefined) valueType.unit = profile.stringTable.dedup(unit);
  }
}

/**
 * `file:function:line`, as the official client names functions: anonymous functions stay apart and files are
 * visible. Undefined when the name stays as it is (no file, or a name that already carries a location).
 */
export function qualifiedFunctionName(file: string, name: string, line: Numeric, cwd: string): string | undefined {
  if (file === '' || (name.includes(':') && !name.startsWith('(anonymous'))) return undefined;
  return `${file.replace(cwd, '.')}:${name}:${line}`;
}

function qualifyFunctionNames(profile: PprofProfile, cwd: string): void {
  const lineOf = new Map<Numeric, Numeric>();
  for (const location of profile.location) {
    for (const line of location.line) if (!lineOf.has(line.functionId)) lineOf.set(line.functionId, line.line);
  }
  const { strings } = profile.stringTable;
  for (const fn of profile.function) {
    const qualified = qualifiedFunctionName(strings[Number(fn.filename)] ?? '', strings[Number(fn.name)] ?? '', lineOf.get(fn.id) ?? 0, cwd);
    if (qualified !== undefined) fn.name = profile.stringTable.dedup(qualified);
  }
}
