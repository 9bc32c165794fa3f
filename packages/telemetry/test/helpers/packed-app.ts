// Applications outside the repository on the packed package: `pnpm pack` builds the tarball a registry would serve,
// it is unpacked into the app's node_modules/@lab/telemetry the way npm lays it out, and its dependencies (and the
// app's own, e.g. express) are linked from the workspace's installed copies, so that the tests stay offline.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `pnpm pack` (which builds dist/ through prepack) into `destination`; returns the tarball's path. */
export function packTelemetry(destination: string): string {
  execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: packageDir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
  const tarball = readdirSync(destination).find((name) => /^lab-telemetry-.*\.tgz$/.test(name));
  if (tarball === undefined) throw new Error(`pnpm pack wrote no lab-telemetry-*.tgz into ${destination}`);
  return join(destination, tarball);
}

/**
 * A new app directory under the system temp dir with the tarball installed and `files` written. `dependencies` maps
 * the name the app imports to the name of a package installed for @lab/telemetry in this workspace (e.g.
 * `{ express: 'express4' }`).
 */
export function createPackedApp(tarball: string, files: Record<string, string>, dependencies: Record<string, string> = {}): string {
  const app = mkdtempSync(join(tmpdir(), 'lab-telemetry-app-'));
  const modules = join(app, 'node_modules');
  mkdirSync(join(modules, '@lab'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(modules, '@lab')]);
  renameSync(join(modules, '@lab', 'package'), join(modules, '@lab', 'telemetry'));
  const manifest = JSON.parse(readFileSync(join(modules, '@lab', 'telemetry', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const links: Record<string, string> = { ...Object.fromEntries(Object.keys(manifest.dependencies).map((name) => [name, name])), ...dependencies };
  for (const [name, installed] of Object.entries(links)) {
    const target = join(modules, name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(realpathSync(join(packageDir, 'node_modules', installed)), target, 'dir');
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', version: '1.2.3', private: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text);
  return app;
}
