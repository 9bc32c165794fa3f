// The measured server: an express 5 hello endpoint. BENCH_APP_LOG=1 adds the access line an uninstrumented app would
// write with pino (the same fields and options as the library's), for a like-for-like baseline. The telemetry variant
// is this same file started with `--import @lab/telemetry/register`. Reports its port over IPC.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';

const app = express();
if (process.env.BENCH_APP_LOG === '1') {
  const logger = pino(
    { base: { service: 'bench-hello' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    pino.destination({ fd: 1, sync: false, minLength: 4096 }),
  );
  app.use((req, res, next) => {
    const start = performance.now();
    res.on('finish', () => {
      const duration = Math.round((performance.now() - start) * 1e3) / 1e3;
      logger.info({ method: req.method, route: req.route?.path ?? '/*', status: res.statusCode, duration_ms: duration }, 'request completed');
    });
    next();
  });
}
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});

const server = createServer(app);
server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
process.once('disconnect', () => server.close(() => process.exit(0)));
