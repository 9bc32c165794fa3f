// Zero-code entry: `node --import @lab/telemetry/register app.js`. Configures everything from the environment.
import { init } from './index.ts';

init();
