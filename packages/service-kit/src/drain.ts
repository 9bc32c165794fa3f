// Graceful drain: stop accepting, let in-flight requests finish, close keep-alive connections, give up after a
// deadline. Runs as a telemetry onShutdown hook, so the last spans and logs are flushed after it.
import type { Server } from 'node:http';

export async function drainServer(server: Server, deadlineMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Connections that finish a response while draining become idle: close them as they appear.
  const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), deadlineMs).unref());
  try {
    if ((await Promise.race([closed, deadline])) === 'deadline') server.closeAllConnections();
  } finally {
    clearInterval(idleSweep);
  }
}
