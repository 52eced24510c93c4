#!/usr/bin/env node
// node scripts/capture-docker-fixture.mjs NAME "what it is": runs droidcheck docker's live tests
// here (as root) and writes test/fixtures/docker/NAME.json (everything but the probe's own facts,
// which test/fixtures/hosts/NAME holds). Remove anything personal before committing.
import { writeFileSync } from 'node:fs';
const [name, source] = process.argv.slice(2);
if (!name || !source) {
  console.error('usage: node scripts/capture-docker-fixture.mjs NAME "what it is"');
  process.exit(2);
}
const { gatherDockerFacts } = await import('../dist/src/docker/facts.js');
const { NodeDockerHost } = await import('../dist/src/docker/node-host.js');
const f = await gatherDockerFacts(new NodeDockerHost(), { live: true, noFfi: false, platform: process.platform, arch: process.arch, execPath: process.execPath });
const { base: _base, ...rest } = f;
writeFileSync(new URL(`../test/fixtures/docker/${name}.json`, import.meta.url), JSON.stringify({ _source: source, ...rest }, null, 1) + '\n');
