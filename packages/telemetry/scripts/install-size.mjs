// What `npm install` of the packed package costs a user, next to the stock OpenTelemetry setup: installed size of
// node_modules and of its @opentelemetry part, and every @opentelemetry package npm had to install more than once
// (each copy is loaded separately). Needs the npm registry (or a warm npm cache); not part of the tests.
// Usage: node packages/telemetry/scripts/install-size.mjs [--stock]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function sizeMiB(path) {
  let bytes = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) bytes += statSync(full).size;
    }
  };
  walk(path);
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** package name -> number of installed copies, for every @opentelemetry package under node_modules (nested too). */
function otelCopies(modules) {
  const copies = {};
  const walk = (dir) => {
    const scope = join(dir, '@opentelemetry');
    for (const name of safeList(scope)) {
      copies[`@opentelemetry/${name}`] = (copies[`@opentelemetry/${name}`] ?? 0) + 1;
      walk(join(scope, name, 'node_modules'));
    }
    for (const name of safeList(dir)) {
      if (name === '@opentelemetry') continue;
      if (name.startsWith('@')) for (const scoped of safeList(join(dir, name))) walk(join(dir, name, scoped, 'node_modules'));
      else if (name !== '.bin') walk(join(dir, name, 'node_modules'));
    }
  };
  walk(modules);
  return copies;
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function measure(label, specs) {
  const project = mkdtempSync(join(tmpdir(), 'install-size-'));
  try {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'install-size', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...specs], { cwd: project, stdio: 'ignore' });
    const modules = join(project, 'node_modules');
    const copies = otelCopies(modules);
    const duplicated = Object.fromEntries(Object.entries(copies).filter(([, count]) => count > 1));
    return { label, nodeModulesMiB: sizeMiB(modules), opentelemetryMiB: sizeMiB(join(modules, '@opentelemetry')), opentelemetryPackages: Object.keys(copies).length, duplicated };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

const packDir = mkdtempSync(join(tmpdir(), 'install-size-pack-'));
try {
  execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: packageDir, stdio: 'ignore' });
  const tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith('.tgz')));
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const results = [measure(`@lab/telemetry ${version}`, [tarball])];
  if (process.argv.includes('--stock')) results.push(measure('stock sdk-node + auto-instrumentations-node', ['@opentelemetry/sdk-node', '@opentelemetry/auto-instrumentations-node']));
  console.log(JSON.stringify(results, null, 1));
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
