#!/usr/bin/env node
// The GitOps step of both release pipelines (.github/workflows/services.yml and the Jenkinsfile): pins each pushed
// image (tag + digest) in a kustomization's `images:` list, so Argo CD rolls it out. One script so the two pipelines
// cannot drift. Plain JavaScript without dependencies: it runs on the runner's or the agent's Node (>= 20) before any
// install. The edit is line-based so comments and order stay as they are; a layout it does not know is an error.
//
//   node deploy/scripts/update-image-tag.mjs <kustomization.yaml> <image prefix> <pin file>...
//
// A pin file holds one line `<service> <tag> <digest>` (what each image build records after its push).
import { readFileSync, writeFileSync } from 'node:fs';

const SERVICE = /^[a-z0-9][a-z0-9-]*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function fail(message) {
  console.error(`update-image-tag: ${message}`);
  process.exit(1);
}

/** Parses the pin files: `<service> <tag> <digest>` each. */
function readPins(files) {
  return files.map((file) => {
    const parts = readFileSync(file, 'utf8').trim().split(/\s+/);
    const [service = '', tag = '', digest = ''] = parts;
    if (parts.length !== 3) fail(`${file}: expected "<service> <tag> <digest>", got "${parts.join(' ')}"`);
    if (!SERVICE.test(service)) fail(`${file}: bad service name "${service}"`);
    if (!TAG.test(tag)) fail(`${file}: bad tag "${tag}" for ${service}`);
    if (!DIGEST.test(digest)) fail(`${file}: bad digest "${digest}" for ${service}`);
    return { service, tag, digest };
  });
}

/** The kustomization text with `newTag` and `digest` of image `name` set; the entry must exist. */
function pinImage(text, name, tag, digest) {
  const lines = text.split('\n');
  const start = lines.indexOf('images:');
  if (start < 0) fail('no top-level "images:" block (block style) in the kustomization');
  let index = start + 1;
  while (index < lines.length && (lines[index].startsWith(' ') || lines[index].startsWith('-') || lines[index].trim() === '')) {
    const entry = /^(\s*)- name: (\S+)\s*$/.exec(lines[index]);
    if (entry && entry[2] === name) {
      const indent = `${entry[1]}  `;
      let end = index + 1;
      while (end < lines.length && lines[end].startsWith(indent) && !lines[end].slice(indent.length).startsWith(' ')) end++;
      const body = lines.slice(index + 1, end).filter((line) => !/^\s*(newTag|digest):/.test(line));
      lines.splice(index + 1, end - index - 1, ...body, `${indent}newTag: ${tag}`, `${indent}digest: ${digest}`);
      return lines.join('\n');
    }
    index++;
  }
  fail(`image ${name} is not in the kustomization's images`);
}

const [file, prefix, ...pinFiles] = process.argv.slice(2);
if (!file || !prefix || pinFiles.length === 0) fail('usage: update-image-tag.mjs <kustomization.yaml> <image prefix> <pin file>...');
let text = readFileSync(file, 'utf8');
for (const { service, tag, digest } of readPins(pinFiles)) {
  text = pinImage(text, `${prefix}/${service}`, tag, digest);
  console.log(`${file}: ${prefix}/${service} -> ${tag}@${digest}`);
}
writeFileSync(file, text);
