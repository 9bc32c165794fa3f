// Runs every test file of the repository through node's test runner, one file at a time: many tests start real
// processes (services, Prometheus, Chromium) and a 2-core machine is what CI has.
import { spawnSync } from 'node:child_process';

const patterns = [
  'packages/*/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'lab/test/**/*.test.ts',
  'loadtest/test/**/*.test.ts',
  'dashboards/test/**/*.test.ts',
  'deploy/test/**/*.test.ts',
  'bench/test/**/*.test.ts',
];
const extra = process.argv.slice(2);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-timeout=180000', '--test-reporter=spec', ...(extra.length ? extra : patterns)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
