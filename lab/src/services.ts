// How the lab starts each demo service: its own start script (package.json), and the environment that points its
// telemetry at the local receiver. On a cluster the same variables point at the OTel Collector and Pyroscope.
import { downstreamUrls, serviceDirectory, startCommand } from '@lab/dev-kit/shop';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ports, ServiceName } from './options.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceLaunch {
  name: ServiceName;
  cwd: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface LaunchContext {
  ports: Ports;
  adminToken: string;
  dataDir: string;
  runId: string;
  profileUploadInterval: string;
  otlpProtocol: string;
}

export function serviceLaunch(name: ServiceName, context: LaunchContext): ServiceLaunch {
  const cwd = serviceDirectory(name, import.meta.url);
  const { ports } = context;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key, value]) => value !== undefined && !/^(OTEL_|PYROSCOPE_|LAB_)/.test(key)),
  ) as Record<string, string>;
  return {
    name,
    cwd,
    ...startCommand(cwd),
    env: {
      ...inherited,
      NODE_ENV: 'production',
      PORT: String(ports[name]),
      ADMIN_PORT: String(ports[`${name}-admin`]),
      LAB_ADMIN_TOKEN: context.adminToken,
      DATA_DIR: join(context.dataDir, name),
      ...downstreamUrls(name, (downstream) => `http://127.0.0.1:${ports[downstream]}`),
      OTEL_SERVICE_NAME: name,
      OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=lab,lab.run_id=${context.runId}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlp}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: context.otlpProtocol,
      // Export often so a short run's traces are all in before the walk.
      OTEL_BSP_SCHEDULE_DELAY: '1000',
      PYROSCOPE_SERVER_ADDRESS: `http://127.0.0.1:${ports.pyroscope}`,
      PYROSCOPE_UPLOAD_INTERVAL: context.profileUploadInterval,
    },
  };
}

/** Resolves when GET /healthz answers 200; rejects with the service named after the deadline. */
export async function waitHealthy(name: string, port: number, timeoutMs: number, exited: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${name} exited during startup (see logs/${name}.jsonl)`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not answer GET /healthz on port ${port} within ${timeoutMs / 1000} s (see logs/${name}.jsonl)`);
}
