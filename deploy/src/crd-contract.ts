// A custom resource's schema as a contract, deploy/upstream/crds/<name>-<version>.contract.json, written by
// scripts/vendor-kiali-cr-schema.ts. Like the chart contracts (chart-values.ts) it lists facts, not a copy of the CRD:
// every key path the schema declares, with the type, enum, bounds and required keys it gives that path. crdSchema()
// turns it back into a closed JSON Schema: a key the CRD does not declare is an error (the operator would prune it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { joinPath, type PathNode, pathTree } from './chart-values.ts';
import type { Json, JsonObject } from './manifests.ts';
import { DEPLOY_DIR } from './paths.ts';

/** Path segments that are not keys: an array's items and the values of a map whose keys are free. */
const ITEMS = '[]';
const VALUES = '{}';

/**
 * What the schema says about one path. `open`: keys beyond the listed ones are kept (x-kubernetes-preserve-unknown-fields,
 * `additionalProperties: true`, or an object without properties); otherwise an object takes only its listed keys.
 * `requiredAnyOf`: at least one of these key sets must be present.
 */
export interface CrdRule {
  type?: string[];
  enum?: Json[];
  required?: string[];
  requiredAnyOf?: string[][];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  open?: true;
}

export interface CrdContract {
  crd: string;
  version: string;
  source: { repo: string; path: string; schema: string; tag: string; commit: string; date: string };
  paths: Record<string, CrdRule>;
}

type Schema = { [key: string]: Json };
const isMap = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

// Every keyword a CRD's structural schema may use here: one the contract does not restate stops the generator, so a
// refresh cannot silently drop a constraint.
const DROPPED = new Set(['description', 'default', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'properties', 'items', 'additionalProperties', 'anyOf']);
const KEPT = ['enum', 'required', 'pattern', 'minimum', 'maximum'] as const;

/** The contract paths of a structural schema (the CRD's openAPIV3Schema or a part of it). */
export function crdPaths(schema: Schema, segments: string[] = [], into: Record<string, CrdRule> = {}): Record<string, CrdRule> {
  const path = joinPath(segments);
  const unknown = Object.keys(schema).filter((key) => !DROPPED.has(key) && key !== 'type' && !(KEPT as readonly string[]).includes(key));
  if (unknown.length > 0) throw new Error(`${path || '(root)'}: schema keywords the contract does not restate: ${unknown.join(', ')}`);
  const rule: CrdRule = {};
  if (schema['x-kubernetes-int-or-string'] === true) rule.type = ['integer', 'string'];
  else if (typeof schema['type'] === 'string') rule.type = [schema['type']];
  else if (schema['type'] !== undefined) throw new Error(`${path}: type ${JSON.stringify(schema['type'])} is not one type name`);
  for (const key of KEPT) if (schema[key] !== undefined) Object.assign(rule, { [key]: schema[key] });
  if (Array.isArray(schema['anyOf'])) {
    const branches = schema['anyOf'].filter(isMap);
    if (branches.length !== schema['anyOf'].length || branches.some((branch) => Object.keys(branch).some((key) => key !== 'required'))) throw new Error(`${path}: anyOf other than alternative required keys`);
    rule.requiredAnyOf = branches.map((branch) => (branch['required'] as Json[]).map(String));
  }
  const properties = isMap(schema['properties']) ? schema['properties'] : undefined;
  const additional = schema['additionalProperties'];
  if (schema['x-kubernetes-preserve-unknown-fields'] === true || additional === true || (rule.type?.includes('object') && !properties && additional === undefined)) rule.open = true;
  into[path] = rule;
  for (const [key, sub] of Object.entries(properties ?? {})) {
    if (key === ITEMS || key === VALUES) throw new Error(`${path}: a key named ${key} would read as an array's items or a map's values`);
    if (isMap(sub)) crdPaths(sub, [...segments, key], into);
  }
  if (isMap(additional)) crdPaths(additional, [...segments, VALUES], into);
  if (isMap(schema['items'])) crdPaths(schema['items'], [...segments, ITEMS], into);
  return into;
}

function toSchema(node: PathNode<CrdRule>): Schema {
  const { open, requiredAnyOf, ...keywords } = node.rule ?? {};
  const schema: Schema = { ...(keywords as Schema) };
  if (requiredAnyOf) schema['anyOf'] = requiredAnyOf.map((required) => ({ required }));
  const keys = [...node.children].filter(([key]) => key !== ITEMS && key !== VALUES);
  const items = node.children.get(ITEMS);
  const values = node.children.get(VALUES);
  if (items) schema['items'] = toSchema(items);
  if (keys.length > 0 || values || node.rule?.type?.includes('object')) {
    if (keys.length > 0) schema['properties'] = Object.fromEntries(keys.map(([key, child]) => [key, toSchema(child)]));
    if (values) schema['additionalProperties'] = toSchema(values);
    else if (!open) schema['additionalProperties'] = false;
  }
  return schema;
}

/** The closed JSON Schema of a contract: undeclared keys, wrong types, values outside an enum or the bounds fail. */
export function crdSchema(contract: CrdContract): Schema {
  return toSchema(pathTree(contract.paths));
}

export const CRDS_DIR = join(DEPLOY_DIR, 'upstream', 'crds');

export function loadCrdContract(name: string, version: string): CrdContract {
  return JSON.parse(readFileSync(join(CRDS_DIR, `${name}-${version}.contract.json`), 'utf8')) as CrdContract;
}
