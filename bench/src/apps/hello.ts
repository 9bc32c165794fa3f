// The smallest benchmarked app: an express 5 hello endpoint. Shared setup (access line, loop delay): bench-app.ts.
import { createBenchApp, serveBenchApp } from './bench-app.ts';

const app = createBenchApp('bench-hello');
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
serveBenchApp(app);
