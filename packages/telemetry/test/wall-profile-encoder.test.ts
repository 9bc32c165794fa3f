// The wall profile encoder against its oracle: @datadog/pprof's own serializer followed by toPyroscopeFormat, on the
// same raw call tree (real ones from the native profiler, and made-up ones for the rules real runs rarely hit). Both
// are decoded with the receiver's pprof decoder and must hold the same samples, values, labels and names.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { type DecodedPprof, decodePprof } from '@lab/receiver';
import { test } from 'node:test';
import type { Span } from '@opentelemetry/api';
import { type GenerateLabels, type LabelSet, loadNativeProfiler, type PprofProfile, type TimeProfile, type TimeProfileNode } from '../src/profiling/native.ts';
import { toPyroscopeFormat } from '../src/profiling/pyroscope-format.ts';
import { SpanLabels } from '../src/profiling/span-labels.ts';
import { encodeWallProfile, serializeWallProfile } from '../src/profiling/wall-profile-encoder.ts';
import { WallProfiler } from '../src/profiling/wall-profiler.ts';
import { spin } from './helpers/spin.ts';

const INTERVAL_MICROS = 1000;
const CWD = '/srv/app';
const native = loadNativeProfiler();
const requireFromPyroscope = createRequire(import.meta.resolve('@pyroscope/nodejs'));
const { serializeTimeProfile } = requireFromPyroscope('@datadog/pprof/out/src/profile-serializer') as {
  serializeTimeProfile(
    profile: TimeProfile,
    intervalMicros: number,
    sourceMapper: undefined,
    recomputeSamplingInterval: boolean,
    generateLabels: GenerateLabels,
  ): PprofProfile;
};

/** What Pyroscope would store, order-free: the wall-clock stamp of the profile aside, everything must match. */
function canonical(decoded: DecodedPprof) {
  const samples = decoded.samples.map((sample) => JSON.stringify(sample)).sort();
  return { ...decoded, samples };
}

async function viaPprof(profile: TimeProfile, generateLabels: GenerateLabels): Promise<DecodedPprof> {
  const pprof = serializeTimeProfile(profile, INTERVAL_MICROS, undefined, true, generateLabels);
  toPyroscopeFormat(pprof, CWD);
  return decodePprof(gunzipSync(await native.encode(pprof)));
}

async function viaEncoder(profile: TimeProfile, generateLabels: GenerateLabels): Promise<DecodedPprof> {
  return decodePprof(gunzipSync(await encodeWallProfile(profile, { intervalMicros: INTERVAL_MICROS, generateLabels, cwd: CWD })));
}

test('a real window with span labels: the same profile as pprof serializeTimeProfile + toPyroscopeFormat', async () => {
  const wall = new WallProfiler(native, { durationMillis: 10_000, intervalMicros: INTERVAL_MICROS, withContexts: true });
  const labels = new SpanLabels(wall, INTERVAL_MICROS);
  wall.start();
  const requestContext = new AsyncLocalStorage<number>();
  await Promise.all(
    Array.from({ length: 8 }, (_, index) =>
      requestContext.run(index, async () => {
        const span = { spanContext: () => ({ spanId: `${index}`.padStart(16, '0') }) } as unknown as Span;
        const handle = labels.onStart(span, 'GET');
        spin(8);
        await new Promise((resolve) => setTimeout(resolve, 2));
        spin(8);
        labels.onEnd(handle, `GET /item/${index % 3}`);
      }),
    ),
  );
  spin(10); // unlabelled
  const profile = wall.stop(false);
  const expected = await viaPprof(profile, labels.generateLabels);
  const actual = await viaEncoder(profile, labels.generateLabels);
  assert.ok(expected.samples.some((sample) => sample.labels.span_name === 'GET /item/1'), 'the window holds labelled samples');
  assert.deepEqual(canonical(actual), canonical(expected));
});

function node(name: string, fields: Partial<TimeProfileNode> = {}): TimeProfileNode {
  return { name, scriptName: '', scriptId: 0, lineNumber: 0, columnNumber: 0, hitCount: 0, children: [], ...fields };
}

