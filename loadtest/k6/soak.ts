// Soak: 15 iterations/s for 2 hours (LAB_STAGE_DURATION shortens it).
// Run: k6 run -o experimental-prometheus-rw loadtest/k6/soak.ts (environment: loadtest/k6/README.md).
import { journeys } from '../src/journeys.ts';
import { profileOptions } from './lib/profiles.ts';

export { journey } from './lib/iteration.ts';

export const options = profileOptions('soak', journeys, __ENV);
