// /healthz (the process is alive) and /readyz (dependencies answer and the service is not draining).
import type { Express } from 'express';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';

/** A readiness check resolves when the dependency is usable and throws (with a reason) when not. */
export type ReadinessCheck = () => Promise<unknown> | unknown;

const CHECK_TIMEOUT_MS = 1500;

export function installHealth(app: Express, checks: Record<string, ReadinessCheck>, isDraining: () => boolean): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (isDraining()) {
      res.status(503).type(PROBLEM_CONTENT_TYPE).send(notReady('the service is shutting down', {}));
      return;
    }
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await runCheck(check)] as const),
    );
    const failed = results.filter(([, result]) => result !== 'ok').map(([name]) => name);
    const checkResults = Object.fromEntries(results);
    if (failed.length === 0) {
      res.json({ status: 'ready', checks: checkResults });
      return;
    }
    res.status(503).type(PROBLEM_CONTENT_TYPE).send(notReady(`not ready: ${failed.join(', ')}`, checkResults));
  });
}

async function runCheck(check: ReadinessCheck): Promise<string> {
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return 'ok';
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  }
}

function notReady(detail: string, checks: Record<string, string>): string {
  return JSON.stringify({ type: 'urn:lab:problem:not-ready', title: 'Service Unavailable', status: 503, detail, checks });
}
