// The Pyroscope ingest receiver over real HTTP: every body shape clients send decodes to the same profile, and the
// outage behaviors answer as announced.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { parseApplicationName, PyroscopeReceiver } from '../src/pyroscope.ts';

/** A CPU-style pprof: one sample of stack main -> handler, labelled with a span. */
function samplePprof(): Uint8Array {
  const strings = new StringTable();
  const functions = ['handler', 'main'].map(
    (name, index) => new PprofFunction({ id: index + 1, name: strings.dedup(name), filename: strings.dedup('app.js') }),
  );
  const locations = functions.map((fn) => new Location({ id: fn.id, line: [new Line({ functionId: fn.id, line: 3 })] }));
  const cpu = new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') });
  const sample = new Sample({
    locationId: [1, 2],
    value: [10_000_000],
    label: [new Label({ key: strings.dedup('span_id'), str: strings.dedup('00f067aa0ba902b7') })],
  });
  return new Profile({ sampleType: [cpu], periodType: cpu, period: 10_000_000, sample: [sample], location: locations, function: functions, stringTable: strings }).encode();
}

const QUERY = `name=${encodeURIComponent('checkout{environment=prod,k8s_pod_name=checkout-0}')}&from=100&until=115&format=pprof&spyName=nodespy&sampleRate=100`;
let receiver: PyroscopeReceiver;
let rawDir: string;

before(async () => {
  rawDir = mkdtempSync(join(tmpdir(), 'pyroscope-receiver-'));
  receiver = await PyroscopeReceiver.start({ rawDir });
});
after(async () => {
  await receiver.close();
  rmSync(rawDir, { recursive: true, force: true });
});

async function ingest(body: RequestInit['body'], headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(`${receiver.url}/ingest?${QUERY}`, { method: 'POST', body, headers });
  await response.arrayBuffer();
  return response;
}

test('raw, gzipped, Content-Encoding gzip and multipart bodies decode to the same profile', async () => {
  const pprof = samplePprof();
  const form = new FormData();
  form.append('profile', new Blob([gzipSync(pprof)]), 'profile.pprof');
  const shapes: Array<[string, () => Promise<Response>]> = [
    ['raw', () => ingest(pprof, { 'content-type': 'application/octet-stream' })],
    ['gzipped pprof', () => ingest(gzipSync(pprof))],
    ['content-encoding gzip', () => ingest(gzipSync(pprof), { 'content-encoding': 'gzip' })],
    ['multipart', () => ingest(form)],
  ];
  for (const [shape, send] of shapes) {
    const before = receiver.profiles().length;
    assert.equal((await send()).status, 200, shape);
    const profile = receiver.profiles()[before];
    assert.ok(profile, `${shape}: not stored`);
    assert.equal(profile.appName, 'checkout', shape);
    assert.deepEqual(profile.tags, { environment: 'prod', k8s_pod_name: 'checkout-0' }, shape);
    assert.deepEqual([profile.from, profile.until, profile.spyName, profile.sampleRate], [100, 115, 'nodespy', 100], shape);
    assert.deepEqual(profile.profileTypeIds, ['process_cpu:cpu:nanoseconds:cpu:nanoseconds'], shape);
    assert.deepEqual(profile.samples, [{ values: [10_000_000], labels: { span_id: '00f067aa0ba902b7' }, stack: ['handler', 'main'] }], shape);
  }
  const files = readdirSync(rawDir);
  assert.equal(files.length, shapes.length);
  assert.deepEqual(gunzipSync(readFileSync(join(rawDir, files[0]!))), Buffer.from(pprof));
});

test('bad requests get a clear 4xx and store nothing', async () => {
  const before = receiver.profiles().length;
  const noName = await fetch(`${receiver.url}/ingest?format=pprof`, { method: 'POST', body: samplePprof() });
  assert.equal(noName.status, 400);
  assert.match(await noName.text(), /"name" is missing/);
  const notPprof = await ingest('not a profile');
  assert.equal(notPprof.status, 400);
  assert.equal((await fetch(`${receiver.url}/ingest`)).status, 405);
  assert.equal((await fetch(`${receiver.url}/other`, { method: 'POST' })).status, 404);
  assert.equal(receiver.profiles().length, before);
});

test('the error behavior answers 500 and stores nothing; hang never answers until close', async () => {
  const before = receiver.profiles().length;
  receiver.setBehavior('error');
  assert.equal((await ingest(samplePprof())).status, 500);
  receiver.setBehavior('hang');
  const hung = await Promise.race([
    ingest(samplePprof()).then(() => 'answered', () => 'cut'),
    new Promise((resolve) => setTimeout(resolve, 300, 'no answer')),
  ]);
  assert.equal(hung, 'no answer');
  receiver.setBehavior('ok');
  assert.equal(receiver.profiles().length, before);
});

test('series keys parse into app name and tags, and malformed ones are rejected', () => {
  assert.deepEqual(parseApplicationName('app'), { appName: 'app', tags: {} });
  assert.deepEqual(parseApplicationName('app{}'), { appName: 'app', tags: {} });
  assert.deepEqual(parseApplicationName('app{a=1,b=x=y}'), { appName: 'app', tags: { a: '1', b: 'x=y' } });
  assert.throws(() => parseApplicationName('app{a=1'), /no closing brace/);
  assert.throws(() => parseApplicationName('app{novalue}'), /not key=value/);
});
