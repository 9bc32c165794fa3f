// Builds the published form of @lab/telemetry into dist/: ESM bundles of the public entries with the bundled
// dependencies inside, so that a service reads a handful of files at startup instead of hundreds of modules (and
// Node never strips TypeScript from node_modules, which it refuses to do); type declarations; and the license texts
// of what is bundled. The other dependencies stay external: the OpenTelemetry API (a process-wide singleton the
// application shares), native profiling, and exporters only some configurations load.
// Usage: node scripts/build.ts [--outdir DIR]   (default dist/; the tests and `pnpm bench` build their own copy)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * Dependencies read at every start, bundled. They stay listed as dependencies because their types are part of the
 * API (pino's Logger, prom-client's Registry) and the lazily loaded exporters share them.
 */
const BUNDLED = new Set([
  '@opentelemetry/core',
  '@opentelemetry/otlp-exporter-base',
  '@opentelemetry/otlp-transformer',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/sdk-trace',
  'pino',
  'prom-client',
  'sonic-boom',
]);

/**
 * Output name -> source under src/: the public entries (package.json exports) plus the modules index.ts and the
 * profiling loader load by path (module-extension.ts), which keep their src/ paths.
 */
const ENTRY_POINTS: Record<string, string> = {
  index: 'index',
  register: 'register',
  sqlite: 'sqlite',
  init: 'init',
  'metrics/shared-otel-api': 'metrics/shared-otel-api',
  'metrics/otel-sdk': 'metrics/otel-sdk',
  'profiling/index': 'profiling/index',
};

export async function buildPackage(outdir: string): Promise<{ outdir: string; bundledPackages: string[] }> {
  const target = resolve(outdir);
  rmSync(target, { recursive: true, force: true });
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; engines: { node: string } };
  const result = await build({
    absWorkingDir: PACKAGE_DIR,
    entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, source]) => [name, `src/${source}.ts`])),
    outdir: target,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${manifest.engines.node.replace(/^>=/, '')}`,
    // Chunks next to the entries: modules found by a path relative to their own (module-extension.ts) stay right.
    chunkNames: 'chunk-[hash]',
    external: Object.keys(manifest.dependencies).filter((name) => !BUNDLED.has(name)),
    // Bundled CommonJS packages (pino, prom-client) call require() for Node built-ins and the external packages.
    banner: { js: "import { createRequire as __labCreateRequire } from 'node:module'; const require = __labCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const bundledPackages = writeLicenses(result.metafile, target);
  const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
  const types = spawnSync(process.execPath, [tsc, '-p', join(PACKAGE_DIR, 'tsconfig.build.json'), '--outDir', target], { encoding: 'utf8' });
  if (types.status !== 0) throw new Error(`type declarations failed:\n${types.stdout}${types.stderr}`);
  return { outdir: target, bundledPackages };
}

/** THIRD-PARTY-LICENSES.txt: name, version, license and license text of every bundled package. */
function writeLicenses(metafile: Metafile, outdir: string): string[] {
  const packageDirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packageDirs.add(resolve(PACKAGE_DIR, match[1]!));
  }
  const sections: string[] = [];
  const names: string[] = [];
  for (const dir of [...packageDirs].sort()) {
    const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    const licenseFile = readdirSync(dir).find((file) => /^(licen[cs]e|copying)(\.|$)/i.test(file));
    if (!licenseFile) throw new Error(`${name}@${version} is bundled but ships no license file (${dir})`);
    names.push(`${name}@${version}`);
    sections.push(`${name}@${version} (${license ?? 'see text'})\n\n${readFileSync(join(dir, licenseFile), 'utf8').trim()}\n`);
  }
  writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), `@lab/telemetry bundles the following packages.\n\n${sections.join(`\n${'-'.repeat(78)}\n\n`)}`);
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(PACKAGE_DIR, 'dist') } } });
  const started = performance.now();
  const { outdir, bundledPackages } = await buildPackage(values.outdir!);
  console.log(`built ${outdir} in ${Math.round(performance.now() - started)} ms; bundled: ${bundledPackages.join(', ')}`);
}
