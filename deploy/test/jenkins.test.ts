// The Jenkinsfile and .github/workflows/services.yml release the same way: the same test entry, Trivy scans with the
// same flags (the trivy-action inputs are Trivy's CLI flags), the same Dockerfiles, attestations and services, and
// the same GitOps script; the Jenkinsfile's declarative structure (src/jenkinsfile.ts says what that covers); the
// Jenkins values give it what it uses (pod template, containers, credentials, secrets); the GitOps script itself.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { argoApps, REPO_URL } from '../src/inventory.ts';
import { type Call, declarativeProblems, find, parseJenkinsfile, walk } from '../src/jenkinsfile.ts';
import { asArray, asObject, at, type JsonObject, loadDir } from '../src/manifests.ts';
import { DEPLOY_DIR, REPO_ROOT } from '../src/paths.ts';

const JENKINSFILE = readFileSync(join(REPO_ROOT, 'Jenkinsfile'), 'utf8');
const workflow = parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', 'services.yml'), 'utf8')) as JsonObject;
const steps = (job: string) => asArray(at(workflow, 'jobs', job, 'steps')).map(asObject);
const jenkins = argoApps().find((app) => app.name === 'jenkins');
const SCRIPT = join(DEPLOY_DIR, 'scripts', 'update-image-tag.mjs');

/** Every `sh` command of the pipeline with the stages it runs in, the `when` guards of those stages and its container. */
function shellCommands(calls: Call[]) {
  const pipeline = calls[0]!.block!;
  const defaultContainer = find(find(find(pipeline, 'agent')[0]?.block, 'kubernetes')[0]?.block, 'defaultContainer')[0]?.strings[0];
  const out: { stages: string[]; command: string; container: string | undefined; guarded: boolean }[] = [];
  const visit = (list: Call[], stages: string[], container: string | undefined, guarded: boolean) => {
    for (const call of list) {
      if (call.name === 'sh') out.push({ stages, command: call.strings.join(''), container, guarded });
      if (!call.block) continue;
      const isStage = call.name === 'stage';
      const stageGuarded = isStage && find(call.block, 'when').some((when) => /GIT_BRANCH in \[ ?'main' ?, ?'origin\/main' ?\]/.test(find(when.block, 'expression')[0]?.args.replace(/\s+/g, ' ') ?? ''));
      visit(call.block, isStage ? [...stages, call.strings[0]!] : stages, call.name === 'container' ? call.strings[0] : container, guarded || stageGuarded);
    }
  };
  visit(pipeline, [], defaultContainer, false);
  return out;
}

