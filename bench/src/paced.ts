// An open-loop load generator at a fixed arrival rate. autocannon's overallRate lets each connection send its whole
// per-second quota back to back and then idle, so its "fixed rate" is a burst at saturation every second; here the
// requests are spread evenly (scheduled every millisecond over keep-alive connections, pipelined when a connection
// is busy, so a stalled server still receives requests on schedule and the stall shows in the latency: no
// coordinated omission). Latency runs from the write to the last byte of the answer: the generator's own timer lag
// is not counted against the server.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LoadResult } from './load.ts';
import { percentile } from './stats.ts';

export interface PacedOptions {
  host: string;
  port: number;
  path: string;
  rate: number;
  durationSec: number;
  connections: number;
}

const DRAIN_MS = 2000;
const HEADER_END = Buffer.from('\r\n\r\n');

interface Connection {
  socket: Socket;
  /** Send times of the requests in flight on this connection, oldest first. */
  inFlight: number[];
  buffered: Buffer;
}

export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  if (!(options.rate > 0)) throw new Error(`paced load needs a rate > 0, got ${options.rate}`);
  const request = Buffer.from(`GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\n\r\n`);
  const latencies: number[] = [];
  let failures = 0;
  const onResponse = (connection: Connection, status: number) => {
    const sentAt = connection.inFlight.shift()!;
    if (status >= 200 && status < 300) latencies.push(performance.now() - sentAt);
    else failures += 1;
  };
  const connections = await Promise.all(Array.from({ length: options.connections }, () => open(options, onResponse)));

  const start = performance.now();
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationSec);
  let sent = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      for (; sent < due; sent += 1) {
        // Least-loaded connection, starting after the last one used, so idle connections are preferred.
        let chosen = connections[next]!;
        for (let i = 1; i < connections.length && chosen.inFlight.length > 0; i += 1) {
          const candidate = connections[(next + i) % connections.length]!;
          if (candidate.inFlight.length < chosen.inFlight.length) chosen = candidate;
        }
        next = (connections.indexOf(chosen) + 1) % connections.length;
        chosen.inFlight.push(performance.now());
        chosen.socket.write(request);
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const elapsedSec = (performance.now() - start) / 1000;
  await waitForDrain(connections);
  for (const connection of connections) {
    failures += connection.inFlight.length;
    connection.socket.destroy();
  }
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsedSec,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    failures,
  };
}

async function waitForDrain(connections: Connection[]): Promise<void> {
  const deadline = performance.now() + DRAIN_MS;
  while (connections.some((c) => c.inFlight.length > 0) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function open(options: PacedOptions, onResponse: (connection: Connection, status: number) => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port, noDelay: true });
    const connection: Connection = { socket, inFlight: [], buffered: Buffer.alloc(0) };
    socket.once('connect', () => resolve(connection));
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      connection.buffered = connection.buffered.length ? Buffer.concat([connection.buffered, chunk]) : chunk;
      let length = responseLength(connection.buffered);
      while (length > 0) {
        onResponse(connection, Number(connection.buffered.toString('latin1', 9, 12)));
        connection.buffered = connection.buffered.subarray(length);
        length = responseLength(connection.buffered);
      }
    });
  });
}

/** Bytes of the first complete response in the buffer (Content-Length framing), or 0 when it is not complete yet. */
function responseLength(buffer: Buffer): number {
  const headerEnd = buffer.indexOf(HEADER_END);
  if (headerEnd < 0) return 0;
  const headers = buffer.toString('latin1', 0, headerEnd);
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
  if (!match) throw new Error(`paced load needs Content-Length framed responses, got:\n${headers}`);
  const length = headerEnd + HEADER_END.length + Number(match[1]);
  return buffer.length >= length ? length : 0;
}
