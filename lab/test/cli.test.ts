// `pnpm lab` as a user meets it: bad flags, a port already taken, Ctrl-C in the middle of a run, and a machine
// without Prometheus (the fallback scraper, and --open of such a run). Real processes; nothing may be left running.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LabSummary } from '../src/lab.ts';
import { killAll, processesMentioning } from './leftovers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const runsRoot = mkdtempSync(join(tmpdir(), 'lab-cli-'));
const children: ChildProcess[] = [];

after(() => {
  for (const child of children) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  killAll(processesMentioning(runsRoot));
  rmSync(runsRoot, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function lab(args: string[], onStdout?: (text: string, child: ChildProcess) => void): Promise<Finished> {
  const child = spawn(process.execPath, ['lab/src/cli.ts', ...args], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    onStdout?.(stdout, child);
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('bad flags exit 2 naming the flag', async () => {
  const result = await lab(['--rate', 'fast']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--rate must be a positive number, got "fast"/);
  const unknown = await lab(['--ports', 'gatewya=1234']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown name "gatewya"/);
});

test('a port already taken fails before anything starts, naming the port and its owner', async () => {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  const runsDir = join(runsRoot, 'taken');
  try {
    const result = await lab(['--ports', `auto,prometheus=${port}`, '--runs-dir', runsDir]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`port ${port} \\(prometheus\\) is already in use`));
    assert.equal(existsSync(runsDir), false, 'no run folder was created');
  } finally {
    holder.close();
  }
});

test('Ctrl-C during the load stops every process and exits 130', async () => {
  const runsDir = join(runsRoot, 'interrupted');
  let sent = false;
  const result = await lab(['--ports', 'auto', '--runs-dir', runsDir, '--duration', '60s', '--rate', '4'], (stdout, child) => {
    // The first progress line means services, receiver and Prometheus are all up and load is flowing.
    if (!sent && stdout.includes('[load]')) {
      sent = true;
      process.kill(child.pid!, 'SIGINT');
    }
  });
  assert.ok(sent, `the run reached the load phase:\n${result.stdout}\n${result.stderr}`);
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stdout, /\[stopping\] interrupted/);
  assert.deepEqual(processesMentioning(runsDir), []);
  const [run] = readdirSync(runsDir);
  const summary = JSON.parse(readFileSync(join(runsDir, run!, 'summary.json'), 'utf8')) as LabSummary;
  assert.equal(summary.status, 'interrupted');
  assert.equal(summary.walk, undefined, 'no walk after an interrupt');
});

test('without Prometheus the lab scrapes /metrics itself and the walk still resolves', async () => {
  const runsDir = join(runsRoot, 'fallback');
  const result = await lab(['--ports', 'auto', '--runs-dir', runsDir, '--duration', '16s', '--rate', '6', '--scrape-interval', '1s', '--prometheus-bin', '/nonexistent/prometheus', '--json']);
  assert.match(result.stderr, /Prometheus not found.*apt-get install prometheus.*brew install prometheus/);
  const summary = JSON.parse(result.stdout) as LabSummary;
  assert.equal(summary.metrics.source, 'fallback-scraper');
  const links = Object.fromEntries(summary.walk!.links.map((link) => [link.link, link]));
  for (const name of ['metrics', 'exemplar', 'trace', 'logs'] as const) assert.ok(links[name]!.ok, `${name}: ${links[name]!.detail}`);
  assert.ok(existsSync(summary.report!), 'report written');
  assert.ok(readFileSync(join(summary.runDir, 'prometheus', 'scrapes.jsonl'), 'utf8').length > 0, 'scraped samples kept');
  for (const runtime of summary.runtime!) assert.ok(runtime.maxEventLoopDelayMs! > 0, `${runtime.service}: event-loop delay from the scraped gauge`);
  assert.deepEqual(processesMentioning(runsDir), []);

  // Such a run has no TSDB to reopen: --open says where its samples are instead.
  const reopened = await lab(['--open', summary.runDir, '--ports', 'auto']);
  assert.equal(reopened.code, 2);
  assert.match(reopened.stderr, /has no Prometheus data \(prometheus\/data\): it ran with the fallback scraper, its samples are in prometheus\/scrapes\.jsonl/);
});
