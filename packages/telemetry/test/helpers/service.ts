// Test helper: runs a service as a real child process and follows its stdout line by line.
// A service announces readiness by printing `listening <port>` (the fixtures under ../fixtures do).
// Register `stop()` with `after()`/`t.after()`: it kills the child (SIGKILL after a grace period) and never throws.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface ServiceOptions {
  /** Script path, run as `node [...nodeArgs] script`. */
  script: string;
  nodeArgs?: string[];
  /** Added to a minimal environment (PATH, HOME), not to the test's own. */
  env?: Record<string, string>;
  cwd?: string;
  /** Max wait for `listening <port>`; default 15 s. */
  startTimeoutMs?: number;
}

export interface RunningService {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the first line (seen or to come) matching; rejects after timeoutMs. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends `signal`, waits up to graceMs, then SIGKILLs. Resolves with the exit code or signal. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  if (process.env.NODE_COMPILE_CACHE) env.NODE_COMPILE_CACHE = process.env.NODE_COMPILE_CACHE;
  return { ...env, ...extra };
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    cwd: options.cwd,
    env: baseEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const listener of listeners) listener(line);
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);

  function waitForLine(predicate: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const seen = lines.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const listener = (line: string) => {
        if (!predicate(line)) return;
        finish();
        resolve(line);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching line within ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      listeners.add(listener);
      exited.then(() => {
        if (!listeners.has(listener)) return;
        finish();
        reject(new Error(`process exited before a matching line; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
      });
    });
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | string> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  }

  let port: number;
  try {
    const line = await waitForLine((candidate) => /^listening \d+$/.test(candidate), options.startTimeoutMs ?? 15_000);
    port = Number(line.split(' ')[1]);
  } catch (error) {
    await stop('SIGKILL');
    throw error;
  }
  return { child, port, url: `http://127.0.0.1:${port}`, lines, stderr: () => stderr, waitForLine, exited, stop };
}

/** stdout lines parsed as JSON; throws naming the first line that is not JSON. */
export function jsonLines(lines: string[]): Array<Record<string, unknown>> {
  return lines
    .filter((line) => !/^listening \d+$/.test(line))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`stdout line is not JSON: ${line}`);
      }
    });
}
