// Starts profiling behind the seam of profiling/contract.ts, loading the implementation only when a Pyroscope address
// is configured. A missing or failing implementation is reported once; the service runs on without profiling.
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { packageModulePath } from '../module-extension.ts';
import type { ProfilingConfig, ProfilingHooks, StartProfiling } from './contract.ts';

export async function loadProfiling(config: ProfilingConfig, registry: Registry, logger: Logger): Promise<ProfilingHooks | undefined> {
  try {
    // A variable specifier: the implementation is another module's deliverable, resolved at run time only.
    const specifier = packageModulePath('profiling/index');
    const module = (await import(pathToFileURL(specifier).href)) as { startProfiling?: StartProfiling };
    if (typeof module.startProfiling !== 'function') throw new Error(`${specifier} does not export startProfiling`);
    return module.startProfiling({ config, registry, logger });
  } catch (error) {
    logger.error(
      { err: error, pyroscope_server_address: config.serverAddress },
      'profiling could not start (PYROSCOPE_SERVER_ADDRESS is set but the profiling module failed to load); continuing without profiling',
    );
    return undefined;
  }
}
