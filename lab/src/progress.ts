// The live display: one line redrawn in place on a terminal, plain lines every few seconds otherwise (CI logs, pipes).
import type { LoadProgress } from '@lab/loadtest';

export type Phase = 'starting' | 'load' | 'settling' | 'stopping' | 'walking' | 'done';

export interface ProgressState {
  phase: Phase;
  elapsedMs: number;
  durationMs: number;
  load?: LoadProgress;
  incident: 'off' | 'on' | 'over' | 'none';
}

const PLAIN_EVERY_MS = 5000;

export class ProgressDisplay {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  #lastPlain = 0;
  #lineOpen = false;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY) && process.env['TERM'] !== 'dumb';
  }

  update(state: ProgressState): void {
    const line = formatProgress(state);
    if (this.#tty) {
      this.#out.write(`\r\x1b[2K${line}`);
      this.#lineOpen = true;
    } else if (Date.now() - this.#lastPlain >= PLAIN_EVERY_MS) {
      this.#lastPlain = Date.now();
      this.#out.write(`${line}\n`);
    }
  }

  /** A line that stays (phase changes, warnings), printed above the live line. */
  note(text: string): void {
    if (this.#lineOpen) this.#out.write('\r\x1b[2K');
    this.#lineOpen = false;
    this.#out.write(`${text}\n`);
  }

  /** A phase change: `[phase] what happens`. */
  phase(phase: Phase, text: string): void {
    this.note(`[${phase}] ${text}`);
  }

  end(): void {
    if (this.#lineOpen) this.#out.write('\n');
    this.#lineOpen = false;
  }
}

export function formatProgress(state: ProgressState): string {
  const seconds = (ms: number) => `${Math.floor(ms / 1000)}s`;
  const parts = [`[${state.phase}]`, `${seconds(state.elapsedMs)}/${seconds(state.durationMs)}`];
  if (state.load) {
    parts.push(
      `${state.load.rate.toFixed(1)} req/s`,
      `errors ${(state.load.errorRatio * 100).toFixed(1)}%`,
      `requests ${state.load.requests}`,
      `in flight ${state.load.inFlight}`,
    );
    if (state.load.dropped > 0) parts.push(`dropped ${state.load.dropped}`);
  }
  parts.push(`incident ${state.incident}`);
  return parts.join('  ');
}
