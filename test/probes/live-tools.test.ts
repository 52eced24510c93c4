// The tools path: which tools are picked, the script, and how tool messages become errnos.

import t from 'tap';
import { errnoFromMessage } from '../../src/sys/errno.js';
import { findToolset, type Toolset } from '../../src/host/tools.js';
import { parseToolsOutput, toolsScript } from '../../src/probes/live/tools.js';
import { runLive, syscallsFromKallsyms } from '../../src/probes/live/index.js';
import { emptyLive } from '../../src/probes/live/types.js';
import { FixtureHost } from '../helpers/fixture-host.js';

const ok = { exitCode: 0, stdout: '', stderr: '' };

t.test('errnoFromMessage reads busybox, util-linux and toybox messages', async (t) => {
  const cases: [string, string][] = [
    ['unshare: unshare(0x8000000): Invalid argument', 'EINVAL'],
    ['unshare: unshare failed: Operation not permitted', 'EPERM'],
    ['mount: mounting mqueue on /x failed: No such device', 'ENODEV'],
    ["mount: /x: unknown filesystem type 'mqueue'.", 'ENODEV'],
    ['unshare: unshare failed: No space left on device', 'ENOSPC'],
    ['pivot_root: failed to change root from `.\' to `old\': Invalid argument', 'EINVAL'],
    ['something odd', 'UNKNOWN'],
  ];
  for (const [msg, errno] of cases) t.equal(errnoFromMessage(msg), errno, msg);
});

t.test('findToolset prefers busybox, then util-linux, then toybox', async (t) => {
  const bb = new FixtureHost('android7-3.10');
  t.match(await findToolset(bb), { name: '/data/local/tmp/busybox', sh: ['/data/local/tmp/busybox', 'sh'], unshare: ['/data/local/tmp/busybox', 'unshare'], pivotRoot: ['/data/local/tmp/busybox', 'pivot_root'] });
  const given = new FixtureHost('android7-3.10', { which: { sh: '/system/bin/sh' } });
  t.match(await findToolset(given, { busybox: '/data/local/tmp/busybox' }), { name: '/data/local/tmp/busybox' }, '--busybox PATH is used when busybox is not on PATH');
  const ul = new FixtureHost('noconfig-5.10');
  t.match(await findToolset(ul), { name: 'util-linux', sh: ['/usr/bin/sh'], unshare: ['/usr/bin/unshare'], pivotRoot: ['/usr/sbin/pivot_root'] });
  const toybox = new FixtureHost('android7-3.10', {
    which: { sh: '/system/bin/sh', toybox: '/system/bin/toybox' },
    exec: { '/system/bin/toybox': { exitCode: 0, stdout: 'chroot mount umount ls cat\n', stderr: '' } },
  });
  t.match(await findToolset(toybox), { name: '/system/bin/toybox (toybox)', unshare: null, mount: ['/system/bin/toybox', 'mount'], chroot: ['/system/bin/toybox', 'chroot'], pivotRoot: null });
  const broken = new FixtureHost('android7-3.10', { which: { busybox: '/bad/busybox' }, exec: {} });
  t.equal(await findToolset(broken), null, 'a busybox that does not run and no sh: nothing');
});

const BUSYBOX: Toolset = { name: 'bb', sh: ['bb', 'sh'], unshare: ['bb', 'unshare'], mount: ['bb', 'mount'], pivotRoot: ['bb', 'pivot_root'], chroot: ['bb', 'chroot'] };

t.test('toolsScript tests every namespace and mount inside unshare -m', async (t) => {
  const s = toolsScript(BUSYBOX, "/tmp/it's");
  for (const flag of ['-m', '-u', '-i', '-n', '-p', '-U', '-C']) t.match(s, new RegExp(`'bb' 'unshare' ${flag} true`));
  t.match(s, `'bb' 'unshare' -m 'bb' 'sh' -c `);
  t.match(s, /t mqueue .* -t mqueue mqueue/);
  t.match(s, /newinstance,ptmxmode=0666/);
  t.match(s, /t pivot_root .*pivot_root.*\/new .*\/new\/old/);
  t.match(s, "'\\''", 'single quotes in paths are escaped');
  const none = toolsScript({ ...BUSYBOX, unshare: null }, '/s');
  t.notMatch(none, /unshare/, 'no unshare tool: no namespace or mount tests');
  const noPivot = toolsScript({ ...BUSYBOX, pivotRoot: null, chroot: null }, '/s');
  t.match(noPivot, /no pivot_root tool/);
  t.match(noPivot, /no chroot tool/);
});

