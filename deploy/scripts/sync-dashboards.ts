// Writes deploy/platform/dashboards from dashboards/ (see src/dashboard-assets.ts) and removes files the sources no
// longer have. Run after rebuilding the dashboards: `node deploy/scripts/sync-dashboards.ts`.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ASSETS_DIR, dashboardAssets } from '../src/dashboard-assets.ts';

function existing(dir: string): string[] {
  let found: string[] = [];
  try {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      found = statSync(path).isDirectory() ? [...found, ...existing(path)] : [...found, path];
    }
  } catch {
    return [];
  }
  return found;
}

const assets = dashboardAssets();
for (const path of existing(ASSETS_DIR)) {
  if (!assets.has(relative(ASSETS_DIR, path))) rmSync(path);
}
for (const [path, content] of assets) {
  const target = join(ASSETS_DIR, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}
console.log(`deploy/platform/dashboards: ${assets.size} files from dashboards/`);
