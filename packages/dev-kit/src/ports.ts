// Ports for tests and tools: one the OS says is free right now (bound, then released). Nothing listens on it
// afterwards, so it also serves as a "service is down" address, and as a port to hand a program that cannot be told
// to listen on port 0.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
