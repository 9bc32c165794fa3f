// Journeys are data plus small pure functions, with no dependency: k6 (sync http) and the local runner (fetch)
// both interpret them, so the two load generators cannot drift.

export interface StepResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface Step<State> {
  /** Endpoint tag used in thresholds and metrics, e.g. 'GET /api/products'. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: (state: State) => string;
  body?: (state: State) => unknown;
  headers?: (state: State) => Record<string, string>;
  /** Statuses that count as success for this step. */
  expect: number[];
  /** Reads what later steps need from the response; returns the next state. */
  extract?: (state: State, response: StepResponse) => State;
  /** Think time after the step, in ms. */
  thinkMs?: number;
}

export interface Journey<State = Record<string, unknown>> {
  name: string;
  /** Relative weight in the traffic mix. */
  weight: number;
  initialState: (random: () => number) => State;
  steps: Step<State>[];
  /** Per-journey thresholds: exit non-zero when broken. */
  thresholds: { p95Ms: number; maxErrorRate: number };
}
