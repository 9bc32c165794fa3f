// `pnpm verify:cluster`: the lab's correlation walk (metrics -> exemplar -> trace -> logs -> profile) over a
// cluster's Prometheus/Thanos, Tempo, Loki and Pyroscope, then the same checks over every exemplar of the window
// (flow.ts). Prints each link it resolved, or the first one that broke, and the shares; exits 1 on a break or a share
// below its target (2 on bad usage). Endpoints come from flags or env (see USAGE).
import { parseArgs } from 'node:util';
import { parseDuration as parseMilliseconds } from '@lab/dev-kit/duration';
import { BACKEND_NAMES, type BackendName, type ClusterConfig, clusterBackends, DEFAULT_PROFILE_TYPE, displayUrl, endpointFromEnv } from './correlation/cluster.ts';
import { flowLines, flowStats } from './correlation/flow.ts';
import type { CorrelationBackends, LinkName, LinkResult } from './correlation/types.ts';
import { walk } from './correlation/walk.ts';

const USAGE = `Usage: pnpm verify:cluster [options]

Walks metrics -> exemplar -> trace -> logs -> profile on a cluster, then checks every exemplar of the window the same
way (shares of complete traces, of traces with logs from every service, of CPU-heavy spans with profile samples), and
exits non-zero at the first broken link or a share below its target. Run a load first (deploy/README.md, "Load
test"), then point this at the four query APIs, e.g. through kubectl port-forward.

Endpoints (flag, or env):
  --prometheus URL   PROMETHEUS_URL   Prometheus or Thanos query (query_exemplars)
  --tempo URL        TEMPO_URL        Tempo HTTP (GET /api/traces/<id>)
  --loki URL         LOKI_URL         Loki HTTP (query_range)
  --pyroscope URL    PYROSCOPE_URL    Pyroscope HTTP (SelectMergeSpanProfile)
  Auth per endpoint, env only: <NAME>_BEARER_TOKEN, or <NAME>_USER and <NAME>_PASSWORD; <NAME>_TENANT sends
  X-Scope-OrgID. NAME is PROMETHEUS, TEMPO, LOKI or PYROSCOPE.

Options:
  --since DURATION       how far back the run goes (default 30m; s, m, h)
  --window DURATION      the incident window at the end of the range the exemplar is picked from (default: --since)
  --services LIST        services expected in the metrics (default gateway,catalog,orders,payments)
  --entry NAME           the service whose exemplars start the walk (default gateway)
  --min-services N       services the picked trace must cross (default 3)
  --profile-type ID      Pyroscope profile type (default ${DEFAULT_PROFILE_TYPE})
  --max-traces N         distinct exemplar traces checked for the shares (default 200)
  --timeout DURATION     per HTTP request (default 15s)
  -h, --help`;

class UsageError extends Error {}

/** A duration flag in seconds. */
export function parseDuration(text: string, flag: string): number {
  try {
    return parseMilliseconds(text, flag) / 1000;
  } catch {
    throw new UsageError(`${flag}: "${text}" is not a duration like 90s, 15m or 1h`);
  }
}

