// HashiCorp's HCL parser (@cdktf/hcl2json, Go's hashicorp/hcl as WebAssembly). Loaded through require with the one
// signature we use: its own declarations pull in TypeScript's DOM library, whose fetch types then reject Node's
// Buffer bodies everywhere in the workspace.
import { createRequire } from 'node:module';

const hcl2json = createRequire(import.meta.url)('@cdktf/hcl2json') as { parse(fileName: string, contents: string): Promise<unknown> };

/** Parses one HCL file to the JSON form Terraform's `-json` commands use; rejects with the parser's message. */
export const parseHcl: (fileName: string, contents: string) => Promise<unknown> = hcl2json.parse;
