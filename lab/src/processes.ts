// Child processes of the lab, each in its own process group so that a stop reaches whatever it spawned and so that
// the terminal's Ctrl-C reaches the lab first, which then stops everything in order (load, services so they flush
// their telemetry, then Prometheus). If the lab itself dies, an exit hook kills every group it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Each line the process prints on stdout. */
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
}

export interface Supervised {
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal name) when the process has exited. */
  exited: Promise<number | string>;
}

export class Supervisor {
  readonly #running = new Set<Supervised>();
  /** Processes the lab is stopping on purpose: their exit is not a failure. */
  readonly #stoppingNow = new Set<Supervised>();
  #onUnexpectedExit: (process: Supervised, code: number | string) => void = () => {};
  #stopping = false;

  constructor() {
    process.on('exit', () => this.killAllNow());
  }

  /** Called when a process exits while the lab is not stopping it. */
  onUnexpectedExit(handler: (process: Supervised, code: number | string) => void): void {
    this.#onUnexpectedExit = handler;
  }

  start(spec: SpawnSpec): Supervised {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (spec.onStdout) createInterface({ input: child.stdout! }).on('line', spec.onStdout);
    else child.stdout!.resume();
    if (spec.onStderr) createInterface({ input: child.stderr! }).on('line', spec.onStderr);
    else child.stderr!.resume();
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => resolve(`spawn failed: ${error.message}`));
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    });
    const supervised: Supervised = { name: spec.name, child, exited };
    this.#running.add(supervised);
    void exited.then((code) => {
      this.#running.delete(supervised);
      if (!this.#stopping && !this.#stoppingNow.has(supervised)) this.#onUnexpectedExit(supervised, code);
    });
    return supervised;
  }

  /** SIGTERM to the group, SIGKILL after the grace period. */
  async stop(supervised: Supervised, graceMs: number): Promise<number | string> {
    if (!this.#running.has(supervised)) return supervised.exited;
    this.#stoppingNow.add(supervised);
    signalGroup(supervised.child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(supervised.child, 'SIGKILL'), graceMs);
    const code = await supervised.exited;
    clearTimeout(timer);
    // The leader is gone; anything it left in its group goes too.
    signalGroup(supervised.child, 'SIGKILL');
    return code;
  }

  /** Marks the orderly shutdown: exits from now on are expected. */
  beginShutdown(): void {
    this.#stopping = true;
  }

  async stopAll(graceMs: number): Promise<void> {
    this.beginShutdown();
    await Promise.all([...this.#running].map((supervised) => this.stop(supervised, graceMs)));
  }

  /** Synchronous last resort (process exit, crash): SIGKILL every group still running. */
  killAllNow(): void {
    for (const supervised of this.#running) signalGroup(supervised.child, 'SIGKILL');
  }

  get running(): string[] {
    return [...this.#running].map((supervised) => supervised.name);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
