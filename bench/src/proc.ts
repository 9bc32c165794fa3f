// Readings from /proc for a child process: memory high-water mark, resident set, CPU time. Linux only, as the bench.
import { readFileSync } from 'node:fs';

const KIB_PER_MIB = 1024;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux for /proc/<pid>/stat

function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field} line`);
  return Number(match[1]);
}

/** Peak resident set size so far, MiB. */
export function peakRssMiB(pid: number): number {
  return statusField(pid, 'VmHWM') / KIB_PER_MIB;
}

/** Current resident set size, MiB. */
export function rssMiB(pid: number): number {
  return statusField(pid, 'VmRSS') / KIB_PER_MIB;
}

/** User plus system CPU time of every thread of the process, seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Busy (non-idle, non-iowait) time of one CPU since boot, seconds, from /proc/stat. */
export function cpuBusySeconds(cpu: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`/proc/stat has no cpu${cpu} line`);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS_PER_SECOND;
}
