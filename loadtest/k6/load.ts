// Load: ramp to the expected peak (20 journey iterations/s), hold 10 minutes, ramp down.
// Run: k6 run -o experimental-prometheus-rw loadtest/k6/load.ts (environment: loadtest/k6/README.md).
import { journeys } from '../src/journeys.ts';
import { profileOptions } from './lib/profiles.ts';

export { journey } from './lib/iteration.ts';

export const options = profileOptions('load', journeys, __ENV);
