// Spike: 5 iterations/s, a sudden burst to 100/s for a minute, then the recovery.
// Run: k6 run -o experimental-prometheus-rw loadtest/k6/spike.ts (environment: loadtest/k6/README.md).
import { journeys } from '../src/journeys.ts';
import { profileOptions } from './lib/profiles.ts';

export { journey } from './lib/iteration.ts';

export const options = profileOptions('spike', journeys, __ENV);
