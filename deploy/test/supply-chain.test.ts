// The services workflow and the GitOps overlays agree: it builds every service the overlays deploy, from the
// Dockerfile of each, under the image names the manifests use; both Trivy scans fail on HIGH/CRITICAL; the bump
// step's edit (newTag + digest) renders to a digest-pinned image the policies accept.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { renderFallback } from '../src/kustomize.ts';
import { imageProblem } from '../src/kyverno-intent.ts';
import { asArray, asObject, at, type JsonObject } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const WORKFLOW = join(REPO_ROOT, '.github', 'workflows', 'services.yml');
const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as JsonObject;
const steps = (job: string) => asArray(at(workflow, 'jobs', job, 'steps')).map(asObject);
const dev = join(DEPLOY_DIR, 'apps', 'overlays', 'dev');
/** The first container image of each Deployment an overlay renders. */
const deployedImages = (overlay = dev) =>
  renderFallback(overlay)
    .filter((object) => object['kind'] === 'Deployment')
    .map((object) => String(at(asArray(at(object, 'spec', 'template', 'spec', 'containers'))[0], 'image')));

test('the workflow builds every deployed service from its Dockerfile under the image name the manifests use', () => {
  const prefix = String(at(workflow, 'env', 'IMAGE_PREFIX'));
  const services = asArray(at(workflow, 'jobs', 'image', 'strategy', 'matrix', 'service')).map(String).sort();
  const images = deployedImages();
  assert.deepEqual(images.map((image) => image.replace(/:.*$/, '')).sort(), services.map((service) => `${prefix}/${service}`));
  for (const service of services) assert.ok(existsSync(join(REPO_ROOT, 'services', service, 'Dockerfile')), `services/${service}/Dockerfile`);
  assert.equal(String(at(workflow, 'jobs', 'image', 'env', 'IMAGE')).includes(prefix), true, 'the job image name uses the same prefix');
});

test('tests run first; both Trivy scans fail the build on HIGH/CRITICAL; push and bump only on main', () => {
  assert.deepEqual(at(workflow, 'jobs', 'image', 'needs'), ['test', 'scan-source']);
  assert.ok(steps('test').some((step) => String(step['run'] ?? '').includes('.ci/run')));
  const scans = [...steps('scan-source'), ...steps('image')].filter((step) => String(step['uses'] ?? '').startsWith('aquasecurity/trivy-action'));
  assert.deepEqual(scans.map((step) => at(step, 'with', 'scan-type')).sort(), ['fs', 'image']);
  for (const scan of scans) {
    assert.equal(at(scan, 'with', 'exit-code'), '1');
    assert.match(String(at(scan, 'with', 'severity')), /env\.TRIVY_SEVERITY/);
  }
  assert.equal(at(workflow, 'env', 'TRIVY_SEVERITY'), 'HIGH,CRITICAL');
  const imageSteps = steps('image').map((step) => String(step['name'] ?? step['uses']));
  assert.ok(imageSteps.indexOf('Trivy image scan') < imageSteps.findIndex((name) => name.startsWith('Push')), 'scan before push');
  assert.match(String(at(workflow, 'jobs', 'bump-dev', 'if')), /refs\/heads\/main/);
  assert.deepEqual(at(workflow, 'permissions'), { contents: 'read' }, 'least privilege by default');
});

// A tag can be moved (trivy-action's were force-pushed in March 2026, and tags before 0.35.0 no longer resolve):
// every action from outside this repository runs at a full commit SHA, its release named in a comment.
test('every third-party action in every workflow is pinned by commit SHA with its version in a comment; Trivy >= 0.35.0', () => {
  const dir = join(REPO_ROOT, '.github', 'workflows');
  const lines = readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n').map((line, index) => ({ where: `${file}:${index + 1}`, line })))
    .filter(({ line }) => /^\s*(-\s+)?uses:/.test(line));
  assert.ok(lines.length >= 10, `only ${lines.length} uses: lines found`);
  for (const { where, line } of lines) {
    const uses = /uses:\s*(\S+)(.*)$/.exec(line);
    const ref = uses?.[1] ?? '';
    if (ref.startsWith('./')) continue;
    const pinned = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40})$/.exec(ref);
    assert.ok(pinned, `${where}: ${ref} is not pinned to a full 40-hex commit SHA`);
    const version = /^\s*#\s*v?(\d+)\.(\d+)\.(\d+)\s*$/.exec(uses?.[2] ?? '');
    assert.ok(version, `${where}: ${ref} needs its release as a "# vX.Y.Z" comment`);
    if (pinned[1] === 'aquasecurity/trivy-action') {
      const [major, minor] = [Number(version[1]), Number(version[2])];
      assert.ok(major > 0 || minor >= 35, `${where}: trivy-action ${version[0].trim()} is older than 0.35.0`);
    }
  }
});

const dir = mkdtempSync(join(tmpdir(), 'deploy-bump-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the bump step's edit renders to digest-pinned images that pass the image policy", () => {
  // The workflow's script (shared with the Jenkinsfile) run on a copy of the apps tree, one pin per service.
  cpSync(join(DEPLOY_DIR, 'apps'), join(dir, 'apps'), { recursive: true });
  const file = join(dir, 'apps', 'overlays', 'dev', 'kustomization.yaml');
  const digest = `sha256:${'ab'.repeat(32)}`;
  const pins = asArray(at(workflow, 'jobs', 'image', 'strategy', 'matrix', 'service')).map((service) => {
    writeFileSync(join(dir, `pin-${service}`), `${service} sha-0123456789ab ${digest}\n`);
    return join(dir, `pin-${service}`);
  });
  execFileSync(process.execPath, [join(DEPLOY_DIR, 'scripts', 'update-image-tag.mjs'), file, String(at(workflow, 'env', 'IMAGE_PREFIX')), ...pins]);
  const images = deployedImages(join(dir, 'apps', 'overlays', 'dev'));
  assert.equal(images.length, 4);
  for (const image of images) {
    assert.match(image, new RegExp(`^ghcr\\.io/lab-observability/\\w+:sha-0123456789ab@${digest}$`));
    assert.equal(imageProblem(image), undefined);
  }
  const bump = steps('bump-dev').find((step) => String(step['name']).startsWith('Pin'));
  assert.match(String(bump?.['run']), /node deploy\/scripts\/update-image-tag\.mjs deploy\/apps\/overlays\/dev\/kustomization\.yaml "\$IMAGE_PREFIX" pins\/\*/);
});
