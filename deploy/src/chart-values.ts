// Helm values held to the chart they configure. Each chart version we pin (Applications, the README's `cilium install`)
// has a contract, deploy/upstream/charts/<chart>-<version>/contract.json, written by scripts/vendor-chart-schemas.ts
// from the chart's default values.yaml, its templates and, where it has one, its values.schema.json: every key path the
// chart knows, with the types and enums its schema declares and the maps it leaves free-form. The contract is a list
// of facts (names, types), not a copy of the upstream files. A values file is validated with ajv against the JSON
// Schema built from the contract: an unknown key, a wrong type or a value outside an enum is an error naming the key.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { type ArgoApp, deepMerge } from './inventory.ts';
import { type Json, type JsonObject, parseYaml } from './manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from './paths.ts';

export const CONTRACTS_DIR = join(DEPLOY_DIR, 'upstream', 'charts');

/**
 * What the chart says about one key path:
 * - `open`: a map whose keys the chart does not fix (an empty map `{}` in its defaults, an object without properties
 *   or with `additionalProperties` in its schema, a subtree its templates render whole): keys below it are accepted,
 *   those the contract lists are still checked;
 * - `any`: the default is null and no schema says more;
 * - `scalar` / `list`: the default's kind, when there is no schema (a map is an error there);
 * - `{ type, enum }`: what the schema declares.
 * A path absent from the contract but the prefix of others is a map with exactly those keys.
 */
export type PathRule = 'open' | 'any' | 'scalar' | 'list' | { type?: string[]; enum?: Json[] };

export interface ChartSource {
  repo: string;
  path: string;
  commit: string;
  /** Commit date (YYYY-MM-DD). */
  date: string;
  /** The files the contract was derived from, relative to `path`. */
  files: string[];
}

export interface ChartContract {
  chart: string;
  version: string;
  /** The chart's Chart.yaml `appVersion` at that release: the version of the software it installs by default. */
  appVersion: string;
  source: ChartSource;
  paths: Record<string, PathRule>;
}

/** Keys may hold dots (`grafana.ini`): they are escaped so a path stays one string. */
export function joinPath(segments: string[]): string {
  return segments.map((segment) => segment.replace(/\\/g, '\\\\').replace(/\./g, '\\.')).join('.');
}

export function splitPath(path: string): string[] {
  return (path.match(/(?:\\.|[^.\\])+/g) ?? []).map((segment) => segment.replace(/\\(.)/g, '$1'));
}

const isMap = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The key paths of a chart's default values: maps are walked, everything else is a leaf. */
function defaultPaths(values: JsonObject, prefix: string[] = [], into: Record<string, PathRule> = {}): Record<string, PathRule> {
  for (const [key, value] of Object.entries(values)) {
    const path = [...prefix, key];
    if (isMap(value)) {
      if (Object.keys(value).length === 0) into[joinPath(path)] = 'open';
      else defaultPaths(value, path, into);
    } else into[joinPath(path)] = value === null ? 'any' : Array.isArray(value) ? 'list' : 'scalar';
  }
  return into;
}

type Schema = { [key: string]: Json };

