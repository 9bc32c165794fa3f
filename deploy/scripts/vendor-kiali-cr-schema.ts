// Writes deploy/upstream/crds/kiali-<version>.json: the `spec` schema of the Kiali CR at a kiali-operator release,
// without descriptions. The kiali-server chart renders its values into Kiali's config, whose keys are this spec's, so
// kiali.test.ts validates deploy/platform/kiali/values.yaml against it.
//
//   node deploy/scripts/vendor-kiali-cr-schema.ts <git copy of kiali/kiali-operator> <tag, e.g. v2.29.0>
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Json } from '../src/manifests.ts';
import { DEPLOY_DIR } from '../src/paths.ts';

const [dir, tag] = process.argv.slice(2);
if (!dir || !tag) throw new Error('usage: node deploy/scripts/vendor-kiali-cr-schema.ts <kiali-operator git dir> <tag>');
const PATH = 'crd-docs/crd/kiali.io_kialis.yaml';
const git = (...args: string[]) => execFileSync('git', [`--git-dir=${dir}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
const [commit, date] = git('log', '-1', '--format=%H %cs', `${tag}^{commit}`).trim().split(' ');
const crd = parse(git('show', `${commit}:${PATH}`));
const strip = (value: Json): Json =>
  Array.isArray(value) ? value.map(strip) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'description').map(([key, item]) => [key, strip(item)])) : value;
const spec = strip(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec);
mkdirSync(join(DEPLOY_DIR, 'upstream', 'crds'), { recursive: true });
const out = join(DEPLOY_DIR, 'upstream', 'crds', `kiali-${tag.replace(/^v/, '')}.json`);
writeFileSync(out, `${JSON.stringify({ source: { repo: 'kiali/kiali-operator', path: PATH, tag, commit, date }, spec }, null, 1)}\n`);
console.log(out);
