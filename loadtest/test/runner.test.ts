import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runEachOnce } from '../src/dry-run.ts';
import { journeys } from '../src/journeys.ts';
import { startLoad } from '../src/runner.ts';
import { type FakeGateway, startFakeGateway } from './fake-gateway.ts';

const gateways: FakeGateway[] = [];
after(() => Promise.all(gateways.map((gateway) => gateway.close())));
async function gateway(options?: Parameters<typeof startFakeGateway>[0]): Promise<FakeGateway> {
  const started = await startFakeGateway(options);
  gateways.push(started);
  return started;
}

test('drives the journeys, sends the run id as baggage and passes the thresholds', async () => {
  const fake = await gateway();
  const run = startLoad({ baseUrl: fake.baseUrl, journeys, ratePerSecond: 40, durationMs: 1000, maxInFlight: 50, runId: 'run-a', thinkTimeScale: 0, seed: 1 });
  const report = await run.done;
  assert.equal(report.started, 40);
  assert.equal(report.dropped, 0);
  assert.equal(report.requests, fake.seen.length);
  assert.equal(report.errors, 0);
  assert.ok(report.passed, JSON.stringify(report.journeys));
  for (const request of fake.seen) assert.equal(request.headers['baggage'], 'lab.run_id=run-a');
  // Later steps use what earlier ones returned: the product id comes from the listing.
  assert.ok(fake.seen.some((request) => request.path === '/api/products/p-0042' || request.path === '/api/products/p-0043'));
  const checkouts = fake.seen.filter((request) => request.path === '/api/checkout');
  assert.ok(checkouts.length > 0, 'checkout journey ran');
  assert.equal(new Set(checkouts.map((request) => request.headers['idempotency-key'])).size, checkouts.length);
});

test('failed requests break the error threshold and fail the run', async () => {
  const fake = await gateway({ status: 503 });
  const report = await startLoad({ baseUrl: fake.baseUrl, journeys, ratePerSecond: 20, durationMs: 500, maxInFlight: 20, runId: 'r', thinkTimeScale: 0 }).done;
  assert.equal(report.passed, false);
  assert.equal(report.errors, report.requests);
  for (const journey of report.journeys.filter((j) => j.requests > 0)) assert.match(journey.breaches.join(), /error rate 100\.0%/);
});

test('open model: slow responses do not slow arrivals; beyond maxInFlight arrivals are dropped and counted', async () => {
  const fake = await gateway({ delayMs: 1500 });
  const report = await startLoad({ baseUrl: fake.baseUrl, journeys, ratePerSecond: 20, durationMs: 1000, maxInFlight: 3, runId: 'r', thinkTimeScale: 0 }).done;
  assert.equal(report.started + report.dropped, 20);
  assert.equal(report.started, 3);
});

test('refuses to send traffic anywhere but this machine', () => {
  assert.throws(
    () => startLoad({ baseUrl: 'http://example.com', journeys, ratePerSecond: 1, durationMs: 1000, maxInFlight: 1, runId: 'r' }),
    /only sends traffic to 127\.0\.0\.1/,
  );
});

test('dry run: each journey once against a gateway', async () => {
  const fake = await gateway();
  const steps = await runEachOnce(fake.baseUrl, journeys, 'dry');
  assert.deepEqual([...new Set(steps.map((step) => step.journey))], journeys.map((j) => j.name));
  assert.ok(steps.every((step) => step.ok));
  assert.equal(steps.length, fake.seen.length);
});

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 20_000 });
}

test('cli --plan prints the plan as JSON without a server', () => {
  const result = runCli(['--plan', '--json', '--run-id', 'p']);
  assert.equal(result.status, 0, result.stderr);
  const plan = JSON.parse(result.stdout) as { journey: string }[];
  assert.deepEqual([...new Set(plan.map((r) => r.journey))], ['browse', 'search', 'add-to-cart', 'checkout']);
});

test('cli --dry-run exits 1 when a step fails and 2 on bad usage', async () => {
  const fake = await gateway({ status: 500 });
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [cli, '--dry-run', '--base-url', fake.baseUrl], { stdio: 'pipe' });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  const bad = runCli(['--rate', 'fast']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--rate must be a positive number, got "fast"/);
});
