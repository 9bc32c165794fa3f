// Loading YAML manifests: every document of every .yaml file under a folder, with where it came from, so a failing
// check can name the file and the document.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './paths.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Manifest {
  /** Path relative to the repository root. */
  file: string;
  /** Index of the document in its file. */
  index: number;
  doc: JsonObject;
}

export function yamlFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) found.push(path);
  }
  return found;
}

/** Every document of a YAML text; throws with the file name and the parser's message on the first error. */
export function parseYaml(text: string, file: string): JsonObject[] {
  const docs: JsonObject[] = [];
  for (const document of parseAllDocuments(text)) {
    const problem = document.errors[0];
    if (problem) throw new Error(`${file}: ${problem.message}`);
    const value = document.toJS({ maxAliasCount: 100 }) as Json;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${file}: a document is not a mapping`);
    docs.push(value);
  }
  return docs;
}

export function loadFile(path: string): Manifest[] {
  const file = relative(REPO_ROOT, path);
  return parseYaml(readFileSync(path, 'utf8'), file).map((doc, index) => ({ file, index, doc }));
}

export function loadDir(dir: string): Manifest[] {
  return yamlFiles(dir).flatMap(loadFile);
}

/** Kubernetes objects only (apiVersion + kind): values files and kustomizations are not resources. */
export function isResource(doc: JsonObject): boolean {
  return typeof doc['apiVersion'] === 'string' && typeof doc['kind'] === 'string' && !/^kustomize\.config\.k8s\.io\//.test(doc['apiVersion']);
}

export function describe(manifest: Manifest): string {
  const meta = asObject(manifest.doc['metadata']);
  return `${manifest.file}#${manifest.index} ${String(manifest.doc['kind'])}/${String(meta['name'] ?? '?')}`;
}

export function asObject(value: Json | undefined): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

export function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

/** The value at a dotted path of plain keys, or undefined. */
export function at(value: Json | undefined, ...keys: string[]): Json | undefined {
  let current: Json | undefined = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}
