// Collects every service's stdout like Fluent Bit's tail input would: one JSON object per line, one file per
// service. Lines that are not JSON (a crash trace, a warning from Node) are kept, wrapped with service and level.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { type RunFolder, serviceLogFile } from './run-folder.ts';

export interface LogCounts {
  lines: number;
  withTraceId: number;
  errors: number;
}

export class LogCollector {
  readonly #streams = new Map<string, WriteStream>();
  readonly counts = new Map<string, LogCounts>();
  readonly #folder: RunFolder;

  constructor(folder: RunFolder) {
    this.#folder = folder;
    mkdirSync(folder.logsDir, { recursive: true });
  }

  /** A line handler for one stream of one service. */
  sink(service: string, stream: 'stdout' | 'stderr'): (line: string) => void {
    return (line) => this.write(service, stream, line);
  }

  write(service: string, stream: 'stdout' | 'stderr', line: string): void {
    if (line.trim() === '') return;
    let record = parseObject(line);
    if (!record) record = { time: new Date().toISOString(), level: stream === 'stderr' ? 'error' : 'info', service, msg: line, stream };
    const counts = this.counts.get(service) ?? { lines: 0, withTraceId: 0, errors: 0 };
    counts.lines++;
    if (typeof record['trace_id'] === 'string') counts.withTraceId++;
    if (record['level'] === 'error' || record['level'] === 'fatal') counts.errors++;
    this.counts.set(service, counts);
    this.#stream(service).write(`${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.#streams.values()].map(async (stream) => {
        stream.end();
        await once(stream, 'close');
      }),
    );
    this.#streams.clear();
  }

  #stream(service: string): WriteStream {
    let stream = this.#streams.get(service);
    if (!stream) {
      stream = createWriteStream(serviceLogFile(this.#folder, service), { flags: 'a' });
      this.#streams.set(service, stream);
    }
    return stream;
  }
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
