// Graceful drain: stop accepting, let in-flight requests finish, close keep-alive connections, give up after a
// deadline. Runs as a telemetry onShutdown hook, so the last spans and logs are flushed after it.
import type { Server } from 'node:http';

/**
 * Call right after listen(): returns the drain function. It tracks the server's `close` event from the start
 * because another shutdown hook (the telemetry library drains every server too) may call close() first; the drain
 * then still waits for the in-flight requests instead of returning at once.
 */
export function drainer(server: Server): (deadlineMs: number) => Promise<void> {
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  return async (deadlineMs) => {
    if (server.listening) server.close();
    server.closeIdleConnections();
    // Connections that finish a response while draining become idle: close them as they appear.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), deadlineMs).unref());
    try {
      if ((await Promise.race([closed, deadline])) === 'deadline') server.closeAllConnections();
    } finally {
      clearInterval(idleSweep);
    }
  };
}
