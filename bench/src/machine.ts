// The machine a run happened on, and where the server and the load generator run on it.
import { cpus, loadavg } from 'node:os';
import { pinProcess, tasksetAvailable } from './child.ts';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  loadAverageAtStart: number[];
  /** How server and generator were separated. */
  pinning: string;
}

const SERVER_CPU = 0;
const GENERATOR_CPU = 1;

/**
 * With two or more CPUs and taskset, the server gets CPU 0 alone and this process (the load generator) and the sink
 * share CPU 1; otherwise everything shares all CPUs and only the ratios within one run mean anything.
 */
export function placeProcesses(): { machine: MachineInfo; serverCpu: number | undefined; generatorCpu: number | undefined } {
  const nproc = cpus().length; // online CPUs, not this process's affinity mask (which pinning itself changes)
  const pinned = nproc >= 2 && tasksetAvailable() && pinProcess(process.pid, GENERATOR_CPU);
  return {
    machine: {
      nproc,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
      pinning: pinned
        ? `taskset: server on CPU ${SERVER_CPU}; load generator and sink on CPU ${GENERATOR_CPU}`
        : 'none (taskset or a second CPU missing): server and generator share the CPUs',
    },
    serverCpu: pinned ? SERVER_CPU : undefined,
    generatorCpu: pinned ? GENERATOR_CPU : undefined,
  };
}
