// The benchmarked app: an express 5 hello endpoint that writes one pino access line per request, the same work in
// every variant. Variants differ only in what is preloaded (--import); under @lab/telemetry the library's own access
// log replaces the app's line, so that each variant logs exactly once per request. The app's logger has the library
// logger's options minus trace fields (ISO time, level label, service, asynchronous stdout), so the log cost matches.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { announceListening } from './ready.ts';

const useLabTelemetry = process.env.BENCH_LAB_TELEMETRY === '1';

const app = express();
if (!useLabTelemetry) {
  const logger = pino(
    {
      base: { service: 'bench-hello' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: 1, sync: false }),
  );
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info({ method: req.method, route: req.route?.path ?? req.path, status: res.statusCode, duration_ms: durationMs }, 'request completed');
    });
    next();
  });
}
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});

const server = createServer(app);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announceListening((server.address() as AddressInfo).port);
});
if (!useLabTelemetry) {
  // Exit cleanly so that --cpu-prof writes its profile; @lab/telemetry installs its own signal handling.
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
