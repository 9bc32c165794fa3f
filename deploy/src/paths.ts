// Where things are: deploy/ itself and the repository root (dashboards/, packages/, docs/ are read, never written).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEPLOY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(DEPLOY_DIR, '..');
