// Which droidcheck-init runs, from fixtures of kernels, userlands and built launchers:
// a 32-bit userland on an arm64 kernel, Termux's armv8l personality, missing and dynamic builds.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseLauncher, kernelOf, type LauncherFacts, type LauncherFile } from '../../src/runtime/launcher-choice.js';
import { launcherFile, nativeInitPath, seccompMachines } from '../../src/runtime/native-path.js';
import { aarch64Elf } from '../helpers/bundle.js';

const built = (machine: string, isStatic = true): LauncherFile => ({ path: `/pkg/dist/native/droidcheck-init-${machine}`, state: 'elf', machine, static: isStatic });
const missing = (machine: string): LauncherFile => ({ path: `/pkg/dist/native/droidcheck-init-${machine}`, state: 'missing' });
const all = { aarch64: built('aarch64'), arm: built('arm'), x86_64: built('x86_64') };
const facts = (over: Partial<LauncherFacts>): LauncherFacts => ({ uname: 'aarch64', node: 'aarch64', shell: null, compat: null, launchers: all, ...over });

t.test('kernelOf: uname -m to machine and width', async (t) => {
  t.same(kernelOf('aarch64'), { machine: 'aarch64', bits: 64 });
  t.same(kernelOf('armv8l'), { machine: 'arm', bits: null }, 'armv8l: arm64 kernel in 32-bit personality, or a 32-bit kernel');
  t.same(kernelOf('armv7l'), { machine: 'arm', bits: 32 });
  t.same(kernelOf('x86_64'), { machine: 'x86_64', bits: 64 });
  t.same(kernelOf('i686'), { machine: 'i386', bits: 32 });
});

t.test('a 32-bit userland on an arm64 kernel uses the 32-bit launcher and says why', async (t) => {
  const c = chooseLauncher(facts({ node: 'arm', shell: { path: '/system/bin/sh', machine: 'arm', bits: 32 } }));
  t.match(c, { path: '/pkg/dist/native/droidcheck-init-arm', machine: 'arm' });
  t.match(c, { why: /userland is 32-bit \(node is arm\) on a 64-bit aarch64 kernel: the 32-bit launcher matches it.*\/system\/bin\/sh is 32-bit too/ });
  // Termux on a 64-bit phone: uname -m answers armv8l to a 32-bit process.
  t.match(chooseLauncher(facts({ uname: 'armv8l', node: 'arm' })), { machine: 'arm', why: /on an armv8l kernel/ });
});

t.test('without the 32-bit launcher, the 64-bit one on an arm64 kernel', async (t) => {
  const c = chooseLauncher(facts({ node: 'arm', launchers: { ...all, arm: missing('arm') } }));
  t.match(c, { machine: 'aarch64', why: /userland is 32-bit \(node is arm\) but .*droidcheck-init-arm was not built .*the aarch64 kernel runs the 64-bit launcher natively/ });
  // armv8l may be a 32-bit kernel: the 64-bit launcher is not tried.
  t.match(chooseLauncher(facts({ uname: 'armv8l', node: 'arm', launchers: { ...all, arm: missing('arm') } })), { reason: /droidcheck-init-arm was not built/ });
  // A dynamic 64-bit build needs a 64-bit loader the 32-bit userland lacks.
  t.match(chooseLauncher(facts({ node: 'arm', launchers: { arm: missing('arm'), aarch64: built('aarch64', false) } })), { reason: /dynamically linked: only a static one runs beside a userland of another width/ });
});

t.test('a 64-bit userland: its own launcher, else the 32-bit one only with CONFIG_COMPAT', async (t) => {
  t.match(chooseLauncher(facts({})), { machine: 'aarch64', why: /^built for this machine \(aarch64\)/ });
  const no64 = { ...all, aarch64: missing('aarch64') };
  t.match(chooseLauncher(facts({ launchers: no64, compat: true })), { machine: 'arm', why: /the kernel has CONFIG_COMPAT, so it runs the 32-bit arm launcher/ });
  t.match(chooseLauncher(facts({ launchers: no64, compat: false })), { reason: /droidcheck-init-arm is there, but the kernel has no CONFIG_COMPAT/ });
  t.match(chooseLauncher(facts({ launchers: no64, compat: null })), { reason: /whether the kernel runs 32-bit binaries \(CONFIG_COMPAT\) is unknown/ });
  t.match(chooseLauncher(facts({ shell: { path: '/system/bin/sh', machine: 'arm', bits: 32 } })), { machine: 'aarch64', why: /\/system\/bin\/sh is 32-bit \(arm\), but the launcher follows the node that starts it/ });
});

t.test('no compiler at build time: every reason, for the next path', async (t) => {
  const c = chooseLauncher(facts({ uname: 'x86_64', node: 'x86_64', launchers: { x86_64: missing('x86_64') } }));
  t.match(c, { reason: /droidcheck-init-x86_64 was not built \(no C compiler for x86_64 when droidcheck was built\)/ });
  t.notOk('path' in c);
});

t.test('launcherFile reads what is on disk', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-launcher-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(launcherFile(join(dir, 'none')), { path: join(dir, 'none'), state: 'missing' });
  writeFileSync(join(dir, 'script'), '#!/bin/sh\n');
  t.same(launcherFile(join(dir, 'script')), { path: join(dir, 'script'), state: 'not-elf' });
  writeFileSync(join(dir, 'a64'), aarch64Elf());
  t.same(launcherFile(join(dir, 'a64')), { path: join(dir, 'a64'), state: 'elf', machine: 'aarch64', static: true });
  copyFileSync(nativeInitPath('arm'), join(dir, 'arm'));
  t.same(launcherFile(join(dir, 'arm')), { path: join(dir, 'arm'), state: 'elf', machine: 'arm', static: true }, 'the built armhf launcher');
});

t.test("config.json's seccomp architectures: a launcher the filter would kill is not chosen", async (t) => {
  const only64 = chooseLauncher(facts({ node: 'arm', filterMachines: ['aarch64'] }));
  t.match(only64, { machine: 'aarch64', why: /droidcheck-init-arm: config\.json's seccomp profile lists only aarch64, so the filter would kill the launcher's own execve; the aarch64 kernel runs the 64-bit launcher natively/ });
  t.match(chooseLauncher(facts({ node: 'arm', filterMachines: ['aarch64', 'arm'] })), { machine: 'arm' }, 'both listed: the 32-bit one');
  t.match(chooseLauncher(facts({ filterMachines: ['x86_64'] })), { reason: /droidcheck-init-aarch64: config\.json's seccomp profile lists only x86_64/ });
  t.same(seccompMachines({ architectures: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_MIPS'] }), ['aarch64', 'arm']);
  t.equal(seccompMachines({ defaultAction: 'SCMP_ACT_ALLOW' }), null, 'no architectures: the launcher\'s own');
  t.equal(seccompMachines(undefined), null);
});
