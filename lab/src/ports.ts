// Port checks: a port already taken is named in the error, with the flag that moves it.
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  readonly port: number;
  readonly owner: string;
  constructor(port: number, owner: string) {
    super(`port ${port} (${owner}) is already in use on 127.0.0.1: stop what holds it, or move it with --ports ${owner}=<port> (or --ports auto for free ports)`);
    this.name = 'PortInUseError';
    this.port = port;
    this.owner = owner;
  }
}

/** Resolves when the port can be bound on 127.0.0.1; rejects with PortInUseError when something holds it. */
export function assertPortFree(port: number, owner: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new PortInUseError(port, owner) : error);
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve()));
  });
}

export { freePort } from '@lab/dev-kit/ports';