t.test('parseToolsOutput', async (t) => {
  const out = parseToolsOutput(BUSYBOX, '/s', [
    'unshare.mnt\t0\t',
    'unshare.ipc\t1\tunshare: unshare(0x8000000): Invalid argument',
    "unshare.cgroup\t1\tunshare: invalid option -- 'C' BusyBox v1.35.0",
    'scratch\t0\t',
    'mqueue\t255\tmount: mounting mqueue on /s/mq failed: No such device',
    'devpts\t0\t',
    'ptmx\t0\t',
    'ptsdev\t0\t21 21',
    'newroot\t1\tmount: permission denied',
    'pivot_root\t127\t',
    'garbage',
  ].join('\n'));
  t.same(out.unshare.mnt, { op: 'unshare(CLONE_NEWNS)', ok: true, tool: 'bb' }, 'without labels the toolset name is the tool');
  t.match(out.unshare.ipc, { ok: false, errno: 'EINVAL' });
  t.equal(out.unshare.cgroup, undefined, 'a tool without -C tests nothing');
  t.match(out.notes, [/unshare has no -C: the cgroup namespace was not tested live/]);
  t.match(out.mount.mqueue, { ok: false, errno: 'ENODEV' });
  t.match(out.mount.devpts, { ok: true, ptmx: true, separateInstance: false });
  t.match(out.pivotRoot, { op: 'mount tmpfs on /s/new', ok: false, errno: 'EACCES' }, 'a failed new-root mount is reported instead of pivot_root');
  t.equal(out.chroot, undefined);
  const missing = parseToolsOutput({ ...BUSYBOX, mount: null, pivotRoot: null }, '/s', 'pivot_root\t127\t\n');
  t.match(missing.notes, [/no mount tool/, /no pivot_root tool/]);
  t.match(missing.pivotRoot, { ok: false, errno: 'ENOENT', detail: 'tool not found' });
  const noUnshare = parseToolsOutput({ ...BUSYBOX, unshare: null }, '/s', '');
  t.match(noUnshare.notes, [/no unshare tool/]);
  const unknownDev = parseToolsOutput(BUSYBOX, '/s', 'devpts\t0\t\nptsdev\t0\t \n');
  t.equal(unknownDev.mount.devpts?.separateInstance, null);
});

t.test('syscallsFromKallsyms finds entry points under any prefix', async (t) => {
  const r = emptyLive('tools');
  syscallsFromKallsyms('0 T __x64_sys_memfd_create\n0 T SyS_getrandom\n0 T __arm64_sys_clone3\n0 t other\n', r);
  t.match(r.syscalls.memfd_create, { ok: true, detail: 'symbol in /proc/kallsyms' });
  t.match(r.syscalls.getrandom, { ok: true });
  t.match(r.syscalls.clone3, { ok: true });
  t.match(r.syscalls.openat2, { ok: false, errno: 'ENOSYS' });
  t.equal(r.syscallSource, 'kallsyms');
  // Whole symbol names only: a longer name, a module symbol (tab, [module]) and the last line without a newline.
  const edge = emptyLive('tools');
  syscallsFromKallsyms('0 T sys_renameat2_compat\n0 T xsys_seccomp\n0 t __se_sys_execveat\t[mod]\n0 T __do_sys_openat2', edge);
  t.match(edge.syscalls.renameat2, { ok: false }, 'sys_renameat2_compat is not renameat2');
  t.match(edge.syscalls.seccomp, { ok: false }, 'xsys_seccomp is not seccomp');
  t.match(edge.syscalls.execveat, { ok: true });
  t.match(edge.syscalls.openat2, { ok: true });
});

t.test('runLive: FFI first, tools when it fails or is switched off, nothing without root', async (t) => {
  const ffi = await runLive(new FixtureHost('android10-4.14'), { noFfi: false, isRoot: true, arch: 'arm64' });
  t.equal(ffi.results?.path, 'ffi');
  t.match(ffi.results?.unshare.user, { ok: false, errno: 'EINVAL' }, 'the user namespace is asked of a tool');
  const off = await runLive(new FixtureHost('android7-3.10'), { noFfi: true, isRoot: true, arch: 'arm64' });
  t.equal(off.results?.path, 'tools');
  t.match(off.notes, [/FFI switched off/]);
  const notRoot = await runLive(new FixtureHost('android7-3.10'), { noFfi: false, isRoot: false, arch: 'arm64' });
  t.equal(notRoot.results, null);
  t.match(notRoot.notes, [/FFI unavailable/, /not root/]);
  const ffiNotRoot = await runLive(new FixtureHost('android10-4.14'), { noFfi: false, isRoot: false, arch: 'arm64' });
  t.equal(ffiNotRoot.results?.path, 'ffi', 'the FFI path still runs its unprivileged tests');
  const nothing = await runLive(new FixtureHost('android7-3.10', { which: {} }), { noFfi: true, isRoot: true, arch: 'arm64' });
  t.equal(nothing.results, null);
  t.match(nothing.notes, [/FFI switched off/, /no shell or busybox found/]);
  const noUnshare = await runLive(new FixtureHost('android10-4.14', { which: { sh: '/system/bin/sh' } }), { noFfi: false, isRoot: true, arch: 'arm64' });
  t.match(noUnshare.results?.notes, [/./, /no unshare tool: the user namespace was not tested live/]);
  const userOk = await runLive(new FixtureHost('android10-4.14', { exec: { '/data/data/com.termux/files/usr/bin/unshare -U true': ok } }), { noFfi: false, isRoot: true, arch: 'arm64' });
  t.match(userOk.results?.unshare.user, { ok: true });
  // Where droidcheck-init was built, it answers instead of a tool: no tool is even looked for.
  const native = new FixtureHost('android10-4.14', { nativeUserNs: { errno: 22 } });
  const viaInit = await runLive(native, { noFfi: false, isRoot: true, arch: 'arm64' });
  t.same(viaInit.results?.unshare.user, { op: 'unshare(CLONE_NEWUSER)', ok: false, errno: 'EINVAL', detail: 'via droidcheck-init', tool: 'droidcheck-init' });
  t.same(native.execLog, [], 'no tool was run for it');
  const nativeOk = await runLive(new FixtureHost('android10-4.14', { nativeUserNs: { errno: null } }), { noFfi: false, isRoot: true, arch: 'arm64' });
  t.same(nativeOk.results?.unshare.user, { op: 'unshare(CLONE_NEWUSER)', ok: true, detail: 'via droidcheck-init', tool: 'droidcheck-init' });
});