const labelled = { span: 'a' };
const LABELS_OF_A: LabelSet = { span_id: 'a', span_name: 'GET /a' };
const generateTestLabels: GenerateLabels = ({ context }) => (context?.context === labelled ? LABELS_OF_A : {});
const sample = (context: object | undefined, cpuTime: number) => ({ context, timestamp: 1n, cpuTime });

test("pprof's rules on a made-up tree: dropped, renamed and synthetic nodes, anonymous names, labelled hits", async () => {
  const handler = node('handler', {
    scriptName: `file://${CWD}/src/app.js`,
    scriptId: 7,
    lineNumber: 12,
    columnNumber: 3,
    hitCount: 2,
    // Three labelled contexts for two hits: the third carries CPU time only.
    contexts: [sample(labelled, 100), sample(labelled, 200), sample(labelled, 300), sample(undefined, 50)],
    children: [
      node('', { scriptName: '/lib/x.js', scriptId: 8, lineNumber: 4, columnNumber: 9, hitCount: 1, contexts: [sample(undefined, 10)] }),
      node('', { scriptName: '/lib/x.js', scriptId: 8, lineNumber: 5, hitCount: 1, contexts: [] }),
      node('already:named', { scriptName: '/lib/y.js', scriptId: 9, lineNumber: 1, hitCount: 3, contexts: [] }),
    ],
  });
  const profile: TimeProfile = {
    startTime: 1_000_000,
    endTime: 1_050_000,
    hasCpuTime: true,
    nonJSThreadsCpuTime: 4242,
    topDownRoot: node('(root)', {
      children: [
        node('(program)', { hitCount: 5, contexts: [sample(undefined, 1)] }),
        node('(idle)', { hitCount: 9, contexts: [] }),
        node('(garbage collector)', { hitCount: 2, contexts: [sample(labelled, 7), sample(undefined, 8)] }),
        node('main', { scriptName: 'node:internal/main', scriptId: 3, lineNumber: 1, children: [handler] }),
        node('(idle)', { hitCount: 4, contexts: [sample(labelled, 0), sample(undefined, 0)] }),
      ],
    }),
  };
  const expected = await viaPprof(profile, generateTestLabels);
  const actual = await viaEncoder(profile, generateTestLabels);
  const names = new Set(actual.samples.flatMap((s) => s.stack));
  for (const name of ['Garbage Collection', 'Non JS threads activity', './src/app.js:handler:12', '/lib/x.js:(anonymous:L#4:C#9):4', 'already:named']) {
    assert.ok(names.has(name), `${name} missing from ${[...names].join(', ')}`);
  }
  assert.ok(!names.has('(program)'));
  assert.deepEqual(canonical(actual), canonical(expected));
});

test('a large window is serialized in slices, with the event loop turning in between', async () => {
  // 40,000 frames: far more than one slice.
  const leaves = Array.from({ length: 40_000 }, (_, index) =>
    node(`fn${index}`, { scriptName: '/app/big.js', scriptId: 1, lineNumber: index + 1, hitCount: 1, contexts: [sample(index % 2 ? labelled : undefined, 5)] }),
  );
  const profile: TimeProfile = { startTime: 0, endTime: 40_000_000, hasCpuTime: true, topDownRoot: node('(root)', { children: leaves }) };
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const slices = { count: 0, longestMs: 0 };
  const pprof = await serializeWallProfile(profile, { intervalMicros: INTERVAL_MICROS, generateLabels: generateTestLabels, cwd: CWD }, slices);
  clearInterval(ticker);
  assert.ok(turns > 1, `timers ran ${turns} times while 40,000 frames were serialized`);
  // Every yield ends a slice, and the last slice ends with the serialization.
  assert.ok(slices.count >= turns && slices.longestMs > 0, `${JSON.stringify(slices)} for ${turns} timer turns`);
  assert.deepEqual(canonical(decodePprof(pprof)), canonical(await viaPprof(profile, generateTestLabels)));
});
