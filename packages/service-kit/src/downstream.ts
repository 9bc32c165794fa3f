// HTTP client for calls to other services (global fetch, so the telemetry library traces and propagates them):
// a timeout per attempt, bounded retries with jittered exponential backoff for idempotent calls only, and
// failures mapped to 503 (unreachable, timed out, overloaded) or 502 (broken answer) problems with a clear body.
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { integerFromEnv, urlFromEnv } from './env.ts';
import { HttpProblem, isProblemBody } from './problem.ts';

export interface DownstreamOptions {
  /** Service name, used in error bodies (e.g. "catalog"). */
  name: string;
  baseUrl: string;
  /** Per attempt; default 2000 ms. */
  timeoutMs?: number;
  /** Attempts for idempotent calls, first included; default 3. */
  maxAttempts?: number;
  /** First backoff; doubles per retry, with ±50% jitter; default 50 ms. */
  backoffMs?: number;
}

export interface DownstreamRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to repeat: GET/PUT/DELETE are by definition; a POST only when the callee dedupes it (idempotency key). */
  idempotent?: boolean;
}

export interface DownstreamResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Answers with these statuses mean "try again later", so an idempotent call is retried. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

export class DownstreamClient {
  readonly name: string;
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoffMs: number;

  constructor(options: DownstreamOptions) {
    this.name = options.name;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.#backoffMs = options.backoffMs ?? 50;
  }

  /**
   * Resolves with any answer below 500 (the caller decides what a 404 or 409 means, see `problemFrom`);
   * throws an HttpProblem 503/502 when the service cannot give one.
   */
  async request<T = unknown>(request: DownstreamRequest): Promise<DownstreamResponse<T>> {
    const method = request.method ?? 'GET';
    const attempts = (request.idempotent ?? method !== 'POST') ? this.#maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt<T>(method, request, attempt);
      if ('response' in outcome) return outcome.response;
      if (!outcome.retryable || attempt >= attempts) throw outcome.problem;
      await sleep(this.#backoff(attempt));
    }
  }

  /** A readiness check: the service answers its liveness probe in time. */
  async check(): Promise<void> {
    const response = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${this.name} /healthz answered ${response.status}`);
  }

  /** Re-raises a downstream 4xx problem as ours, keeping its status, title, detail and field errors. */
  problemFrom(response: DownstreamResponse): HttpProblem {
    const body = isProblemBody(response.body) ? response.body : undefined;
    return new HttpProblem(response.status, {
      type: body?.type.replace(/^urn:lab:problem:/, ''),
      title: body?.title,
      detail: body?.detail ?? `${this.name} answered ${response.status}`,
      errors: body?.errors,
      extensions: { downstream: this.name },
    });
  }

  async #attempt<T>(method: string, request: DownstreamRequest, attempt: number): Promise<Outcome<T>> {
    const url = `${this.baseUrl}${request.path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const reason = `${this.name} is unavailable: ${describeFetchError(error, this.#timeoutMs)}`;
      return this.#problem(503, reason, `${method} ${url}, attempt ${attempt}`, true);
    }
    let body: unknown;
    try {
      const text = await response.text();
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      const reason = error instanceof SyntaxError ? 'answered with a body that is not JSON' : describeFetchError(error, this.#timeoutMs);
      return this.#problem(502, `${this.name} ${reason}`, `${method} ${url}, status ${response.status}`, false);
    }
    if (response.status < 500) return { response: { status: response.status, body: body as T, headers: response.headers } };
    const detail = isProblemBody(body) && body.detail ? `: ${body.detail}` : '';
    const status = response.status === 503 || response.status === 504 ? 503 : 502;
    // A problem naming its own downstream means the callee already retried: retrying again would multiply load.
    const retryable = RETRYABLE_STATUSES.has(response.status) && !(isProblemBody(body) && 'downstream' in body);
    return this.#problem(status, `${this.name} answered ${response.status}${detail}`, `${method} ${url}, attempt ${attempt}`, retryable);
  }

  /** `where` (method, internal URL, attempt) goes to logs and the span, never into the public answer. */
  #problem(status: 502 | 503, reason: string, where: string, retryable: boolean): Failure {
    trace.getActiveSpan()?.addEvent('downstream failure', { 'lab.downstream.name': this.name, 'lab.downstream.detail': `${reason} (${where})` });
    const problem = new HttpProblem(status, {
      type: status === 503 ? 'downstream-unavailable' : 'downstream-error',
      title: status === 503 ? 'Downstream service unavailable' : 'Bad answer from downstream service',
      detail: reason,
      internalDetail: `${reason} (${where})`,
      extensions: { downstream: this.name },
      headers: status === 503 ? { 'Retry-After': '1' } : {},
    });
    return { problem, retryable };
  }

  #backoff(retry: number): number {
    return this.#backoffMs * 2 ** (retry - 1) * (0.5 + Math.random());
  }
}

type Failure = { problem: HttpProblem; retryable: boolean };
type Outcome<T> = { response: DownstreamResponse<T> } | Failure;

function describeFetchError(error: unknown, timeoutMs: number): string {
  const named = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (named.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return named.cause?.code ?? named.cause?.message ?? named.message ?? String(error);
}

/** A client for the service at env[`${NAME}_URL`] with timeout env[`${NAME}_TIMEOUT_MS`] (e.g. PAYMENTS_URL). */
export function downstreamFromEnv(
  name: string,
  defaults: { url: string; timeoutMs: number },
  env: NodeJS.ProcessEnv = process.env,
): DownstreamClient {
  const prefix = name.toUpperCase();
  return new DownstreamClient({
    name,
    baseUrl: urlFromEnv(`${prefix}_URL`, defaults.url, env),
    timeoutMs: integerFromEnv(`${prefix}_TIMEOUT_MS`, defaults.timeoutMs, { min: 1, max: 120_000 }, env),
  });
}
