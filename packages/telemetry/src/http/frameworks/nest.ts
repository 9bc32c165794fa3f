// NestJS answers its handlers' errors itself (its exception filters, on express and on fastify alike), so they never
// reach the framework's error path that ./express.ts and ./fastify.ts hook. What Nest does with an error that is not
// an HttpException (the 500) is BaseExceptionFilter#handleUnknownError, shared by every filter that falls back to the
// default: it is wrapped to record the error on the request's span first, then Nest answers as always.
import type { IncomingMessage } from 'node:http';
import { recordRequestError } from '../server.ts';
import type { ErrorSink } from '../../instrumentations/guard.ts';
import { onModuleLoad } from './module-hooks.ts';

interface ArgumentsHost {
  getArgByIndex(index: number): unknown;
}
type HandleUnknownError = (this: unknown, exception: unknown, host: ArgumentsHost, ...rest: unknown[]) => unknown;
const kPatched = Symbol('lab.telemetry.nest');

export function hookNest(onError: ErrorSink): void {
  onModuleLoad('@nestjs/core', onError, (core) => {
    const prototype = (core.BaseExceptionFilter as { prototype?: Record<PropertyKey, unknown> } | undefined)?.prototype;
    if (prototype === undefined || prototype[kPatched] || typeof prototype.handleUnknownError !== 'function') return;
    prototype[kPatched] = true;
    const handleUnknownError = prototype.handleUnknownError as HandleUnknownError;
    prototype.handleUnknownError = function handleUnknownErrorRecorded(this: unknown, exception: unknown, host: ArgumentsHost, ...rest: unknown[]) {
      // The express request is Node's; fastify's wraps it as `raw`.
      const request = host.getArgByIndex(0) as (IncomingMessage & { raw?: undefined }) | { raw: IncomingMessage };
      if (request !== undefined && request !== null) recordRequestError(request.raw ?? (request as IncomingMessage), exception);
      return handleUnknownError.call(this, exception, host, ...rest);
    } satisfies HandleUnknownError;
  });
}
