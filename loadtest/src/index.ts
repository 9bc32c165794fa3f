export type { Journey, Step, StepResponse } from './journey-types.ts';
export * from './journeys.ts';
export { type DryRunStep, type PlannedRequest, planJourneys, runEachOnce } from './dry-run.ts';
export {
  assertLoopback,
  type JourneyReport,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
  type LoadRun,
  startLoad,
} from './runner.ts';
