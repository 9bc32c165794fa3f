// The scheduled incident: faults set and cleared through a service's admin API (bearer token), exactly as an
// operator would with curl.
import type { IncidentName } from './options.ts';

export interface IncidentPlan {
  name: Exclude<IncidentName, 'none'>;
  service: 'payments';
  /** Body of PUT /faults. */
  faults: Record<string, unknown>;
}

export function incidentPlan(name: IncidentName, latencyMs: number): IncidentPlan | undefined {
  switch (name) {
    case 'none':
      return undefined;
    case 'payments-latency':
      // A spread, not a constant: the RED p95 moves and exemplars on the spike vary.
      return { name, service: 'payments', faults: { '*': { latencyMs: { min: Math.round(latencyMs * 0.6), max: latencyMs } } } };
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
