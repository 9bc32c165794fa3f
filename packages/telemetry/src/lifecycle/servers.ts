// The servers the HTTP instrumentation saw serving: zero-code services register no close hook, so shutdown drains
// these (a no-op for the ones the application closed itself).
import type { Server } from 'node:http';
import { drainServer } from './drain.ts';

export interface ServerTracker {
  add(server: Server): void;
  drainAll(deadlineMs: number): Promise<void>;
}

export function createServerTracker(): ServerTracker {
  const servers = new Set<Server>();
  return {
    add: (server) => servers.add(server),
    drainAll: (deadlineMs) => Promise.all([...servers].map((server) => drainServer(server, deadlineMs))).then(() => undefined),
  };
}
