// Runs the discarding sink as its own process (so its CPU is not the load generator's event loop).
// Usage: node sink-main.ts [--port N] [--delay-ms N]   --delay-ms: refuse connections for that long, then answer.
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { announceListening } from './apps/ready.ts';
import { createSink } from './sink.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'delay-ms': { type: 'string', default: '0' } } });
const port = Number(values.port);
const delayMs = Number(values['delay-ms']);
if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a port number, got ${values.port}`);
if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`--delay-ms must be >= 0, got ${values['delay-ms']}`);

const sink = createSink();
setTimeout(() => {
  sink.listen(port, '127.0.0.1', () => announceListening((sink.address() as AddressInfo).port));
}, delayMs);
process.once('SIGTERM', () => process.exit(0));
