// Starts the hello app under one variant, pinned to the server CPU, with stdout (its log lines) discarded.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchChild, startChild } from './child.ts';
import type { Variant } from './variants.ts';

const HELLO_SCRIPT = new URL('./apps/hello.ts', import.meta.url).pathname;
/** Where the peers and @lab/telemetry resolve from: the bench package's own node_modules. */
export const BENCH_DIR = new URL('..', import.meta.url).pathname;
export const HELLO_PATH = '/hello';

export interface Placement {
  /** CPU for the server; undefined when the machine cannot pin. */
  serverCpu: number | undefined;
}

export function startApp(variant: Variant, sinkUrl: string, placement: Placement, extraNodeArgs: string[] = []): Promise<BenchChild> {
  return startChild({
    script: HELLO_SCRIPT,
    cwd: BENCH_DIR,
    nodeArgs: [...extraNodeArgs, ...variant.nodeArgs],
    // Every variant gets Node's compile cache (its own folder): @lab/telemetry turns it on for the whole app, so
    // without this its startup would also be credited with loading express faster.
    env: { ...variant.env({ url: sinkUrl }), NODE_COMPILE_CACHE: join(tmpdir(), 'lab-bench-compile-cache', variant.id) },
    cpu: placement.serverCpu,
    timeoutMs: 60_000,
  });
}

export function helloUrl(app: BenchChild): string {
  return `http://127.0.0.1:${app.port}${HELLO_PATH}`;
}
