#!/usr/bin/env node
// Captures this host as a probe fixture: node scripts/capture-fixture.mjs NAME "description"
// Writes test/fixtures/hosts/NAME/{root/...,host.json}. Run as root after `npm run build`
// so the live results are real. Review the files for personal data before committing.

import { mkdirSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NodeHost } from '../dist/src/host/node-host.js';
import { TEXT_FILES, PATHS, IPC_SYSCTLS } from '../dist/src/probes/facts.js';
import { runLive } from '../dist/src/probes/live/index.js';
import { parseMountinfo } from '../dist/src/probes/mountinfo.js';

const [name, description = ''] = process.argv.slice(2);
if (!name) {
  console.error('usage: capture-fixture.mjs NAME [DESCRIPTION]');
  process.exit(2);
}
const out = new URL(`../test/fixtures/hosts/${name}/`, import.meta.url).pathname;
const root = join(out, 'root');
const host = new NodeHost();
const put = (path, bytes) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), bytes);
};
for (const f of [...TEXT_FILES, '/proc/config.gz']) {
  const b = await host.readFile(f);
  if (b) put(f, b);
}
for (const s of IPC_SYSCTLS) if (existsSync(`/proc/sys/${s}`)) put(`/proc/sys/${s}`, '');
const dirs = { '/proc/self/ns': await host.readDir('/proc/self/ns') };
const mounts = parseMountinfo((await host.readFile('/proc/self/mountinfo')).toString());
for (const m of mounts.filter((m) => m.fsType === 'cgroup')) dirs[m.mountPoint] = await host.readDir(m.mountPoint);
const paths = {};
for (const p of PATHS) paths[p] = await host.stat(p);
const u = host.uname();
const live = await runLive(host, { noFfi: false, isRoot: host.uid() === 0, arch: process.arch });
writeFileSync(
  join(out, 'host.json'),
  JSON.stringify({ description, uname: { ...u, nodename: 'fixture-host' }, uid: host.uid(), platform: process.platform, arch: process.arch, dirs, paths, ffiLive: live.results }, null, 2) + '\n',
);
console.log(`captured ${out}`);
