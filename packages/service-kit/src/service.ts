// startService(): the scaffold every service runs in. Public app (health, faults, routes, JSON errors, body limit),
// fault admin API on its own port, a "listening" log line with the real ports, graceful drain on shutdown.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { drainServer, type Telemetry } from '@lab/telemetry';
import express, { type RequestHandler, Router } from 'express';
import { ConfigError, portFromEnv } from './env.ts';
import { installErrorHandling } from './errors.ts';
import { createAdminApp } from './faults/admin.ts';
import { FaultEngine } from './faults/engine.ts';
import { registerFaultGauge } from './faults/gauge.ts';
import { faultMiddleware } from './faults/middleware.ts';
import { FaultConfigError, faultConfigFromEnv } from './faults/spec.ts';
import { installHealth, type ReadinessCheck } from './health.ts';

/** Below this a bearer token is guessable; such a token still works, with a warning. */
const MIN_ADMIN_TOKEN_LENGTH = 16;

export interface ServiceOptions {
  telemetry: Telemetry;
  /** Adds the service's routes with router.get/post/put/patch/delete; each such route runs fault injection first
   * (after routing, so metrics and spans of injected errors carry the route template). */
  routes: (router: Router) => void;
  /** Port when PORT is unset (conventions: gateway 8080, catalog 8081, ...). */
  defaultPort: number;
  /** Admin port when ADMIN_PORT is unset (9080, 9081, ...). */
  defaultAdminPort: number;
  /** Named readiness checks for /readyz (database, downstream services). */
  readiness?: Record<string, ReadinessCheck>;
  /** Maximum JSON request body; default 64kb. */
  bodyLimit?: string;
  /** Extra work on shutdown after the servers drained (e.g. close the database). */
  onClose?: () => void | Promise<void>;
  env?: NodeJS.ProcessEnv;
}

export interface RunningService {
  server: Server;
  adminServer: Server;
  port: number;
  adminPort: number;
  faults: FaultEngine;
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { telemetry } = options;
  const logger = telemetry.logger;
  const env = options.env ?? process.env;
  const bodyLimit = options.bodyLimit ?? '64kb';
  const config = readConfig(env, options);

  let draining = false;
  const faults = new FaultEngine({ config: config.faults });
  registerFaultGauge(telemetry.metrics, faults);

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    if (draining) res.setHeader('Connection', 'close');
    next();
  });
  installHealth(app, options.readiness ?? {}, () => draining);
  app.use(express.json({ limit: bodyLimit }));
  const router = faultInjectingRouter(faultMiddleware(faults, logger));
  options.routes(router);
  app.use(router);
  installErrorHandling(app, logger, bodyLimit);

  // Without a token the admin API is reachable from this host only; with one, wherever the service is.
  const adminHost = config.adminToken ? config.host : '127.0.0.1';
  const server = await listen(app, config.port, config.host);
  const adminServer = await listen(createAdminApp(faults, config.adminToken, logger), config.adminPort, adminHost);
  const port = (server.address() as AddressInfo).port;
  const adminPort = (adminServer.address() as AddressInfo).port;
  if (!config.adminToken) {
    logger.warn({ admin_port: adminPort }, 'LAB_ADMIN_TOKEN is unset: the fault admin API is bound to 127.0.0.1 only');
  } else if (config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    logger.warn({ admin_port: adminPort }, `LAB_ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters: easy to guess`);
  }
  if (Object.keys(config.faults).length > 0) logger.warn({ faults: config.faults }, 'faults active from LAB_FAULTS');

  // The library drains the servers that served requests; the admin server may have served none, so both are named
  // here, and each waits for the one drain of its server.
  telemetry.onShutdown(async (deadlineMs) => {
    draining = true;
    logger.info('draining in-flight requests');
    await Promise.all([drainServer(server, deadlineMs), drainServer(adminServer, deadlineMs)]);
    await options.onClose?.();
    logger.info('drained');
  });
  logger.info({ port, admin_port: adminPort, admin_auth: config.adminToken ? 'bearer' : 'loopback-only' }, 'listening');
  return { server, adminServer, port, adminPort, faults };
}

function readConfig(env: NodeJS.ProcessEnv, options: ServiceOptions) {
  return {
    port: portFromEnv('PORT', options.defaultPort, env),
    adminPort: portFromEnv('ADMIN_PORT', options.defaultAdminPort, env),
    host: env['HOST'] || '0.0.0.0',
    adminToken: env['LAB_ADMIN_TOKEN'] || undefined,
    faults: faultConfigFromEnv(env['LAB_FAULTS']),
  };
}

/** For a main module's top level: logs why the service could not start (config errors without a stack) and exits. */
export async function exitOnStartupFailure(telemetry: Telemetry, error: unknown): Promise<never> {
  if (error instanceof ConfigError || error instanceof FaultConfigError) {
    telemetry.logger.fatal(`invalid configuration: ${error.message}`);
  } else {
    telemetry.logger.fatal({ err: error }, 'service failed to start');
  }
  await telemetry.shutdown();
  process.exit(error instanceof ConfigError || error instanceof FaultConfigError ? 78 : 1); // 78: EX_CONFIG
}

/** A router whose route methods put `faultHandler` in front of the route's own handlers. */
function faultInjectingRouter(faultHandler: RequestHandler): Router {
  const router = Router();
  for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
    const addRoute = router[method].bind(router) as (path: string, ...handlers: RequestHandler[]) => Router;
    router[method] = ((path: string, ...handlers: RequestHandler[]) => addRoute(path, faultHandler, ...handlers)) as Router['get'];
  }
  return router;
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}
