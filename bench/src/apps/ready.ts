// Talks to the harness on the file descriptor named by BENCH_READY_FD (a pipe the harness reads; stdout is
// discarded): first the listening port, so startup is measured to the first listening socket, then result lines.
import { writeSync } from 'node:fs';

export function announceListening(port: number): void {
  tellHarness(`listening ${port}`);
}

export function tellHarness(line: string): void {
  const fd = Number(process.env.BENCH_READY_FD ?? Number.NaN);
  if (Number.isInteger(fd)) writeSync(fd, `${line}\n`);
}
