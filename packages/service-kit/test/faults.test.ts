// The fault language and engine without processes: validation messages, rule precedence, latency
// distributions, error rates and incident windows on a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FaultConfigError, FaultEngine, faultConfigFromEnv, parseFaultConfig, seededRandom } from '@lab/service-kit';

test('LAB_FAULTS: unset or blank means no faults; bad JSON and bad values name the problem', () => {
  assert.deepEqual(faultConfigFromEnv(undefined), {});
  assert.deepEqual(faultConfigFromEnv('  '), {});
  assert.throws(() => faultConfigFromEnv('{nope'), (error: FaultConfigError) => /LAB_FAULTS: \(root\): not valid JSON/.test(error.message));
  assert.throws(
    () => faultConfigFromEnv('{"/x": {"latencyMs": -1, "colour": "red"}}'),
    (error: FaultConfigError) =>
      error.issues.some((issue) => issue.field === '/x.latencyMs') && error.issues.some((issue) => /colour/.test(issue.detail)),
  );
  assert.throws(() => parseFaultConfig({ 'GET products': {} }, 'body'), /GET products: expected a route key/);
  assert.throws(() => parseFaultConfig({ '*': { incident: { every: '10s', duration: '1m' } } }, 'body'), /\*\.incident\.duration: duration must be <= every/);
  assert.throws(() => parseFaultConfig({ '*': { incident: { every: 'soon', duration: '1s' } } }, 'body'), /expected a duration/);
});

test('durations accept ms, s, m, h and plain milliseconds', () => {
  const config = parseFaultConfig({ '*': { incident: { every: '5m', duration: '30s', offset: 1500 } } }, 'test');
  assert.deepEqual(config['*']!.incident, { every: 300_000, duration: 30_000, offset: 1500 });
  assert.equal(parseFaultConfig({ '*': { incident: { every: '1h', duration: '250ms' } } }, 'test')['*']!.incident!.every, 3_600_000);
});

test('the most specific matching rule decides: METHOD /path over /path over *', () => {
  const engine = new FaultEngine({
    config: parseFaultConfig(
      { '*': { latencyMs: 1 }, '/products/:id': { latencyMs: 2 }, 'POST /products/:id': { latencyMs: 3 }, '/admin/*': { cpuMs: 4 } },
      'test',
    ),
  });
  assert.equal(engine.decide('GET', '/products/p-1')?.latencyMs, 2);
  assert.equal(engine.decide('POST', '/products/p-1/')?.latencyMs, 3);
  assert.equal(engine.decide('GET', '/products')?.latencyMs, 1);
  assert.equal(engine.decide('GET', '/admin/a/b')?.cpuMs, 4);
  assert.equal(engine.decide('GET', '/products/p-1')?.route, '/products/:id');
  assert.equal(new FaultEngine().decide('GET', '/anything'), undefined);
});

test('latency distributions: uniform stays in range, log-normal has the requested median and tail', () => {
  const random = seededRandom(1);
  const uniform = new FaultEngine({ config: parseFaultConfig({ '*': { latencyMs: { min: 10, max: 20 } } }, 't'), random });
  for (let i = 0; i < 200; i++) {
    const { latencyMs } = uniform.decide('GET', '/')!;
    assert.ok(latencyMs >= 10 && latencyMs <= 20, String(latencyMs));
  }
  const logNormal = new FaultEngine({ config: parseFaultConfig({ '*': { latencyMs: { p50: 100, p99: 1000 } } }, 't'), random });
  const samples = Array.from({ length: 20_000 }, () => logNormal.decide('GET', '/')!.latencyMs).sort((a, b) => a - b);
  const p50 = samples[Math.floor(samples.length * 0.5)]!;
  const p99 = samples[Math.floor(samples.length * 0.99)]!;
  assert.ok(p50 > 90 && p50 < 110, `p50 ${p50}`);
  assert.ok(p99 > 800 && p99 < 1250, `p99 ${p99}`);
});

test('error percent fails about that share of requests with the configured status', () => {
  const engine = new FaultEngine({ config: parseFaultConfig({ '*': { errorPercent: 25, errorStatus: 503 } }, 't'), random: seededRandom(2) });
  const decisions = Array.from({ length: 4000 }, () => engine.decide('GET', '/'));
  const failed = decisions.filter((decision) => decision?.errorStatus === 503).length;
  assert.ok(failed > 850 && failed < 1150, `${failed} of 4000 failed`);
  assert.ok(decisions.every((decision) => decision === undefined || decision.kinds.join() === 'error'));
});

test('incidents follow their schedule from the moment the faults were set', () => {
  let now = 1_000_000;
  const engine = new FaultEngine({
    config: parseFaultConfig({ '/pay': { latencyMs: 5, incident: { every: '300s', duration: '30s', offset: '60s', latencyMs: 2000 } } }, 't'),
    now: () => now,
  });
  const at = (seconds: number) => {
    now = 1_000_000 + seconds * 1000;
    return engine.decide('POST', '/pay')!;
  };
  assert.deepEqual([at(0).latencyMs, at(0).kinds], [5, ['latency']]);
  assert.deepEqual([at(60).latencyMs, at(60).kinds], [2000, ['latency', 'incident']]);
  assert.equal(at(89.9).latencyMs, 2000);
  assert.equal(at(90).latencyMs, 5);
  assert.equal(at(360).latencyMs, 2000);
  now = 1_000_000 + 100_000;
  const [status] = engine.status();
  assert.deepEqual(status, {
    route: '/pay',
    activeKinds: ['latency'],
    incident: { active: false, nextStartAt: new Date(1_000_000 + 360_000).toISOString() },
  });
});
