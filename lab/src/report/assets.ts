// The libraries the report inlines (kept, versioned npm packages: uPlot, d3, d3-flame-graph) and its own browser code,
// read from disk so the HTML file needs no network.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function packageFile(name: string, file: string): string {
  // Resolve the package directory from its main entry: some packages do not export package.json.
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(`node_modules/${name}`) && dir !== dirname(dir)) dir = dirname(dir);
  return readFileSync(join(dir, file), 'utf8');
}

export interface ReportAssets {
  scripts: string[];
  styles: string[];
}

export function reportAssets(): ReportAssets {
  return {
    scripts: [
      packageFile('uplot', 'dist/uPlot.iife.min.js'),
      packageFile('d3', 'dist/d3.min.js'),
      // The UMD build reads d3 from the global set by the script above; it injects its own CSS.
      packageFile('d3-flame-graph', 'dist/d3-flamegraph.umd.min.js'),
      readFileSync(new URL('./client.js', import.meta.url), 'utf8'),
    ],
    styles: [packageFile('uplot', 'dist/uPlot.min.css'), readFileSync(new URL('./report.css', import.meta.url), 'utf8')],
  };
}