/** `trivy <sub> --flag value --switch target` into comparable parts; repeated flags keep every value. */
function trivyCall(command: string) {
  const words = command.replace(/"/g, '').trim().split(/\s+/);
  assert.equal(words[0], 'trivy', command);
  const flags: Record<string, string[]> = {};
  const positional: string[] = [];
  const switches = new Set(['--ignore-unfixed']);
  for (let index = 2; index < words.length; index++) {
    const word = words[index]!;
    if (!word.startsWith('--')) positional.push(word);
    else if (switches.has(word)) flags[word] = ['true'];
    else flags[word] = [...(flags[word] ?? []), words[++index]!];
  }
  return { subcommand: words[1], flags, positional };
}

/** trivy-action's inputs as the Trivy flags they set (aquasecurity/trivy-action action.yaml passes each as a flag). */
function trivyFromAction(inputs: JsonObject) {
  const flags: Record<string, string[]> = {};
  const value = (key: string) => String(inputs[key]).replace(/\$\{\{\s*env\.(\w+)\s*\}\}/, '$$$1');
  if (inputs['scanners']) flags['--scanners'] = [value('scanners')];
  if (inputs['severity']) flags['--severity'] = [value('severity')];
  if (inputs['ignore-unfixed'] === true || inputs['ignore-unfixed'] === 'true') flags['--ignore-unfixed'] = ['true'];
  if (inputs['exit-code']) flags['--exit-code'] = [value('exit-code')];
  if (inputs['skip-dirs']) flags['--skip-dirs'] = value('skip-dirs').split(',');
  return { subcommand: String(inputs['scan-type']), flags };
}

const calls = parseJenkinsfile(JENKINSFILE);
const commands = shellCommands(calls);
const inStage = (stage: string) => commands.filter((entry) => entry.stages.includes(stage));

test('the Jenkinsfile is a well-formed declarative pipeline', () => {
  assert.deepEqual(declarativeProblems(calls), []);
  const stageNames = walk(calls).filter(({ call }) => call.name === 'stage').map(({ call }) => call.strings[0]);
  assert.deepEqual(stageNames, ['Tag', 'Test', 'Trivy filesystem scan', 'Images', 'Build', 'Trivy image scan', 'Push', 'Pin the new images in deploy/apps/overlays/dev']);
});

test('the structural reader rejects broken pipelines (negative controls)', () => {
  assert.throws(() => parseJenkinsfile(JENKINSFILE.replace(/\}\s*$/, '')), /not closed/);
  assert.throws(() => parseJenkinsfile(JENKINSFILE.replace("sh 'bash .ci/run'", "sh 'bash .ci/run")), /newline in a single-line string|unterminated/);
  assert.throws(() => parseJenkinsfile(`${JENKINSFILE}\n}`), /without a matching/);
  const noSteps = parseJenkinsfile(JENKINSFILE.replace("steps {\n        sh 'bash .ci/run'\n      }", "sh 'bash .ci/run'"));
  assert.ok(declarativeProblems(noSteps).some((problem) => /stage 'Test': needs exactly one of/.test(problem)), 'a stage without steps');
  const twice = parseJenkinsfile(JENKINSFILE.replace("stage('Tag')", "stage('Test')"));
  assert.ok(declarativeProblems(twice).some((problem) => /stage 'Test' twice/.test(problem)));
  const typo = parseJenkinsfile(JENKINSFILE.replace('environment {', 'enviroment {'));
  assert.ok(declarativeProblems(typo).some((problem) => /enviroment is not a pipeline section/.test(problem)));
  const noAxis = parseJenkinsfile(JENKINSFILE.replace("name 'SERVICE'", ''));
  assert.ok(declarativeProblems(noAxis).some((problem) => /an axis needs/.test(problem)));
});

test('both pipelines run the same test entry, on the same services, with the same image prefix and severity gate', () => {
  const environment = Object.fromEntries(
    find(find(calls[0]!.block, 'environment')[0]?.block, 'IMAGE_PREFIX')
      .concat(find(find(calls[0]!.block, 'environment')[0]?.block, 'TRIVY_SEVERITY'))
      .map((call) => [call.name, call.strings[0]]),
  );
  // `NAME = 'value'` parses as a call named NAME whose arguments hold the string.
  assert.deepEqual(environment, { IMAGE_PREFIX: String(at(workflow, 'env', 'IMAGE_PREFIX')), TRIVY_SEVERITY: String(at(workflow, 'env', 'TRIVY_SEVERITY')) });
  assert.ok(steps('test').some((step) => step['run'] === 'bash .ci/run'));
  assert.deepEqual(inStage('Test').map((entry) => entry.command), ['bash .ci/run']);
  const axis = walk(calls).find(({ call }) => call.name === 'axis')!.call;
  assert.equal(find(axis.block, 'name')[0]!.strings[0], 'SERVICE');
  assert.deepEqual(find(axis.block, 'values')[0]!.strings, asArray(at(workflow, 'jobs', 'image', 'strategy', 'matrix', 'service')).map(String));
});

