// Admin API for faults, served on its own port: GET (current + state), PUT (replace, validated), DELETE (clear).
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '../logger.ts';
import { installErrorHandling } from '../errors.ts';
import { HttpProblem } from '../problem.ts';
import { bearerAuth } from './bearer.ts';
import type { FaultEngine } from './engine.ts';
import { FaultConfigError, parseFaultConfig } from './spec.ts';

export function createAdminApp(engine: FaultEngine, token: string | undefined, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  if (token) app.use(bearerAuth(token));
  app.use(express.json({ limit: '64kb' }));

  const current: RequestHandler = (_req, res) => {
    res.json({ faults: engine.config, since: engine.since.toISOString(), active: engine.status() });
  };
  app.get('/faults', current);
  app.put(
    '/faults',
    (req, _res, next) => {
      engine.set(parseBody(req.body));
      logger.info({ faults: engine.config }, 'faults updated');
      next();
    },
    current,
  );
  app.delete(
    '/faults',
    (_req, _res, next) => {
      engine.clear();
      logger.info('faults cleared');
      next();
    },
    current,
  );
  installErrorHandling(app, logger, '64kb');
  return app;
}

function parseBody(body: unknown) {
  if (body === undefined) {
    // express.json() leaves the body undefined unless the request says it is JSON.
    throw new HttpProblem(415, {
      type: 'unsupported-media-type',
      detail: 'send the fault configuration as JSON with "Content-Type: application/json"',
    });
  }
  try {
    return parseFaultConfig(body, 'fault configuration');
  } catch (error) {
    if (!(error instanceof FaultConfigError)) throw error;
    throw new HttpProblem(400, {
      type: 'validation-error',
      title: 'Invalid fault configuration',
      detail: error.message,
      errors: error.issues.map((issue) => ({ field: issue.field, in: 'body' as const, detail: issue.detail })),
    });
  }
}
