// Modules loaded by path at run time (the implementation after the compile cache is on, profiling only when
// configured) are `.ts` sources in this repository and `.js` files in the built package (scripts/build.ts); this
// module's own file name tells which.
export const MODULE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