interface Options {
  config: ClusterConfig;
  services: string[];
  entry: string;
  minServices: number;
  maxTraces: number;
  sinceSeconds: number;
  windowSeconds: number;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      prometheus: { type: 'string' },
      tempo: { type: 'string' },
      loki: { type: 'string' },
      pyroscope: { type: 'string' },
      since: { type: 'string', default: '30m' },
      window: { type: 'string' },
      services: { type: 'string', default: 'gateway,catalog,orders,payments' },
      entry: { type: 'string', default: 'gateway' },
      'min-services': { type: 'string', default: '3' },
      'profile-type': { type: 'string', default: DEFAULT_PROFILE_TYPE },
      'max-traces': { type: 'string', default: '200' },
      timeout: { type: 'string', default: '15s' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const endpoints = Object.fromEntries(
    BACKEND_NAMES.map((name) => {
      const endpoint = endpointFromEnv(name, env, values[name]);
      if (!endpoint) throw new UsageError(`no ${name} endpoint: pass --${name} URL or set ${name.toUpperCase()}_URL`);
      try {
        new URL(endpoint.url);
      } catch {
        throw new UsageError(`--${name}: "${endpoint.url}" is not a URL`);
      }
      return [name, endpoint];
    }),
  ) as Record<BackendName, ClusterConfig['prometheus']>;
  const services = values.services.split(',').map((service) => service.trim()).filter(Boolean);
  if (services.length === 0) throw new UsageError('--services: no service named');
  const minServices = Number(values['min-services']);
  if (!Number.isInteger(minServices) || minServices < 1) throw new UsageError(`--min-services: "${values['min-services']}" is not a positive integer`);
  const maxTraces = Number(values['max-traces']);
  if (!Number.isInteger(maxTraces) || maxTraces < 1) throw new UsageError(`--max-traces: "${values['max-traces']}" is not a positive integer`);
  const sinceSeconds = parseDuration(values.since, '--since');
  const windowSeconds = values.window === undefined ? sinceSeconds : parseDuration(values.window, '--window');
  if (windowSeconds > sinceSeconds) throw new UsageError('--window is longer than --since');
  return {
    config: { ...endpoints, profileType: values['profile-type'], timeoutMs: parseDuration(values.timeout, '--timeout') * 1000 },
    services,
    entry: values.entry,
    minServices,
    maxTraces,
    sinceSeconds,
    windowSeconds,
  };
}

/**
 * The backends with HTTP failures turned into "nothing found" for the walk, remembered per link: the walk then
 * reports the links it resolved before, and the broken link is explained by the failure rather than by emptiness.
 */
function recordingFailures(backends: CorrelationBackends, failures: Map<LinkName, string>): CorrelationBackends {
  let exemplarCalls = 0;
  const guard = async <T>(link: LinkName, call: () => Promise<T>, empty: T): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (!failures.has(link)) failures.set(link, (error as Error).message);
      return empty;
    }
  };
  return {
    exemplars: (query, range) => guard(exemplarCalls++ === 0 ? 'metrics' : 'exemplar', () => backends.exemplars(query, range), []),
    trace: (traceId) => guard('trace', () => backends.trace(traceId), undefined),
    logsForTrace: (service, traceId, range) => guard('logs', () => backends.logsForTrace(service, traceId, range), []),
    profileForSpan: (service, spanId, range) => guard('profile', () => backends.profileForSpan(service, spanId, range), undefined),
  };
}

function formatDuration(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

function print(link: LinkResult): void {
  console.log(`${link.ok ? '✔' : '✘'} ${link.link.padEnd(8)} ${link.detail}`);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv, env);
  } catch (error) {
    console.error(`verify:cluster: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const end = Math.floor(Date.now() / 1000);
  const range = { start: end - options.sinceSeconds, end };
  const window = { start: end - options.windowSeconds, end };
  console.log(
    `verify:cluster: ${BACKEND_NAMES.map((name) => `${name} ${displayUrl(options.config[name].url)}`).join(', ')}; ` +
      `the last ${formatDuration(options.sinceSeconds)}, services ${options.services.join(', ')}`,
  );
  const failures = new Map<LinkName, string>();
  const backends = clusterBackends(options.config);
  const result = await walk(recordingFailures(backends, failures), {
    services: options.services,
    entryService: options.entry,
    window,
    range,
    minServices: options.minServices,
  });
  for (const link of result.links) {
    const failure = failures.get(link.link);
    print(link.ok || !failure ? link : { ...link, detail: failure });
    if (!link.ok) break;
  }
  let sharesOk = false;
  try {
    const flow = await flowStats(backends, { services: options.services, window, range, maxTraces: options.maxTraces });
    const capped = flow.traces < flow.tracesInWindow ? ` (${flow.tracesInWindow} in the window, capped by --max-traces)` : '';
    console.log(`every exemplar of the window: ${flow.exemplars} exemplars, ${flow.traces} traces${capped}`);
    const lines = flowLines(flow);
    for (const line of lines) console.log(`${line.ok ? '✔' : '✘'} ${line.text}`);
    for (const problem of flow.problems) console.log(`    ${problem}`);
    sharesOk = lines.every((line) => line.ok);
  } catch (error) {
    console.log(`✘ shares: ${(error as Error).message}`);
  }
  const ok = result.ok && sharesOk;
  if (ok) console.log('verify:cluster: the flow is connected end to end, for every exemplar of the window');
  return ok ? 0 : 1;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
