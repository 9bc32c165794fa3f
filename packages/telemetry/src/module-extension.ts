// Modules loaded by path at run time (the implementation after the compile cache is on, profiling only when
// configured) are `.ts` sources in this repository and `.js` files in the built package (scripts/build.ts); this
// module's own file name tells which. It sits at the root of src/ and, bundled, in a chunk at the root of dist/, so
// paths relative to it are the same in both.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODULE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** File path of a module of this package given its path under src/ without extension (e.g. `profiling/index`). */
export function packageModulePath(pathFromSrc: string): string {
  return fileURLToPath(new URL(`./${pathFromSrc}${MODULE_EXTENSION}`, import.meta.url));
}

/** This package's manifest (package.json sits next to src/ and dist/ alike): version and supported Node range. */
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; engines: { node: string } };
/** The package version: resource (telemetry.distro.version) and instrumentation scope. */
export const PACKAGE_VERSION = manifest.version;
export const NODE_ENGINES = manifest.engines.node;
