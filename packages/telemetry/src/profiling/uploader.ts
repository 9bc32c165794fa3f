// Uploads profiles to Pyroscope's ingest API, the way the official Node client does (POST /ingest, gzipped pprof
// as a raw body), with what that client lacks: a bounded queue, a timeout on every request, and every lost
// profile counted. A down, slow or failing Pyroscope therefore costs at most a few queued profiles of memory.
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Logger } from 'pino';
import type { CollectedProfile } from './collector.ts';
import type { ProfilingConfig } from './contract.ts';
import type { DropReason, ProfilingMetrics } from './self-metrics.ts';

/** The wall and heap profiles of two windows: what a slow Pyroscope may hold back before the oldest is dropped. */
const MAX_QUEUED_PROFILES = 4;
const MAX_REQUEST_TIMEOUT_MS = 10_000;

export interface UploaderOptions {
  config: ProfilingConfig;
  metrics: ProfilingMetrics;
  logger: Logger;
}

export class PyroscopeUploader {
  readonly #ingestUrl: URL;
  readonly #name: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #metrics: ProfilingMetrics;
  readonly #logger: Logger;
  readonly #queue: CollectedProfile[] = [];
  #draining: Promise<void> | undefined;
  #inFlight: AbortController | undefined;
  #failing = false;

  constructor({ config, metrics, logger }: UploaderOptions) {
    this.#ingestUrl = new URL('ingest', config.serverAddress.endsWith('/') ? config.serverAddress : `${config.serverAddress}/`);
    this.#name = applicationName(config.appName, config.tags);
    this.#headers = requestHeaders(config);
    this.#timeoutMs = Math.min(config.uploadIntervalMs, MAX_REQUEST_TIMEOUT_MS);
    this.#metrics = metrics;
    this.#logger = logger;
  }

  /**
   * Node loads its fetch implementation at the first call: a synchronous ~30 ms step that would otherwise land in the
   * middle of traffic at the first upload. A call on a data: URL takes it at start instead, before requests arrive.
   */
  warmUp(): void {
    context.with(suppressTracing(ROOT_CONTEXT), () => fetch('data:,').then((response) => response.arrayBuffer())).catch(() => {});
  }

  enqueue(profile: CollectedProfile): void {
    if (this.#queue.length >= MAX_QUEUED_PROFILES) {
      this.#queue.shift();
      this.#drop('queue_full');
    }
    this.#queue.push(profile);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Sends what is queued; at the deadline, aborts the request in flight and drops the rest. Never rejects. */
  async flush(deadlineMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadlineMs), 'deadline');
    });
    const outcome = await Promise.race([this.#draining ?? Promise.resolve(), deadline]);
    clearTimeout(timer);
    if (outcome !== 'deadline') return;
    for (const _ of this.#queue.splice(0)) this.#drop('shutdown');
    this.#inFlight?.abort();
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
      // The profiler's own requests are not the application's work: keep them out of traces and HTTP metrics.
      await context.with(suppressTracing(ROOT_CONTEXT), () => this.#send(next));
    }
  }

  async #send(profile: CollectedProfile): Promise<void> {
    const controller = new AbortController();
    this.#inFlight = controller;
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    try {
      const response = await fetch(this.#requestUrl(profile), {
        method: 'POST',
        headers: this.#headers,
        body: profile.body,
        signal: controller.signal,
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.#metrics.uploaded.inc();
      if (this.#failing) this.#logger.info({ signal: 'profiles' }, 'profile upload recovered');
      this.#failing = false;
    } catch (error) {
      this.#metrics.exportFailures.inc({ signal: 'profiles' });
      this.#drop('export_failed');
      // One line per outage, not one per profile.
      if (!this.#failing) {
        const reason = controller.signal.aborted ? String(controller.signal.reason) : describe(error);
        this.#logger.warn({ signal: 'profiles', err: reason, url: this.#ingestUrl.href }, 'profile upload failed');
      }
      this.#failing = true;
    } finally {
      clearTimeout(timer);
      this.#inFlight = undefined;
    }
  }

  #requestUrl(profile: CollectedProfile): string {
    const url = new URL(this.#ingestUrl);
    url.searchParams.set('name', this.#name);
    url.searchParams.set('from', String(Math.floor(profile.fromMs / 1000)));
    url.searchParams.set('until', String(Math.ceil(profile.untilMs / 1000)));
    url.searchParams.set('format', 'pprof');
    url.searchParams.set('spyName', 'nodespy');
    if (profile.sampleRate !== undefined) url.searchParams.set('sampleRate', String(profile.sampleRate));
    return url.href;
  }

  #drop(reason: DropReason): void {
    this.#metrics.dropped.inc({ reason });
  }
}

/**
 * Pyroscope's series key, `app{tag=value,...}`. Characters that would break the key's syntax are replaced, so a
 * pod or namespace name can never split or merge series.
 */
export function applicationName(appName: string, tags: Record<string, string>): string {
  const pairs = Object.entries(tags)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key.replace(/[^A-Za-z0-9_]/g, '_')}=${value.replace(/[{}=,\s]/g, '_')}`);
  return `${appName.replace(/[{}=,\s]/g, '_')}{${pairs.join(',')}}`;
}

function requestHeaders(config: ProfilingConfig): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (config.basicAuthUser !== undefined && config.basicAuthPassword !== undefined) {
    const credentials = Buffer.from(`${config.basicAuthUser}:${config.basicAuthPassword}`).toString('base64');
    headers.authorization = `Basic ${credentials}`;
  }
  if (config.tenantId !== undefined) headers['x-scope-orgid'] = config.tenantId;
  return headers;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}
