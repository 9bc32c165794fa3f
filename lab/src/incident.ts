// The scheduled incident: faults set and cleared through a service's admin API (bearer token), exactly as an
// operator would with curl.
import type { IncidentName } from './options.ts';

export interface IncidentPlan {
  name: Exclude<IncidentName, 'none'>;
  service: 'payments';
  /** Body of PUT /faults. */
  faults: Record<string, unknown>;
}

/** The share of the payments-latency incident spent on the CPU: 60 ms of 1.2 s, about six 100 Hz samples per span. */
const INCIDENT_CPU_SHARE = 0.05;

export function incidentPlan(name: IncidentName, latencyMs: number): IncidentPlan | undefined {
  switch (name) {
    case 'none':
      return undefined;
    case 'payments-latency':
      // A spread, not a constant: the RED p95 moves and exemplars on the spike vary. Part of the slowness is a hot
      // code path (burnCpu), so the slow span's flamegraph shows which function ate its time, and the wall profiler,
      // which labels only samples taken while JavaScript runs, always catches the span.
      return {
        name,
        service: 'payments',
        faults: { '*': { latencyMs: { min: Math.round(latencyMs * 0.6), max: latencyMs }, cpuMs: Math.round(latencyMs * INCIDENT_CPU_SHARE) } },
      };
    case 'payments-errors':
      return { name, service: 'payments', faults: { '*': { errorPercent: 50, errorStatus: 503 } } };
  }
}

export async function setFaults(adminPort: number, token: string, faults: Record<string, unknown> | undefined): Promise<void> {
  const url = `http://127.0.0.1:${adminPort}/faults`;
  const response = await fetch(url, {
    method: faults ? 'PUT' : 'DELETE',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: faults ? JSON.stringify(faults) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`${faults ? 'PUT' : 'DELETE'} ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

export type IncidentState = 'none' | 'off' | 'on' | 'over';

/** Turns the incident on and off at the planned times, and remembers when it really was on. */
export class IncidentSchedule {
  readonly plan: IncidentPlan | undefined;
  state: IncidentState;
  /** Unix seconds when the fault was set and cleared. */
  start: number | undefined;
  end: number | undefined;
  readonly #adminPort: number;
  readonly #token: string;
  readonly #note: (text: string) => void;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(plan: IncidentPlan | undefined, adminPort: number, token: string, note: (text: string) => void) {
    this.plan = plan;
    this.state = plan ? 'off' : 'none';
    this.#adminPort = adminPort;
    this.#token = token;
    this.#note = note;
  }

  schedule(onAfterMs: number, offAfterMs: number): void {
    if (!this.plan) return;
    this.#timers.push(
      setTimeout(() => void this.#turnOn(), onAfterMs),
      setTimeout(() => void this.turnOff(), offAfterMs),
    );
  }

  /** Clears the fault if it is on (also when the run ends early). */
  async turnOff(): Promise<void> {
    this.cancel();
    if (this.state !== 'on' || !this.plan) return;
    try {
      await setFaults(this.#adminPort, this.#token, undefined);
      this.state = 'over';
      this.end = Date.now() / 1000;
      this.#note(`incident over: ${this.plan.name}`);
    } catch (error) {
      this.#note(`could not end the incident: ${(error as Error).message}`);
    }
  }

  cancel(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }

  async #turnOn(): Promise<void> {
    if (!this.plan) return;
    try {
      await setFaults(this.#adminPort, this.#token, this.plan.faults);
      this.state = 'on';
      this.start = Date.now() / 1000;
      this.#note(`incident on: ${this.plan.name} on ${this.plan.service} (${JSON.stringify(this.plan.faults)})`);
    } catch (error) {
      this.#note(`could not start the incident: ${(error as Error).message}`);
    }
  }
}
