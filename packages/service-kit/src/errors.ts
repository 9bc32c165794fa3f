// The last two middlewares of every app: JSON 404 for unknown routes, and one error handler that turns anything
// thrown into an RFC 9457 problem (body-parser errors included) and logs only what is unexpected.
import type { ErrorRequestHandler, Express } from 'express';
import type { Logger } from './logger.ts';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.ts';

export function installErrorHandling(app: Express, logger: Logger, bodyLimit: string): void {
  app.use((req, _res, next) => {
    next(new HttpProblem(404, { type: 'route-not-found', title: 'Not Found', detail: `no route for ${req.method} ${req.path}` }));
  });
  const handler: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const problem = toProblem(error, bodyLimit);
    if (problem.status >= 500 && !(error instanceof HttpProblem)) {
      logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    } else if (problem.internalDetail) {
      logger.warn({ status: problem.status, detail: problem.internalDetail, method: req.method, path: req.path }, 'request failed');
    }
    res
      .status(problem.status)
      .set(problem.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify({ ...problem.body, instance: req.path }));
  };
  app.use(handler);
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

function toProblem(error: unknown, bodyLimit: string): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const parserError = (error ?? {}) as BodyParserError;
  switch (parserError.type) {
    case 'entity.too.large':
      return new HttpProblem(413, { type: 'payload-too-large', detail: `request body exceeds the ${bodyLimit} limit` });
    case 'entity.parse.failed':
      return new HttpProblem(400, {
        type: 'malformed-json',
        title: 'Invalid request',
        detail: 'request body is not valid JSON',
        errors: [{ field: 'body', in: 'body', detail: 'not valid JSON' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, { type: 'unsupported-encoding', detail: parserError.message });
  }
  const status = parserError.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpProblem(status, { detail: parserError.expose ? parserError.message : undefined });
  }
  return new HttpProblem(500, { type: 'internal-error', detail: 'an unexpected error occurred; see the service logs' });
}
