// Stress: steps to 40, 80 and 120 iterations/s to find where the thresholds break.
// Run: k6 run -o experimental-prometheus-rw loadtest/k6/stress.ts (environment: loadtest/k6/README.md).
import { journeys } from '../src/journeys.ts';
import { profileOptions } from './lib/profiles.ts';

export { journey } from './lib/iteration.ts';

export const options = profileOptions('stress', journeys, __ENV);
