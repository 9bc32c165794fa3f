// Tells the harness the app is listening: writes the port on the file descriptor named by BENCH_READY_FD (a pipe the
// harness reads; stdout is discarded), so startup is measured to the first listening socket.
import { writeSync } from 'node:fs';

export function announceListening(port: number): void {
  const fd = Number(process.env.BENCH_READY_FD ?? Number.NaN);
  if (Number.isInteger(fd)) writeSync(fd, `listening ${port}\n`);
}
