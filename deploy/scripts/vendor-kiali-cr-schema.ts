// Writes deploy/upstream/crds/kiali-<version>.contract.json (see src/crd-contract.ts): the key paths, types, enums and
// bounds of the Kiali CR's `spec` at a kiali-operator release. The kiali-server chart renders its values into Kiali's
// config, whose keys are this spec's, so mesh-observability.test.ts validates deploy/platform/kiali/values.yaml against it.
//
//   node deploy/scripts/vendor-kiali-cr-schema.ts <git copy of kiali/kiali-operator> <tag, e.g. v2.29.0>
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { serializeContract } from '../src/chart-values.ts';
import { CRDS_DIR, type CrdContract, crdPaths } from '../src/crd-contract.ts';

const [dir, tag] = process.argv.slice(2);
if (!dir || !tag) throw new Error('usage: node deploy/scripts/vendor-kiali-cr-schema.ts <kiali-operator git dir> <tag>');
const PATH = 'crd-docs/crd/kiali.io_kialis.yaml';
const git = (...args: string[]) => execFileSync('git', [`--git-dir=${dir}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const [commit = '', date = ''] = git('log', '-1', '--format=%H %cs', `${tag}^{commit}`).trim().split(' ');
const crd = parse(git('show', `${commit}:${PATH}`));
// The storage version: what the API server validates and prunes against.
const index = crd.spec.versions.findIndex((candidate: { storage?: boolean }) => candidate.storage);
const version = crd.spec.versions[index];
const contract: CrdContract = {
  crd: crd.metadata.name,
  version: tag.replace(/^v/, ''),
  source: { repo: 'kiali/kiali-operator', path: PATH, schema: `spec.versions[${index}].schema.openAPIV3Schema.properties.spec`, tag, commit, date },
  paths: crdPaths(version.schema.openAPIV3Schema.properties.spec),
};
mkdirSync(CRDS_DIR, { recursive: true });
const out = join(CRDS_DIR, `kiali-${contract.version}.contract.json`);
writeFileSync(out, serializeContract(contract));
console.log(`${out}: ${Object.keys(contract.paths).length} paths`);
