// Labelled self-telemetry counters exist at 0 for every known label value from the start (dashboards show 0, not
// "No data"), in both exposition formats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../src/metrics/metrics.ts';

test('spans_dropped and export_failures start at 0 for each reason and signal', async () => {
  const metrics = createMetrics(100);
  for (const accept of ['text/plain', 'application/openmetrics-text']) {
    const { body } = await metrics.render(accept);
    for (const reason of ['queue_full', 'export_failed', 'encoding_failed']) assert.match(body, new RegExp(`^lab_telemetry_spans_dropped_total\\{reason="${reason}"\\} 0$`, 'm'));
    for (const signal of ['traces', 'logs', 'profiles']) {
      assert.match(body, new RegExp(`^lab_telemetry_export_failures_total\\{signal="${signal}"\\} 0$`, 'm'));
    }
  }
  metrics.exportFailures.inc({ signal: 'traces' });
  const { body } = await metrics.render('text/plain');
  assert.match(body, /^lab_telemetry_export_failures_total\{signal="traces"\} 1$/m);
});
