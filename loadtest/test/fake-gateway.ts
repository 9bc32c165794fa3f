// A tiny stand-in for the gateway API, recording every request it sees, so the runner's tests need no services.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeGateway {
  baseUrl: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export interface FakeOptions {
  /** Status for every response (default 200; checkout answers 201). */
  status?: number;
  /** Delay before answering, in ms. */
  delayMs?: number;
}

export async function startFakeGateway(options: FakeOptions = {}): Promise<FakeGateway> {
  const seen: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const path = request.url ?? '/';
      seen.push({ method: request.method ?? '', path, headers: request.headers, body });
      const answer = () => {
        const payload = path.startsWith('/api/products') || path.startsWith('/api/search')
          ? { items: [{ id: 'p-0042' }, { id: 'p-0043' }] }
          : { id: 'ord_test01' };
        response.writeHead(options.status ?? (path === '/api/checkout' ? 201 : 200), { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      if (!options.delayMs) return answer();
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, options.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
