// Starts a node process for the bench: optionally pinned to one CPU (taskset), stdout discarded, readiness and the
// listening port read from a pipe on fd 3, stderr kept (last lines) to explain a failed start.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';

export interface BenchChild {
  readonly pid: number;
  readonly port: number;
  /** Milliseconds from spawn to the first listening socket. */
  readonly startupMs: number;
  /** performance.now() of this process when the child was spawned. */
  readonly spawnedAt: number;
  /** Lines the child wrote on fd 3 after announcing it listens (e.g. a JSON result). */
  readonly messages: string[];
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  stop(graceMs?: number): Promise<number | null>;
  exited(): Promise<number | null>;
}

export interface StartOptions {
  script: string;
  args?: string[];
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** CPU to pin the process to; undefined leaves scheduling to the OS. */
  cpu?: number;
  /** Resolve after spawn without waiting for a listening announcement (for children that announce late or never). */
  noWait?: boolean;
  timeoutMs?: number;
  cwd?: string;
}

const STDERR_TAIL_BYTES = 4096;
let devNull: number | undefined;

export function tasksetAvailable(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Pins every thread of a running process to one CPU; false when that is not possible here. */
export function pinProcess(pid: number, cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
}

export function startChild(options: StartOptions): Promise<BenchChild> {
  devNull ??= openSync('/dev/null', 'w');
  const nodeCommand = [process.execPath, ...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])];
  const command = options.cpu === undefined ? nodeCommand : ['taskset', '-c', String(options.cpu), ...nodeCommand];
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, BENCH_READY_FD: '3' },
    stdio: ['ignore', devNull, 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
  const messages: string[] = [];
  return new Promise<BenchChild>((resolve, reject) => {
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`${command.join(' ')}: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`not listening after ${options.timeoutMs ?? 30000} ms`), options.timeoutMs ?? 30000);
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited (${code ?? signal}) before listening`);
    const handle = (port: number, startupMs: number) => {
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({
        pid: child.pid!,
        port,
        startupMs,
        spawnedAt: started,
        messages,
        stderrTail: () => stderr,
        exited: () => exit,
        stop: (graceMs = 5000) => stopChild(child, exit, graceMs),
      });
    };
    child.once('error', (error) => fail(error.message));
    child.once('exit', onEarlyExit);
    readLines(child.stdio[3] as Readable, (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match && !options.noWait) handle(Number(match[1]), performance.now() - started);
      else messages.push(line);
    });
    if (options.noWait) handle(0, 0);
  });
}

function readLines(stream: Readable, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  });
}

async function stopChild(child: ChildProcess, exit: Promise<number | null>, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return exit;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exit;
  clearTimeout(timer);
  return code;
}