test('the Trivy scans take the same flags in both pipelines, and the image scan comes before the push', () => {
  const fsAction = steps('scan-source').find((step) => String(step['uses']).startsWith('aquasecurity/trivy-action'))!;
  const imageAction = steps('image').find((step) => String(step['uses']).startsWith('aquasecurity/trivy-action'))!;
  const fsCommand = trivyCall(inStage('Trivy filesystem scan')[0]!.command);
  const expectedFs = trivyFromAction(asObject(fsAction['with']));
  assert.deepEqual({ subcommand: fsCommand.subcommand, flags: fsCommand.flags }, expectedFs);
  assert.deepEqual(fsCommand.positional, [String(at(fsAction, 'with', 'scan-ref'))]);
  const imageCommand = trivyCall(inStage('Trivy image scan')[0]!.command);
  // The workflow scans the image loaded into Docker, Jenkins the OCI archive BuildKit wrote: the target differs.
  const { '--input': input, ...imageFlags } = imageCommand.flags;
  assert.deepEqual({ subcommand: imageCommand.subcommand, flags: imageFlags }, trivyFromAction(asObject(imageAction['with'])));
  assert.deepEqual(input, ['images/$SERVICE.tar']);
  assert.ok(inStage('Build')[0]!.command.includes('--output type=oci,dest=images/$SERVICE.tar,'), 'the scanned archive is the one the build wrote');
  // Negative control: a scan that no longer fails the build differs.
  const weakened = trivyCall(inStage('Trivy filesystem scan')[0]!.command.replace('--exit-code 1', '--exit-code 0'));
  assert.notDeepEqual({ subcommand: weakened.subcommand, flags: weakened.flags }, expectedFs);
  const order = walk(calls).filter(({ call }) => call.name === 'stage').map(({ call }) => call.strings[0]);
  assert.ok(order.indexOf('Trivy image scan') < order.indexOf('Push') && order.indexOf('Build') < order.indexOf('Trivy image scan'));
  assert.ok(order.indexOf('Test') < order.indexOf('Images') && order.indexOf('Trivy filesystem scan') < order.indexOf('Images'));
});

