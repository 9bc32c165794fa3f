// Smoke: every shared journey end to end at 1 iteration/s for 1 minute; any broken threshold fails the run.
// Run: k6 run -o experimental-prometheus-rw loadtest/k6/smoke.ts (environment: loadtest/k6/README.md).
import { journeys } from '../src/journeys.ts';
import { profileOptions } from './lib/profiles.ts';

export { journey } from './lib/iteration.ts';

export const options = profileOptions('smoke', journeys, __ENV);
