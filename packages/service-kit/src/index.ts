// @lab/service-kit: what every demo service shares.
export { DownstreamClient, downstreamFromEnv, type DownstreamOptions, type DownstreamRequest, type DownstreamResponse } from './downstream.ts';
export { dataDirFromEnv, openDatabase, transaction } from './database.ts';
export { ConfigError, integerFromEnv, portFromEnv, urlFromEnv } from './env.ts';
export { FaultEngine, type FaultDecision, type RuleStatus } from './faults/engine.ts';
export { FaultConfigError, faultConfigFromEnv, parseFaultConfig, type FaultConfig, type FaultKind } from './faults/spec.ts';
export type { ReadinessCheck } from './health.ts';
export { HttpProblem, notFound, PROBLEM_CONTENT_TYPE, type FieldError, type ProblemBody } from './problem.ts';
export * from './schemas.ts';
export { exitOnStartupFailure, startService, type RunningService, type ServiceOptions } from './service.ts';
export { validate } from './validate.ts';
export { seededRandom } from './random.ts';
