// Runs promtool on the PrometheusRule manifests. promtool reads plain rule files, so each manifest's `spec` is
// written to a temp dir under the manifest's file name, next to copies of the unit tests (which name those files).
// CLI: `node src/promtool.ts` (package script `rules:test`) checks and unit-tests every rule file.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';

export const rulesDir = join(import.meta.dirname, '..', 'rules');
export const ruleTestsDir = join(rulesDir, 'tests');
const promtoolBinary = process.env['PROMTOOL'] ?? 'promtool';

export interface PromtoolResult {
  status: number | null;
  output: string;
}

export const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(dir, name));

/** The plain rule file promtool reads: the manifest's `spec` (its `groups`). */
export function ruleFileFromManifest(manifestPath: string): string {
  const manifest = parse(readFileSync(manifestPath, 'utf8')) as { kind?: string; spec?: { groups?: unknown } };
  if (manifest.kind !== 'PrometheusRule' || !Array.isArray(manifest.spec?.groups)) {
    throw new Error(`${manifestPath}: not a PrometheusRule manifest with spec.groups`);
  }
  return `${JSON.stringify(manifest.spec, null, 2)}\n`;
}

export function runPromtool(args: string[], cwd: string): PromtoolResult {
  const result = spawnSync(promtoolBinary, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`cannot run ${promtoolBinary}: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Writes the plain rule files and the unit tests into a fresh temp dir; returns it and the files. */
export function stageRules(manifests = yamlFiles(rulesDir), tests = yamlFiles(ruleTestsDir)) {
  const dir = mkdtempSync(join(tmpdir(), 'lab-rules-'));
  const ruleFiles = manifests.map((manifest) => {
    const target = join(dir, basename(manifest));
    writeFileSync(target, ruleFileFromManifest(manifest));
    return target;
  });
  const testFiles = tests.map((test) => {
    const target = join(dir, basename(test));
    copyFileSync(test, target);
    return target;
  });
  return { dir, ruleFiles, testFiles, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function checkRules(ruleFiles: string[], cwd: string): PromtoolResult {
  return runPromtool(['check', 'rules', ...ruleFiles], cwd);
}

export function testRules(testFiles: string[], cwd: string): PromtoolResult {
  return runPromtool(['test', 'rules', ...testFiles], cwd);
}

if (import.meta.main) {
  const staged = stageRules();
  try {
    const results = [checkRules(staged.ruleFiles, staged.dir), testRules(staged.testFiles, staged.dir)];
    for (const result of results) console.log(result.output);
    process.exitCode = results.every((result) => result.status === 0) ? 0 : 1;
  } finally {
    staged.cleanup();
  }
}
