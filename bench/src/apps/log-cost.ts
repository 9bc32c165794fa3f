// Log line cost, in its own process so the library's pino instrumentation never touches the bare logger: prints
// `{"nsPerLine": ..., "timedFromMs": ...}` on the ready fd (timedFromMs: when the timed lines began, since process start). Usage: node log-cost.ts <bare|bare-formatted|lab> <lines>
// stdout (the log destination) is /dev/null, as the harness starts it.
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';

type Kind = 'bare' | 'bare-formatted' | 'lab';
const KINDS: readonly Kind[] = ['bare', 'bare-formatted', 'lab'];
const kind = process.argv[2] as Kind;
const lines = Number(process.argv[3]);
if (!KINDS.includes(kind)) throw new Error(`first argument must be one of ${KINDS.join(', ')}, got ${process.argv[2]}`);
if (!Number.isInteger(lines) || lines < 1) throw new Error(`second argument must be a line count, got ${process.argv[3]}`);

const PAYLOAD = { order_id: 'o-1234', items: 3, total_cents: 4599 };

async function loggerAndScope(): Promise<{ logger: pino.Logger; inScope: (work: () => void) => void }> {
  if (kind === 'bare') return { logger: pino(pino.destination({ fd: 1, sync: false })), inScope: (work) => work() };
  if (kind === 'bare-formatted') {
    // The library logger's formatting (ISO time, level label, service) without trace fields: isolates their cost.
    const logger = pino(
      { base: { service: 'bench' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
      pino.destination({ fd: 1, sync: false }),
    );
    return { logger, inScope: (work) => work() };
  }
  const { init } = await import('@lab/telemetry');
  const telemetry = init({ serviceName: 'bench', handleSignals: false, tracing: { exporter: 'none' } });
  const inScope = (work: () => void) =>
    telemetry.tracer.startActiveSpan('log-cost', (span) => {
      work();
      span.end();
    });
  return { logger: telemetry.logger, inScope };
}

const { logger, inScope } = await loggerAndScope();
const writeLines = (count: number) => {
  for (let i = 0; i < count; i += 1) logger.info(PAYLOAD, 'order placed');
};
let nsPerLine = 0;
let timedFromMs = 0;
inScope(() => {
  writeLines(Math.min(lines, 20_000)); // warm up the JIT
  const started = performance.now();
  timedFromMs = started;
  writeLines(lines);
  nsPerLine = ((performance.now() - started) * 1e6) / lines;
});
logger.flush();
writeSync(Number(process.env.BENCH_READY_FD ?? 1), `${JSON.stringify({ nsPerLine, timedFromMs })}\n`);
