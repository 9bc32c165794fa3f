// What the OTLP and Pyroscope receivers share: an HTTP server on loopback that knows its connections (close() cuts
// hung ones, as a backend outage needs), can play an outage (`setBehavior`), answers later on demand (the `slow`
// behavior), reads bodies up to a limit, and turns a failing handler into a plain-text error answer.
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** `ok` answers normally; `error` answers 500; `slow` answers normally after a delay; `hang` never answers. */
export type ReceiverBehavior = 'ok' | 'error' | 'slow' | 'hang';

export abstract class LoopbackServer<Events extends Record<keyof Events, unknown[]>> extends EventEmitter<Events> {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  protected behavior: ReceiverBehavior = 'ok';

  /** `failureStatus` answers a request whose handler threw, with the error's message. */
  protected constructor(failureStatus: number) {
    super();
    this.#server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => answer(response, failureStatus, error instanceof Error ? error.message : String(error)));
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  protected abstract handle(request: IncomingMessage, response: ServerResponse): Promise<void>;

  protected async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    this.#server.listen(port, host);
    await once(this.#server, 'listening');
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('receiver is not listening');
    return address.port;
  }

  /** The base URL clients are configured with (OTEL_EXPORTER_OTLP_ENDPOINT, PYROSCOPE_SERVER_ADDRESS). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setBehavior(behavior: ReceiverBehavior): void {
    this.behavior = behavior;
  }

  /** Runs `reply` after `ms`, unless the server closes first. */
  protected later(ms: number, reply: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      reply();
    }, ms);
    this.#timers.add(timer);
  }

  /** Stops listening and cuts every connection, hung ones included. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    const closed = once(this.#server, 'close');
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

export function answer(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'text/plain' }).end(text === '' ? '' : `${text}\n`);
}

/** The whole request body, or undefined once it grows past `maxBytes`. */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
