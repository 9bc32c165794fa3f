// Finds processes that mention a marker (a temp directory) in their command line or environment: everything a lab
// run starts carries its run folder there (DATA_DIR, --storage.tsdb.path, --runs-dir).
import { readdirSync, readFileSync } from 'node:fs';

export function processesMentioning(marker: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes(marker) || environ.includes(marker)) found.push({ pid, cmdline: cmdline.trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

export function killAll(processes: { pid: number }[]): void {
  for (const { pid } of processes) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
