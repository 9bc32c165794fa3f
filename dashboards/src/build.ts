// `pnpm --filter @lab/dashboards build`: regenerates dashboards/generated, provisioning and rules from src.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { artifacts } from './artifacts.ts';

export const packageRoot = join(import.meta.dirname, '..');

for (const [path, content] of artifacts()) {
  const target = join(packageRoot, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