test('images are built from the same Dockerfile and context, pushed with provenance (max) and an SBOM, only from main', () => {
  const builds = steps('image').filter((step) => String(step['uses']).startsWith('docker/build-push-action'));
  const push = builds.find((step) => at(step, 'with', 'push') === true)!;
  for (const build of builds) {
    assert.equal(at(build, 'with', 'context'), '.');
    assert.match(String(at(build, 'with', 'file')), /^services\/\$\{\{ matrix\.service \}\}\/Dockerfile$/);
  }
  const buildctl = [...inStage('Build'), ...inStage('Push')].map((entry) => entry.command.split('\n').find((line) => line.includes('buildctl build'))!.trim());
  assert.equal(buildctl.length, 2);
  for (const command of buildctl) {
    assert.match(command, /--local context=\. --local dockerfile=\. --opt filename=services\/\$SERVICE\/Dockerfile/);
  }
  const pushCommand = buildctl[1]!;
  assert.equal(at(push, 'with', 'provenance'), 'mode=max');
  assert.match(pushCommand, /--opt attest:provenance=mode=max/);
  assert.equal(at(push, 'with', 'sbom'), true);
  assert.match(pushCommand, /--opt attest:sbom=(\s|$)/);
  assert.match(pushCommand, /push=true/);
  assert.ok(inStage('Push').every((entry) => entry.guarded) && inStage('Pin the new images in deploy/apps/overlays/dev').every((entry) => entry.guarded), 'push and pin run only on main');
  assert.ok(!inStage('Build').some((entry) => entry.guarded), 'builds and scans run on every branch, as in the workflow');
  // The pin file has the format the GitOps script reads.
  assert.match(inStage('Push')[0]!.command, /printf '%s %s %s\\n' "\$SERVICE" "\$TAG" "\$digest" > pins\/\$SERVICE/);
  assert.match(String(steps('image').find((step) => step['name'] === 'Record the pushed digest')?.['run']), /printf '%s %s %s\\n' .* > "pins\//);
});

test('both pipelines pin the images with the same GitOps script and command', () => {
  const bump = String(steps('bump-dev').find((step) => String(step['name']).startsWith('Pin'))?.['run']);
  const workflowCommand = bump.split('\n').find((line) => line.includes('update-image-tag'))!.trim();
  const jenkinsCommand = inStage('Pin the new images in deploy/apps/overlays/dev').find((entry) => entry.command.includes('update-image-tag'))!;
  assert.equal(jenkinsCommand.command, workflowCommand);
  assert.ok(existsSync(SCRIPT));
  // Both commit the same file with the same message prefix.
  const commit = String(steps('bump-dev').find((step) => String(step['name']).startsWith('Commit'))?.['run']);
  const jenkinsCommit = inStage('Pin the new images in deploy/apps/overlays/dev').map((entry) => entry.command).join('\n');
  for (const text of [commit, jenkinsCommit]) {
    assert.match(text, /git add deploy\/apps\/overlays\/dev\/kustomization\.yaml/);
    assert.match(text, /git commit -m "deploy\(dev\): shop images /);
    assert.match(text, /git pull --rebase origin main && git push origin HEAD:main/);
  }
});

test('the Jenkins values give the pipeline what it uses: the pod template, its containers, credentials and secrets; non-root', () => {
  assert.ok(jenkins?.helm, 'no jenkins Application');
  const values = jenkins.values;
  const templates = asObject(at(values, 'agent', 'podTemplates'));
  const [template] = parse(String(templates['release'])) as JsonObject[];
  const kubernetes = find(find(calls[0]!.block, 'agent')[0]?.block, 'kubernetes')[0]?.block;
  assert.equal(find(kubernetes, 'inheritFrom')[0]?.strings[0], template!['name']);
  const pod = parse(String(template!['yaml'])) as JsonObject;
  const containers = asArray(at(pod, 'spec', 'containers')).map(asObject);
  const names = new Set(containers.map((container) => String(container['name'])));
  for (const entry of commands) assert.ok(entry.container && names.has(entry.container), `${entry.stages.join(' > ')}: container ${entry.container} is not in the pod template`);
  assert.equal(at(pod, 'spec', 'securityContext', 'runAsNonRoot'), true);
  assert.ok(Number(at(pod, 'spec', 'securityContext', 'runAsUser')) > 0);
  for (const container of containers) {
    assert.notEqual(at(container, 'securityContext', 'privileged'), true, `${container['name']} privileged`);
    assert.ok(!at(container, 'securityContext', 'runAsUser') || Number(at(container, 'securityContext', 'runAsUser')) > 0, `${container['name']} as root`);
    assert.match(String(container['image']), /:[\w.-]+$/, `${container['name']}: image pinned by tag`);
    assert.doesNotMatch(String(container['image']), /:latest$/);
  }
  const buildkit = containers.find((container) => container['name'] === 'buildkit')!;
  assert.match(String(buildkit['image']), /-rootless$/);
  const env = Object.fromEntries(asArray(buildkit['env']).map(asObject).map((entry) => [entry['name'], entry['value']]));
  assert.equal(env['BUILDKIT_HOST'], find(find(calls[0]!.block, 'environment')[0]?.block, 'BUILDKIT_HOST')[0]?.strings[0]);
  assert.equal(at(values, 'controller', 'containerSecurityContext', 'runAsNonRoot'), true);

  // Credentials: the ids the Jenkinsfile binds exist in JCasC; their ${secret-key} placeholders are mounted secrets
  // whose keys the ExternalSecrets of platform/jenkins create.
  const casc = parse(String(at(values, 'controller', 'JCasC', 'configScripts', 'credentials'))) as JsonObject;
  const credentials = asArray(at(asArray(at(casc, 'credentials', 'system', 'domainCredentials'))[0], 'credentials')).map((entry) => asObject(asObject(entry)['usernamePassword']));
  const ids = new Set(credentials.map((entry) => String(entry['id'])));
  const used = [...JENKINSFILE.matchAll(/credentialsId: '([\w-]+)'/g)].map((match) => match[1]!);
  assert.ok(used.length >= 2);
  for (const id of used) assert.ok(ids.has(id), `credential ${id} is not defined in JCasC`);
  const mounted = new Set(asArray(at(values, 'controller', 'additionalExistingSecrets')).map(asObject).map((entry) => `${entry['name']}-${entry['keyName']}`));
  const placeholders = credentials.flatMap((entry) => [entry['username'], entry['password']]).map((text) => /^\$\{([\w-]+)\}$/.exec(String(text))?.[1]);
  for (const placeholder of placeholders) assert.ok(placeholder && mounted.has(placeholder), `${placeholder} is not a mounted secret key`);
  const externalSecrets = loadDir(join(DEPLOY_DIR, 'platform', 'jenkins')).filter((manifest) => manifest.doc['kind'] === 'ExternalSecret');
  const created = new Set(externalSecrets.flatMap((manifest) => asArray(at(manifest.doc, 'spec', 'data')).map((entry) => `${at(manifest.doc, 'spec', 'target', 'name')}-${asObject(entry)['secretKey']}`)));
  for (const key of mounted) assert.ok(created.has(key), `${key}: no ExternalSecret creates it`);
  const admin = asObject(at(values, 'controller', 'admin'));
  for (const key of [admin['userKey'], admin['passwordKey']]) assert.ok(created.has(`${admin['existingSecret']}-${key}`), `admin secret key ${key}`);
  for (const manifest of externalSecrets) assert.equal(at(manifest.doc, 'metadata', 'namespace'), jenkins.namespace);
  // The job JCasC creates runs this Jenkinsfile.
  const jobs = String(at(values, 'controller', 'JCasC', 'configScripts', 'jobs'));
  assert.match(jobs, /scriptPath\('Jenkinsfile'\)/);
  assert.ok(jobs.includes(`url('${REPO_URL}')`), 'the job builds the repository the Applications sync');
  assert.match(readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8'), /grep -rl lab-observability\/lab-observability\.git deploy\/argocd deploy\/platform\/jenkins/, 'the fork step rewrites the job URL too');
});

const dir = mkdtempSync(join(tmpdir(), 'update-image-tag-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the GitOps script pins tag and digest, keeps comments, is idempotent, and rejects bad pins with a clear error', () => {
  const overlay = join(dir, 'kustomization.yaml');
  const original = readFileSync(join(DEPLOY_DIR, 'apps', 'overlays', 'dev', 'kustomization.yaml'), 'utf8');
  writeFileSync(overlay, original);
  const digest = `sha256:${'0f'.repeat(32)}`;
  writeFileSync(join(dir, 'orders'), `orders sha-abcdef012345 ${digest}\n`);
  const run = (...pins: string[]) => spawnSync(process.execPath, [SCRIPT, overlay, 'ghcr.io/lab-observability', ...pins], { encoding: 'utf8' });
  assert.equal(run(join(dir, 'orders')).status, 0);
  const once = readFileSync(overlay, 'utf8');
  const images = asArray((parse(once) as JsonObject)['images']).map(asObject);
  assert.deepEqual(images.find((image) => image['name'] === 'ghcr.io/lab-observability/orders'), { name: 'ghcr.io/lab-observability/orders', newTag: 'sha-abcdef012345', digest });
  assert.deepEqual(images.filter((image) => image['name'] !== 'ghcr.io/lab-observability/orders'), asArray((parse(original) as JsonObject)['images']).map(asObject).filter((image) => image['name'] !== 'ghcr.io/lab-observability/orders'));
  const comments = (text: string) => text.split('\n').filter((line) => line.trimStart().startsWith('#'));
  assert.deepEqual(comments(once), comments(original));
  execFileSync(process.execPath, [SCRIPT, overlay, 'ghcr.io/lab-observability', join(dir, 'orders')]);
  assert.equal(readFileSync(overlay, 'utf8'), once, 'a second run changes nothing');

  writeFileSync(join(dir, 'unknown'), `billing sha-abcdef012345 ${digest}\n`);
  writeFileSync(join(dir, 'bad-digest'), 'orders sha-abcdef012345 sha256:1234\n');
  writeFileSync(join(dir, 'short'), 'orders sha-abcdef012345\n');
  for (const [pin, message] of [
    ['unknown', /image ghcr\.io\/lab-observability\/billing is not in the kustomization's images/],
    ['bad-digest', /bad digest "sha256:1234" for orders/],
    ['short', /expected "<service> <tag> <digest>"/],
  ] as const) {
    const result = run(join(dir, pin));
    assert.equal(result.status, 1, pin);
    assert.match(result.stderr, message);
  }
  assert.equal(readFileSync(overlay, 'utf8'), once, 'a rejected pin writes nothing');
});
