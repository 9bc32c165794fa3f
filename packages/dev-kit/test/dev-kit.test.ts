// The dev-kit's own pieces that no other test pins down: the tools' duration flags, free ports, and the CPU profile
// summary read from a real `node --cpu-prof` profile of a process that burns CPU in a named function.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { compareProfiles, readSelfTime } from '@lab/dev-kit/cpu-profile';
import { parseDuration } from '@lab/dev-kit/duration';
import { freePort } from '@lab/dev-kit/ports';

const dir = mkdtempSync(join(tmpdir(), 'lab-dev-kit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('durations: units or plain seconds, in milliseconds; anything else names the flag', () => {
  assert.equal(parseDuration('500ms', '--x'), 500);
  assert.equal(parseDuration(' 30s ', '--x'), 30_000);
  assert.equal(parseDuration('1.5h', '--x'), 5_400_000);
  assert.equal(parseDuration('2', '--x'), 2000);
  for (const bad of ['', '0s', 'soon', '-1s', '5d']) assert.throws(() => parseDuration(bad, '--window'), /^Error: --window must be a duration/);
});

test('freePort gives a port that can be bound on loopback', async () => {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  await new Promise((resolve) => server.close(resolve));
});

test('a real CPU profile: self time lands on the busy function, and a comparison per request says what it adds', () => {
  const script = 'function burnForProfile() { let x = 0; const end = Date.now() + 300; while (Date.now() < end) x += Math.sqrt(x + 1); return x; } burnForProfile();';
  const result = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-e', script], { timeout: 20_000 });
  assert.equal(result.status, 0, String(result.stderr));
  const [file] = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  const profile = readSelfTime(join(dir, file!));
  const [top] = [...profile.byFunction].sort((a, b) => b[1] - a[1]);
  assert.match(top![0], /^burnForProfile \[eval\]:1$/);
  assert.ok(top![1] > 0.5 * profile.busyMicros, `burnForProfile has most of the busy time: ${top![1]} of ${profile.busyMicros} µs`);
  assert.equal(profile.telemetryInclusive.size, 0, 'no @lab/telemetry code ran');

  const idle = { busyMicros: 0, byFunction: new Map(), byArea: new Map(), telemetryInclusive: new Map() };
  const comparison = compareProfiles(profile, 10, idle, 10, 1);
  assert.equal(comparison.baselineBusyMicrosPerRequest, 0);
  assert.equal(comparison.topFunctions[0]!.name, top![0]);
  assert.equal(comparison.topFunctions[0]!.microsPerRequest, Math.round((top![1] / 10) * 100) / 100);
});
