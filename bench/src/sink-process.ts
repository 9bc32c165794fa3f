// Starts the discarding sink in its own process (optionally answering only after a delay, on a port chosen ahead).
import { freePort } from '@lab/dev-kit/ports';
import { type BenchChild, startChild } from './child.ts';

const SINK_SCRIPT = new URL('./sink-main.ts', import.meta.url).pathname;

export interface SinkProcess {
  url: string;
  child: BenchChild;
}

export async function startSink(cpu: number | undefined): Promise<SinkProcess> {
  const child = await startChild({ script: SINK_SCRIPT, cpu });
  return { url: `http://127.0.0.1:${child.port}`, child };
}

/** A sink that refuses connections for delayMs and then answers, on a port picked now. */
export async function startLateSink(cpu: number | undefined, delayMs: number): Promise<SinkProcess> {
  const port = await freePort();
  const child = await startChild({ script: SINK_SCRIPT, cpu, args: ['--port', String(port), '--delay-ms', String(delayMs)], noWait: true });
  return { url: `http://127.0.0.1:${port}`, child };
}
