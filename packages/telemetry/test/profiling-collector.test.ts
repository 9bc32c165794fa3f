// The collector's timings on its diagnostics channel, with the real native profilers: one message per collected
// window, naming the window and how long each synchronous step held the main thread.
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { decodePprof } from '@lab/receiver';
import { COLLECTION_CHANNEL, type CollectionTimings, ProfileCollector } from '../src/profiling/collector.ts';
import { loadNativeProfiler } from '../src/profiling/native.ts';
import { WallProfiler } from '../src/profiling/wall-profiler.ts';
import { spin } from './helpers/spin.ts';

/** Samples are matched by this file, the caller (spin() may be inlined into it); names are relative to the cwd. */
const THIS_FILE = 'profiling-collector.test.ts:';

test('each collected window publishes its timings: native stop, serialization slices and heap steps', async () => {
  const native = loadNativeProfiler();
  const wall = new WallProfiler(native, { durationMillis: 60_000, intervalMicros: 1000, withContexts: true });
  const collector = new ProfileCollector(wall, native, { heap: true, generateLabels: () => ({}) });
  const published: CollectionTimings[] = [];
  const onMessage = (message: unknown) => published.push(message as CollectionTimings);
  diagnosticsChannel.subscribe(COLLECTION_CHANNEL, onMessage);
  try {
    const startedAt = Date.now();
    collector.start();
    spin(50);
    const first = await collector.collect(false);
    spin(50);
    const second = await collector.collect(true);

    assert.equal(published.length, 2, JSON.stringify(published));
    assert.equal(first.length, 2, 'wall and heap profiles');
    const [a, b] = published as [CollectionTimings, CollectionTimings];
    assert.ok(a.fromMs >= startedAt && a.untilMs >= a.fromMs && b.fromMs === a.untilMs && b.untilMs >= b.fromMs, JSON.stringify(published));
    for (const timings of published) {
      assert.ok(timings.stopMs > 0 && timings.slices >= 1 && timings.longestSliceMs > 0, JSON.stringify(timings));
      assert.ok(timings.heapStepMs !== undefined && timings.heapStepMs > 0, JSON.stringify(timings));
    }
    // The windows timed are the ones delivered: the busy loop is in each wall profile.
    for (const [wallProfile] of [first, second]) {
      const decoded = decodePprof(gunzipSync(wallProfile!.body));
      assert.ok(decoded.samples.some((sample) => sample.stack.some((name) => name.includes(THIS_FILE))), 'this file sampled');
    }
  } finally {
    diagnosticsChannel.unsubscribe(COLLECTION_CHANNEL, onMessage);
  }
});

test('where async contexts are unavailable the wall profiler runs without them (and without CPU time)', async () => {
  const native = loadNativeProfiler();
  const wall = new WallProfiler(native, { durationMillis: 60_000, intervalMicros: 1000, withContexts: false });
  const collector = new ProfileCollector(wall, native, { heap: false, generateLabels: () => ({}) });
  collector.start();
  spin(30);
  const [profile] = await collector.collect(true);
  const decoded = decodePprof(gunzipSync(profile!.body));
  assert.deepEqual(decoded.sampleTypes, [{ type: 'samples', unit: 'count' }, { type: 'wall', unit: 'nanoseconds' }]);
  assert.ok(decoded.samples.some((sample) => sample.stack.some((name) => name.includes(THIS_FILE))), JSON.stringify(decoded.samples));
});
