// Starts the hello app under one variant, pinned to the server CPU, with stdout (its log lines) discarded.
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
    env: variant.env({ url: sinkUrl }),
    cpu: placement.serverCpu,
    timeoutMs: 60_000,
  });
}

export function helloUrl(app: BenchChild): string {
  return `http://127.0.0.1:${app.port}${HELLO_PATH}`;
}
