// One lab run: receivers, services, Prometheus (or the fallback scraper), load with a scheduled incident, then the
// correlation walk and the flow report over what landed in the run folder.
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { journeys, type LoadReport, type LoadRun, startLoad } from '@lab/loadtest';
import { type FlowStats, flowLines, flowStats } from './correlation/flow.ts';
import { LocalBackends } from './correlation/local.ts';
import type { TimeRange } from './correlation/types.ts';
import { type WalkResult, walk } from './correlation/walk.ts';
import { IncidentSchedule, incidentPlan } from './incident.ts';
import { LogCollector, type LogCounts } from './log-collector.ts';
import type { FallbackScraper } from './metrics/fallback-scraper.ts';
import type { ScrapeTarget } from './metrics/prometheus.ts';
import type { MetricsSource } from './metrics/source.ts';
import { type ServiceRuntime, serviceRuntime } from './metrics/runtime.ts';
import { startMetrics } from './metrics/start.ts';
import { DEFAULT_PORTS, type LabOptions, type PortName, type Ports, SERVICE_NAMES, UsageError } from './options.ts';
import { assertPortFree, freePort } from './ports.ts';
import { Supervisor } from './processes.ts';
import type { ProgressDisplay } from './progress.ts';
import { type ReceiverCounts, LocalReceivers } from './receivers.ts';
import { writeReport } from './report/write.ts';
import { type RunFolder, runFolder, timestampName } from './run-folder.ts';
import { serviceLaunch, waitHealthy } from './services.ts';

export interface LabSummary {
  runId: string;
  runDir: string;
  startedAt: string;
  endedAt: string;
  /** 'completed', or 'interrupted' when stopped with Ctrl-C. */
  status: 'completed' | 'interrupted';
  ok: boolean;
  options: Omit<LabOptions, 'json'>;
  ports: Ports;
  metrics: { source: MetricsSource['kind']; prometheusBinary?: string; scrapeIntervalSeconds: number };
  incident: { name: string; service?: string; start?: number; end?: number };
  /** Unix seconds of the load phase. */
  range: TimeRange;
  load?: LoadReport;
  received: ReceiverCounts;
  logs: Record<string, LogCounts>;
  walk?: Pick<WalkResult, 'ok' | 'links' | 'exemplar' | 'exemplarsByService'> & { traceId?: string; services: string[] };
  /** Every exemplar of the run checked like the walked one. */
  flow?: FlowStats;
  /** Per service: largest event-loop delay and profile windows received. */
  runtime?: ServiceRuntime[];
  report?: string;
}

const SERVICE_START_TIMEOUT_MS = 60_000;
const SERVICE_STOP_GRACE_MS = 10_000;

/** Every port the lab binds: given ones, then defaults or free ones; each checked free before anything starts. */
export async function resolvePorts(given: Partial<Ports>, auto: boolean): Promise<Ports> {
  const names = Object.keys(DEFAULT_PORTS) as PortName[];
  const ports = {} as Ports;
  const taken = new Set(Object.values(given));
  for (const name of names) {
    let port = given[name];
    if (port === undefined && auto) {
      do port = await freePort();
      while (taken.has(port));
      taken.add(port);
    }
    ports[name] = port ?? DEFAULT_PORTS[name];
  }
  const seen = new Map<number, PortName>();
  for (const name of names) {
    const other = seen.get(ports[name]);
    if (other) throw new UsageError(`--ports: ${name} and ${other} both use port ${ports[name]}`);
    seen.set(ports[name], name);
  }
  for (const name of names) await assertPortFree(ports[name], name);
  return ports;
}

function createRunFolder(runsDir: string): RunFolder {
  let root = resolve(runsDir, timestampName());
  for (let suffix = 2; existsSync(root); suffix++) root = resolve(runsDir, `${timestampName()}-${suffix}`);
  const folder = runFolder(root);
  for (const dir of [folder.root, folder.logsDir, folder.profilesDir, folder.dataDir]) mkdirSync(dir, { recursive: true });
  return folder;
}

