// Service level objectives, the same for every service (the `job` label): the rules alert per service, the
// dashboards draw the same targets.
export const slo = {
  availability: {
    /** Share of requests answered without a 5xx. */
    objective: 0.995,
  },
  latency: {
    /** Share of requests answered within `thresholdSeconds`: a bucket bound of the server histogram. */
    objective: 0.99,
    thresholdSeconds: 0.5,
  },
} as const;

export const errorBudget = (objective: number): number => Number((1 - objective).toPrecision(6));
