// The report's HTML: self-contained, and run data (log lines, span names: anything a service printed) can never
// break out of the embedded JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReportData } from '../src/report/data.ts';
import { renderHtml } from '../src/report/write.ts';

function data(message: string): ReportData {
  return {
    title: 'Life of a request',
    runId: '<b>run</b>',
    generatedAt: '2026-11-26T10:00:00.000Z',
    metricsSource: 'prometheus',
    services: ['gateway'],
    range: { start: 0, end: 60 },
    incident: { name: 'payments-latency', window: { start: 20, end: 40 } },
    links: [{ link: 'metrics', ok: true, detail: 'ok' }],
    red: [],
    exemplars: [],
    waterfall: [],
    logs: [{ time: '2026-11-26T10:00:00.000Z', service: 'gateway', level: 'info', msg: message, fields: {} }],
    runtime: [],
  };
}

test('run data cannot close the data script or inject markup', () => {
  const hostile = '</script><script>alert(1)</script>\u2028';
  const html = renderHtml(data(hostile));
  const embedded = /<script type="application\/json" id="lab-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(embedded, 'the data element is intact');
  assert.equal(JSON.parse(embedded[1]!).logs[0].msg, hostile, 'the text survives exactly');
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /lab run &#60;b&#62;run&#60;\/b&#62;/, 'the title is escaped');
});

test('the libraries are inlined: no network needed', () => {
  const html = renderHtml(data('hello'));
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href="https?:/);
  assert.match(html, /uPlot/);
  assert.match(html, /flamegraph/);
  for (const id of ['walk', 'metrics', 'exemplar', 'trace', 'logs', 'profile', 'numbers']) assert.match(html, new RegExp(`id="${id}"`));
});