export interface LabIo {
  display: ProgressDisplay;
  /** Aborts the run (Ctrl-C): load stops, everything is stopped in order, no walk. */
  signal: AbortSignal;
}

export async function runLab(options: LabOptions, io: LabIo): Promise<LabSummary> {
  const { display } = io;
  const ports = await resolvePorts(options.ports, options.autoPorts);
  const folder = createRunFolder(options.runsDir);
  const runId = randomUUID();
  const adminToken = randomBytes(24).toString('hex');
  const supervisor = new Supervisor();
  const logs = new LogCollector(folder);
  const labLog = (line: string) => appendFileSync(folder.labLog, `${line}\n`);
  const startedAt = new Date();
  let receivers: LocalReceivers | undefined;
  let scraper: FallbackScraper | undefined;
  let load: LoadRun | undefined;
  let incident: IncidentSchedule | undefined;
  const { json: _json, ...recorded } = options;
  const summary: LabSummary = {
    runId,
    runDir: folder.root,
    startedAt: startedAt.toISOString(),
    endedAt: '',
    status: 'completed',
    ok: false,
    options: recorded,
    ports,
    metrics: { source: 'prometheus', scrapeIntervalSeconds: options.scrapeIntervalSeconds },
    incident: { name: options.incident },
    range: { start: startedAt.getTime() / 1000, end: startedAt.getTime() / 1000 },
    received: { spans: 0, otlpLogs: 0, profiles: 0, profilesByService: {}, spansByService: {} },
    logs: {},
  };
  display.phase('starting', `run ${runId} -> ${folder.root}`);

  const onAbort = () => {
    summary.status = 'interrupted';
    display.phase('stopping', 'interrupted (Ctrl-C again kills everything at once)');
    load?.stop();
  };
  io.signal.addEventListener('abort', onAbort, { once: true });
  let failure: Error | undefined;
  supervisor.onUnexpectedExit((process, code) => {
    failure ??= new Error(`${process.name} exited unexpectedly (${code}); see ${process.name === 'prometheus' ? 'lab.log' : `logs/${process.name}.jsonl`}`);
    display.note(`lab: ${failure.message}`);
    load?.stop();
  });

  try {
    receivers = await LocalReceivers.start(folder, ports.otlp, ports.pyroscope);
    display.phase('starting', `receiver listening: OTLP/HTTP 127.0.0.1:${ports.otlp}, Pyroscope ingest 127.0.0.1:${ports.pyroscope}`);

    const context = {
      ports,
      adminToken,
      dataDir: folder.dataDir,
      runId,
      profileUploadInterval: options.durationMs < 120_000 ? '3s' : '10s',
      otlpProtocol: options.otlpProtocol,
    };
    const started = SERVICE_NAMES.map((name) => {
      const launch = serviceLaunch(name, context);
      mkdirSync(launch.env['DATA_DIR']!, { recursive: true });
      return supervisor.start({ ...launch, onStdout: logs.sink(name, 'stdout'), onStderr: logs.sink(name, 'stderr') });
    });
    await Promise.all(started.map((process) => waitHealthy(process.name, ports[process.name as PortName], SERVICE_START_TIMEOUT_MS, process.exited)));
    display.phase('starting', `services up: ${SERVICE_NAMES.map((name) => `${name} :${ports[name]}`).join(', ')}`);

    const targets: ScrapeTarget[] = SERVICE_NAMES.map((name) => ({ job: name, port: ports[name] }));
    const startedMetrics = await startMetrics(supervisor, folder, targets, { ...options, port: ports.prometheus }, labLog);
    const metrics = startedMetrics.source;
    scraper = startedMetrics.scraper;
    summary.metrics = {
      source: metrics.kind,
      ...(startedMetrics.prometheusBinary ? { prometheusBinary: startedMetrics.prometheusBinary } : {}),
      scrapeIntervalSeconds: options.scrapeIntervalSeconds,
    };
    display.phase('starting', startedMetrics.description);
    if (io.signal.aborted || failure) throw failure ?? new Error('interrupted');

    // Load, with the incident on halfway.
    const loadStart = Date.now();
    summary.range.start = loadStart / 1000;
    load = startLoad({
      baseUrl: `http://127.0.0.1:${ports.gateway}`,
      journeys,
      ratePerSecond: options.rate,
      durationMs: options.durationMs,
      maxInFlight: options.maxInFlight,
      runId,
      thinkTimeScale: 0.3,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    const plan = incidentPlan(options.incident, options.incidentLatencyMs);
    incident = new IncidentSchedule(plan, plan ? ports[`${plan.service}-admin`] : 0, adminToken, (text) => display.phase('load', text));
    incident.schedule(options.durationMs * options.incidentAt, options.durationMs * (options.incidentAt + options.incidentFor));
    const progress = () => ({ phase: 'load' as const, elapsedMs: Date.now() - loadStart, durationMs: options.durationMs, load: load?.progress(), incident: incident?.state ?? 'none' });
    const ticker = setInterval(() => display.update(progress()), 1000);
    summary.load = await load.done;
    clearInterval(ticker);
    display.update(progress());
    display.end();
    await incident.turnOff();
    summary.range.end = Date.now() / 1000;
    summary.incident = { name: options.incident, ...(plan ? { service: plan.service } : {}), start: incident.start, end: incident.end };
    if (failure) throw failure;

    if (summary.status === 'completed') {
      // One more scrape after the load, then stop the services so they flush their last spans and profiles.
      display.phase('settling', `load done (${summary.load.requests} requests); waiting for the last scrape`);
      await delay((options.scrapeIntervalSeconds + 1) * 1000, io.signal);
    }
    display.phase('stopping', 'stopping the services (they flush their last spans and profiles)');
    await Promise.all(started.map((process) => supervisor.stop(process, SERVICE_STOP_GRACE_MS)));
    scraper?.stop();

    if (summary.status === 'completed') {
      display.phase('walking', 'metrics -> exemplar -> trace -> logs -> profile, then the report');
      const backends = new LocalBackends(folder, metrics);
      const incidentWindow = {
        start: summary.incident.start ?? summary.range.start,
        // Exemplars are stamped when scraped: the window reaches one scrape past the incident's end.
        end: (summary.incident.end ?? summary.range.end) + options.scrapeIntervalSeconds + 1,
      };
      const lookupRange = { start: summary.range.start - 60, end: summary.range.end + 60 };
      const result = await walk(backends, { services: [...SERVICE_NAMES], entryService: 'gateway', window: incidentWindow, range: lookupRange });
      // Every exemplar of the load phase, up to the last scrape after it.
      const runWindow = { start: Math.floor(summary.range.start), end: Math.ceil(summary.range.end) + options.scrapeIntervalSeconds + 1 };
      summary.flow = await flowStats(backends, { services: [...SERVICE_NAMES], window: runWindow, range: lookupRange });
      summary.runtime = await serviceRuntime([...SERVICE_NAMES], metrics, backends, runWindow);
      summary.walk = {
        ok: result.ok,
        links: result.links,
        exemplar: result.exemplar,
        exemplarsByService: result.exemplarsByService,
        traceId: result.exemplar?.traceId,
        services: [...new Set(result.trace?.map((span) => span.serviceName) ?? [])],
      };
      if (options.report) {
        summary.report = await writeReport({ folder, backends, metrics, walk: result, summary, incidentWindow });
      }
      summary.ok = result.ok && (summary.load?.passed ?? false) && flowLines(summary.flow).every((line) => line.ok);
    }
  } finally {
    incident?.cancel();
    io.signal.removeEventListener('abort', onAbort);
    load?.stop();
    scraper?.stop();
    await supervisor.stopAll(SERVICE_STOP_GRACE_MS);
    if (receivers) {
      summary.received = receivers.counts;
      await receivers.close();
    }
    summary.logs = Object.fromEntries(logs.counts);
    await logs.close();
    summary.endedAt = new Date().toISOString();
    display.phase('done', `${summary.status}${summary.walk ? `, walk ${summary.walk.ok ? 'resolved' : 'broken'}` : ''}`);
    writeFileSync(folder.summary, `${JSON.stringify(summary, null, 2)}\n`);
  }
  return summary;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
