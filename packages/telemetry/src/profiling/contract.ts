// The seam between the core (owner of init, config and spans) and profiling. The core imports
// './index.ts' lazily, only when a Pyroscope address is configured, so services without profiling never load
// @pyroscope/nodejs or the native profiler.
import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface ProfilingConfig {
  serverAddress: string;
  appName: string;
  uploadIntervalMs: number;
  heap: boolean;
  basicAuthUser?: string;
  basicAuthPassword?: string;
  tenantId?: string;
  /** Tags sent with every profile: service_version, environment, k8s_namespace_name, k8s_pod_name. */
  tags: Record<string, string>;
}

/** What onLocalRootSpanStart hands back for the matching end call; opaque to the core. */
export type LocalRootHandle = object;

export interface ProfilingHooks {
  /**
   * Called synchronously in the async context of a sampled local-root (server) span, right after it starts and after
   * the core has entered that span's context: the current async context frame belongs to this request alone.
   */
  onLocalRootSpanStart(span: Span, name: string): LocalRootHandle | undefined;
  /** Called when the local-root span's final name is known (route template resolved) and at its end. */
  onLocalRootSpanEnd(handle: LocalRootHandle, finalName: string): void;
  /** Uploads the last profile; resolves within the deadline whatever the backend does. */
  shutdown(deadlineMs: number): Promise<void>;
}

export interface ProfilingContext {
  config: ProfilingConfig;
  registry: Registry;
  logger: Logger;
}

export type StartProfiling = (context: ProfilingContext) => ProfilingHooks;
