// A telemetry backend that accepts everything and keeps nothing: OTLP/HTTP (/v1/traces, /v1/metrics, /v1/logs),
// the Datadog agent API (/v0.4/traces, /v0.5/traces, /info, /telemetry/proxy/*) and Pyroscope (/ingest). It counts
// requests and bytes per signal so the report can show every variant really exported.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const STATS_PATH = '/__bench/stats';

export type SinkStats = Record<string, { requests: number; bytes: number }>;

interface Reply {
  status: number;
  contentType?: string;
  body?: string;
}

const DATADOG_TRACES = /^\/v0\.[45]\/traces$/;
const EMPTY = { status: 200 } as const;

function replyFor(req: IncomingMessage): Reply {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path.startsWith('/v1/')) {
    // An empty protobuf message is a valid Export*ServiceResponse; JSON clients get the empty object.
    const json = (req.headers['content-type'] ?? '').includes('json');
    return json ? { status: 200, contentType: 'application/json', body: '{}' } : { status: 200, contentType: 'application/x-protobuf', body: '' };
  }
  if (DATADOG_TRACES.test(path)) return { status: 200, contentType: 'application/json', body: '{"rate_by_service":{}}' };
  if (path === '/info') return { status: 200, contentType: 'application/json', body: '{"version":"bench-sink","endpoints":["/v0.4/traces","/v0.5/traces"]}' };
  if (path.startsWith('/v0.7/config')) return { status: 404 }; // no remote configuration, as an agent with it off
  return EMPTY;
}

function signalOf(path: string): string {
  if (path.startsWith('/v1/')) return `otlp_${path.slice(4)}`;
  if (DATADOG_TRACES.test(path)) return 'datadog_traces';
  if (path.startsWith('/ingest')) return 'pyroscope';
  return 'other';
}

export function createSink(): Server {
  let stats: SinkStats = {};
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === STATS_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      if (req.url?.includes('reset=1')) stats = {};
      return;
    }
    const signal = signalOf(path);
    stats[signal] ??= { requests: 0, bytes: 0 };
    const entry = stats[signal];
    entry.requests += 1;
    req.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
    });
    req.on('end', () => {
      const reply = replyFor(req);
      res.writeHead(reply.status, reply.contentType ? { 'content-type': reply.contentType } : {}).end(reply.body ?? '');
    });
  });
}

/** Reads and clears the counters of a running sink. */
export async function takeSinkStats(baseUrl: string): Promise<SinkStats> {
  const response = await fetch(`${baseUrl}${STATS_PATH}?reset=1`);
  if (!response.ok) throw new Error(`sink stats answered ${response.status}`);
  return (await response.json()) as SinkStats;
}
