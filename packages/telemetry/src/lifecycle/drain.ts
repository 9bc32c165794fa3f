// Graceful drain of an HTTP server: stop accepting, let in-flight requests finish, close keep-alive connections as
// they go idle, cut what is left at the deadline. Once per server, whoever asks first: the library drains every
// server it saw serving, and an application may drain its own (e.g. an admin port that served nothing) in the same
// shutdown; both wait for the same drain.
import type { Server } from 'node:http';

/** Told when a drain starts (responses from then on should close their connection) and just before the cut. */
export interface DrainObserver {
  draining(server: Server): void;
  /** Synchronously, before the remaining connections are closed: the requests on them are about to be cut. */
  cutting(server: Server): void;
}

const drains = new WeakMap<Server, Promise<void>>();
const observers: DrainObserver[] = [];

/** Registers the observer of every drain (the HTTP server instrumentation). */
export function observeDrains(observer: DrainObserver): void {
  observers.push(observer);
}

/** Resolves when the server has closed, at the latest `deadlineMs` from the first call for this server. */
export function drainServer(server: Server, deadlineMs: number): Promise<void> {
  let drain = drains.get(server);
  if (!drain) {
    drain = startDrain(server, deadlineMs);
    drains.set(server, drain);
  }
  return drain;
}

function startDrain(server: Server, deadlineMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  for (const observer of observers) observer.draining(server);
  return new Promise((resolve) => {
    // Connections that finish a response while draining become idle: close them as they appear.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => {
      for (const observer of observers) observer.cutting(server);
      server.closeAllConnections();
    }, Math.max(0, deadlineMs));
    server.close(() => {
      clearInterval(idleSweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