function resolve(root: Schema, schema: Schema, seen: Set<string>): Schema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/') || seen.has(ref)) return schema;
  seen.add(ref);
  let target: Json = root;
  for (const part of ref.slice(2).split('/')) target = isMap(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')]! : null;
  return isMap(target) ? resolve(root, { ...target, ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$ref')) }, seen) : schema;
}

/** The alternatives and conjuncts of a schema, flattened: their properties, types and enums are united. */
function branches(root: Schema, schema: Schema, seen: Set<string>): Schema[] {
  const resolved = resolve(root, schema, seen);
  const nested = ['allOf', 'anyOf', 'oneOf'].flatMap((keyword) => (Array.isArray(resolved[keyword]) ? (resolved[keyword] as Json[]) : []));
  return [resolved, ...nested.filter(isMap).flatMap((branch) => branches(root, branch, seen))];
}

/** The key paths a values.schema.json declares (properties, through local $refs and allOf/anyOf/oneOf). */
function schemaPaths(root: Schema, schema: Schema = root, prefix: string[] = [], into: Record<string, PathRule> = {}, depth = 0): Record<string, PathRule> {
  const parts = branches(root, schema, new Set());
  const properties = new Map<string, Schema[]>();
  for (const part of parts) {
    if (!isMap(part['properties'])) continue;
    for (const [key, sub] of Object.entries(part['properties'])) if (isMap(sub)) properties.set(key, [...(properties.get(key) ?? []), sub]);
  }
  for (const [key, subs] of properties) {
    const path = [...prefix, key];
    const subParts = subs.flatMap((sub) => branches(root, sub, new Set()));
    const types = new Set(subParts.flatMap((part) => (typeof part['type'] === 'string' ? [part['type']] : Array.isArray(part['type']) ? part['type'].map(String) : [])));
    const enums = subParts.flatMap((part) => (Array.isArray(part['enum']) ? part['enum'] : []));
    const hasProperties = subParts.some((part) => isMap(part['properties']) && Object.keys(part['properties']).length > 0);
    if (hasProperties && depth < 32) {
      schemaPaths(root, { allOf: subs }, path, into, depth + 1);
      // A map that also takes keys of its own choosing (`additionalProperties: true` next to declared properties).
      if (subParts.some((part) => part['additionalProperties'] === true || isMap(part['additionalProperties']) || isMap(part['patternProperties']))) into[joinPath(path)] = 'open';
    } else if (types.size === 0 || types.has('object')) into[joinPath(path)] = types.size === 0 && enums.length === 0 ? 'any' : 'open';
    else into[joinPath(path)] = { type: [...types].sort(), ...(enums.length > 0 && subParts.every((part) => Array.isArray(part['enum'])) ? { enum: enums } : {}) };
  }
  return into;
}

const ancestors = (path: string): string[] => {
  const segments = splitPath(path);
  return segments.slice(1).map((_, index) => joinPath(segments.slice(0, index + 1)));
};

/**
 * A chart's contract paths: the schema's declarations win; defaults add the keys the schema leaves undeclared
 * (a schema that types only some keys still does not make the others unknown).
 */
export function contractPaths(defaults: JsonObject, schema?: Schema): Record<string, PathRule> {
  const fromDefaults = defaultPaths(defaults);
  if (!schema) return fromDefaults;
  const fromSchema = schemaPaths(schema);
  const merged: Record<string, PathRule> = { ...fromSchema };
  // An object the schema leaves undescribed where the defaults show its keys: the defaults (and the templates, see
  // templatePaths) say what it takes, as they do for a chart without a schema.
  const hasChildren = (paths: Record<string, PathRule>, path: string) => Object.keys(paths).some((other) => other.startsWith(`${path}.`));
  for (const [path, rule] of Object.entries(fromSchema)) {
    if (rule === 'open' && !hasChildren(fromSchema, path) && hasChildren(fromDefaults, path)) delete merged[path];
  }
  for (const [path, rule] of Object.entries(fromDefaults)) {
    if (path in merged) continue;
    // Below a path the schema leaves open or types, the defaults' sub-keys are examples, not a closed list.
    if (!ancestors(path).some((ancestor) => merged[ancestor] === 'open' || typeof merged[ancestor] === 'object')) merged[path] = rule;
  }
  return merged;
}

// `.Values.a.b` (or `index .Values "a.b"`, `dig "b" "c" default .Values.a`) read by a template, and rendered whole
// (`toYaml`, `range $k, $v :=`, or a `with` block that renders `toYaml .`): the keys of a subtree rendered whole are the
// chart user's, not the chart's.
const VALUES = String.raw`(?:\$?\.Values((?:\.[A-Za-z_]\w*)+)|index\s+\$?\.Values\s+"([^"]+)")`;
const READ = new RegExp(VALUES, 'g');
const RENDERED = [
  // (not `sha256sum (toYaml .Values.x)`: a checksum of the subtree renders none of it)
  new RegExp(String.raw`(?:(?<!(?:sha256sum|sha1sum|adler32sum)\s*\(\s*)toYaml|range\s+\$\w+\s*,\s*\$\w+\s*:=)\s*\(?\s*${VALUES}\s*\)?\s*(?:\||\)|-?}})`, 'g'),
  new RegExp(String.raw`with\s+${VALUES}\s*-?}}(?:(?!{{-?\s*end)[\s\S]){0,200}?(?:toYaml\s+\.\s|\.\s*\|\s*toYaml)`, 'g'),
];
const DIG = /dig((?:\s+"[^"]+")+?)\s+(?:"[^"]*"|\(?\w+\)?)\s+\$?\.Values((?:\.[A-Za-z_]\w*)*)/g;
// `mustMergeOverwrite $.Values (index $.Values "pilot")`: Istio's charts accept every key under a legacy prefix too.
const ALIAS = /mustMergeOverwrite\s+\$\.Values\s+\(index\s+\$\.Values\s+"([^"]+)"\)/g;
const matchedPath = (match: RegExpMatchArray): string => (match[1] ? joinPath(match[1].slice(1).split('.')) : joinPath([match[2]!]));

/**
 * Adds what a chart's templates say to its contract paths: keys they read that the defaults only mention in comments
 * (`any`), and subtrees they render whole (`open`). A path below a leaf the contract already types is left alone.
 */
export function templatePaths(paths: Record<string, PathRule>, templates: string[]): Record<string, PathRule> {
  const result = { ...paths };
  const aliases = templates.flatMap((text) => [...text.matchAll(ALIAS)].map((match) => joinPath([match[1]!])));
  for (const alias of aliases) for (const [path, rule] of Object.entries(paths)) result[`${alias}.${path}`] = rule;
  const underLeaf = (path: string) => ancestors(path).some((ancestor) => result[ancestor] !== undefined);
  for (const match of templates.flatMap((text) => RENDERED.flatMap((pattern) => [...text.matchAll(pattern)]))) {
    const path = matchedPath(match);
    if (!underLeaf(path) && (result[path] === undefined || result[path] === 'any')) result[path] = 'open';
  }
  const digs = templates.flatMap((text) => [...text.matchAll(DIG)]).map((match) => joinPath([...match[2]!.split('.').slice(1), ...[...match[1]!.matchAll(/"([^"]+)"/g)].map((key) => key[1]!)]));
  const reads = new Set([...templates.flatMap((text) => [...text.matchAll(READ)].map(matchedPath)), ...digs]);
  // A path read whole (`if .Values.a`) and deeper (`.Values.a.b`) is a map: only its deepest reads are leaves.
  const hasBelow = (path: string, paths: Iterable<string>) => [...paths].some((other) => other.startsWith(`${path}.`));
  for (const path of reads) {
    if (path in result || hasBelow(path, Object.keys(result)) || hasBelow(path, reads) || underLeaf(path) || aliases.includes(path)) continue;
    result[path] = 'any';
  }
  return result;
}

/** Paths of a chart the validation treats as free-form beyond what its contract says, each with the reason. */
export interface OpenPath {
  chart: string;
  path: string;
  reason: string;
}

/** Contract paths as a tree of their segments; the path '' is the root's rule. */
export interface PathNode<Rule> {
  rule?: Rule;
  children: Map<string, PathNode<Rule>>;
}

export function pathTree<Rule>(paths: Record<string, Rule>): PathNode<Rule> {
  const root: PathNode<Rule> = { children: new Map() };
  for (const [path, rule] of Object.entries(paths)) {
    let node = root;
    for (const segment of splitPath(path)) {
      const child = node.children.get(segment) ?? { children: new Map() };
      node.children.set(segment, child);
      node = child;
    }
    node.rule = rule;
  }
  return root;
}

// Helm drops a key whose value is null (how a values file removes a default), so null is always accepted. Below an
// open map, the keys the defaults happen to show are checked for their kind but do not close their own maps.
function toSchema(node: PathNode<PathRule>, inOpen = false): Schema {
  const rule = node.rule;
  if (node.children.size > 0) {
    const open = inOpen || rule === 'open' || rule === 'any';
    const properties = Object.fromEntries([...node.children].map(([key, child]) => [key, toSchema(child, open)]));
    return { type: ['object', 'null'], properties, additionalProperties: open };
  }
  if (rule === undefined || rule === 'open' || rule === 'any') return {};
  if (rule === 'scalar') return { not: { type: 'object' } };
  if (rule === 'list') return { type: ['array', 'null'] };
  return { ...(rule.type ? { type: [...new Set([...rule.type, 'null'])] } : {}), ...(rule.enum ? { enum: [...rule.enum, null] } : {}) };
}

/** The JSON Schema a values file must satisfy, from a contract and the paths opened on top of it. */
function valuesSchema(contract: ChartContract, open: OpenPath[] = []): Schema {
  const paths = { ...contract.paths };
  for (const extra of open) if (extra.chart === contract.chart) paths[extra.path] = 'open';
  return toSchema(pathTree(paths));
}

function describe(error: ErrorObject): string {
  const at = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    return `${joinPath([...at, key])}: unknown key (not in the chart's values)`;
  }
  if (error.keyword === 'not') return `${joinPath(at)}: a map where the chart has a single value`;
  if (error.keyword === 'enum') return `${joinPath(at)}: ${error.message} (${JSON.stringify((error.params as { allowedValues: Json[] }).allowedValues.filter((value) => value !== null))})`;
  return `${joinPath(at)}: ${error.message}`;
}

/** Every problem of a values object against a chart contract, one line each naming the key path. */
export function validateValues(values: JsonObject, contract: ChartContract, open: OpenPath[] = []): string[] {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(valuesSchema(contract, open));
  if (validate(values)) return [];
  return [...new Set((validate.errors ?? []).map(describe))];
}

/** A contract file with one path per line, so a refresh diffs key by key (the chart and the CRD contracts alike). */
export function serializeContract(contract: { paths: Record<string, unknown> }): string {
  const { paths, ...head } = contract;
  const top = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const lines = Object.keys(paths)
    .sort()
    .map((path) => `    ${JSON.stringify(path)}: ${JSON.stringify(paths[path])}`);
  return `${top},\n  "paths": {\n${lines.join(',\n')}\n  }\n}\n`;
}

export function loadContracts(dir: string = CONTRACTS_DIR): ChartContract[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'contract.json')))
    .map((entry) => JSON.parse(readFileSync(join(dir, entry.name, 'contract.json'), 'utf8')) as ChartContract);
}

/** A chart release a file of ours pins: an Argo CD Application's Helm source, or the README's `cilium install`. */
export interface PinnedRelease {
  name: string;
  /** The file that pins the chart version. */
  where: string;
  chart: string;
  version: string;
}

/** A pinned chart release installed with values of ours. */
export interface ValuedRelease extends PinnedRelease {
  valueFiles: string[];
  values: JsonObject;
}

/** The contract of a release's pinned chart version; none when the contracts lack that exact version. */
export function contractFor(release: Pick<PinnedRelease, 'chart' | 'version'>, contracts: ChartContract[]): ChartContract | undefined {
  return contracts.find((contract) => contract.chart === release.chart && contract.version === release.version);
}

/** A `--set a.b=value` override as a values object (Helm reads true/false/null and numbers as such). */
function setFlag(assignment: string): JsonObject {
  const [path = '', raw = ''] = assignment.split(/=(.*)/s);
  const value: Json = raw === 'true' ? true : raw === 'false' ? false : raw === 'null' ? null : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  // Helm escapes a dot inside a key as `\.`, as joinPath does.
  return splitPath(path)
    .reverse()
    .reduce<Json>((inner, key) => ({ [key]: inner }), value) as JsonObject;
}

/** The shell lines of a Markdown text's ```sh blocks: continuation lines joined, trailing comments dropped. */
export function shellLines(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((block) => (block[1] ?? '').replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim());
}

/**
 * The README's `cilium install` (Cilium's Helm chart, installed by the Cilium CLI before Argo CD exists): its
 * `--version`, its `--values` files and `--set` overrides, in Helm's order (files, then sets).
 */
export function ciliumBootstrap(readme: string = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8')): ValuedRelease | undefined {
  const line = shellLines(readme).find((candidate) => /^cilium install\b/.test(candidate));
  if (!line) return undefined;
  const flag = (names: string) => [...line.matchAll(new RegExp(String.raw`(?:^|\s)(?:${names})[=\s]+(\S+)`, 'g'))].map((match) => match[1]!);
  const valueFiles = flag('--values|-f');
  const fromFiles = valueFiles.reduce<JsonObject>((merged, file) => deepMerge(merged, parseYaml(readFileSync(join(REPO_ROOT, file), 'utf8'), file)[0] ?? {}), {});
  const values = flag('--set').reduce((merged, assignment) => deepMerge(merged, setFlag(assignment)), fromFiles);
  return { name: 'cilium (README bootstrap)', where: 'deploy/README.md', chart: 'cilium', version: flag('--version')[0] ?? 'unpinned', valueFiles, values };
}

/** The Helm settings an Application gives inline (`helm.values`, `valuesObject`, `parameters`): they bypass the contracts. */
export function inlineHelmValues(application: JsonObject): string[] {
  const spec = isMap(application['spec']) ? application['spec'] : {};
  const sources = [...(Array.isArray(spec['sources']) ? spec['sources'] : []), ...(spec['source'] ? [spec['source']] : [])].filter(isMap);
  return sources.flatMap((source) => (isMap(source['helm']) ? ['values', 'valuesObject', 'parameters', 'fileParameters'].filter((key) => key in (source['helm'] as JsonObject)).map((key) => `helm.${key}`) : []));
}

function appReleases(apps: ArgoApp[]): ValuedRelease[] {
  return apps
    .filter((app) => app.helm)
    .map((app) => ({ name: app.name, where: app.manifest.file, chart: app.helm!.chart, version: app.helm!.version, valueFiles: app.helm!.valueFiles, values: app.values }));
}

const bootstrap = (readme?: string): ValuedRelease[] => {
  const cilium = ciliumBootstrap(readme);
  return cilium ? [cilium] : [];
};

/** Every chart release we pin: the Applications' Helm sources (with or without values) and Cilium's bootstrap. */
export function pinnedReleases(apps: ArgoApp[], readme?: string): ValuedRelease[] {
  return [...appReleases(apps), ...bootstrap(readme)];
}

/** Every chart release with values of ours: the Applications' with value files and Cilium's bootstrap. */
export function valuedReleases(apps: ArgoApp[], readme?: string): ValuedRelease[] {
  return [...appReleases(apps).filter((release) => release.valueFiles.length > 0), ...bootstrap(readme)];
}
