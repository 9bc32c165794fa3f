// The stdout line batcher in a child process: every line arrives once, whole and in order, whatever its size
// (past the chunk's capacity too) or encoding, when flushed, and when less than a chunk is left for the exit hook.
// (A chunk whose asynchronous write is still in flight when the process exits can be cut short: sonic-boom cannot
// wait for it in an exit handler. Shutdown therefore flushes before exiting.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const batcherUrl = new URL('../src/logging/line-batcher.ts', import.meta.url).href;

/** Lines of every size class: short ASCII, multi-byte, chunk-filling, and one longer than a whole chunk. */
const LINES_SOURCE = `
const lines = [];
for (let index = 0; index < 3000; index++) {
  const size = index % 500 === 7 ? 70000 : index % 97 === 3 ? 20000 : 40 + (index % 300);
  const filler = index % 3 === 0 ? 'ü😀'.repeat(size / 3) : 'x'.repeat(size);
  lines.push(JSON.stringify({ index, filler }) + '\\n');
}
`;

async function childOutput(body: string): Promise<{ stdout: string; expected: string }> {
  const script = `import { LineBatcher } from ${JSON.stringify(batcherUrl)};\n${LINES_SOURCE}\nconst batcher = new LineBatcher(1);\n${body}\nconsole.error(JSON.stringify(lines.join('')));`;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 1 << 28 });
  return { stdout, expected: JSON.parse(stderr) as string };
}

test('lines left for the exit hook arrive whole and in order', async () => {
  const { stdout, expected } = await childOutput(
    'lines.splice(0, lines.length, ...lines.filter((line) => line.length < 400).slice(0, 40));\nfor (const line of lines) batcher.write(line);',
  );
  // Less than one chunk: nothing was handed to an asynchronous write before the exit.
  assert.ok(expected.length > 3_000 && Buffer.byteLength(expected) < 16_384, String(expected.length));
  assert.equal(stdout.length, expected.length);
  assert.ok(stdout === expected, 'the output differs from the lines written');
});

test('lines written over several event-loop turns and flushed arrive whole and in order', async () => {
  const body = `
for (let start = 0; start < lines.length; start += 100) {
  for (const line of lines.slice(start, start + 100)) batcher.write(line);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await new Promise((resolve) => batcher.flush(resolve));`;
  const { stdout, expected } = await childOutput(body);
  assert.ok(expected.length > 1_000_000);
  assert.equal(stdout.length, expected.length);
  assert.ok(stdout === expected, 'the output differs from the lines written');
});
