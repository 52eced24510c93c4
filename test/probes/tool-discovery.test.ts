// Busybox discovery (--busybox, PATH, the bundle's own, util-linux, toybox),
// the tool named for every live test, and the FFI state in the report.

import t from 'tap';
import { bundleBusybox, findToolset, type Toolset } from '../../src/host/tools.js';
import { parseToolsOutput, toolsScript } from '../../src/probes/live/tools.js';
import { runLive } from '../../src/probes/live/index.js';
import { gatherFacts } from '../../src/probes/facts.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { runChecks } from '../../src/probes/run.js';
import { buildReport } from '../../src/report/report.js';
import { parseElf } from '../../src/sys/elf.js';
import type { FileKind } from '../../src/host/host.js';
import { FixtureHost, type HostJson } from '../helpers/fixture-host.js';
import { validateProbeReport } from '../helpers/schemas.js';

/** A 64-bit little-endian ELF header with one PT_LOAD (and PT_INTERP when dynamic). */
function elf(machine: number, dynamic = false): Buffer {
  const phnum = dynamic ? 2 : 1;
  const b = Buffer.alloc(64 + 56 * phnum);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 2;
  b[5] = 1;
  b[6] = 1;
  b.writeUInt16LE(2, 16);
  b.writeUInt16LE(machine, 18);
  b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(phnum, 56);
  b.writeUInt32LE(1, 64);
  if (dynamic) b.writeUInt32LE(3, 64 + 56);
  return b;
}

/** A fixture host with extra files (a bundle's rootfs) outside its tree. */
class BundleHost extends FixtureHost {
  constructor(
    name: string,
    overrides: Partial<HostJson>,
    readonly files: Record<string, Buffer>,
  ) {
    super(name, overrides);
  }
  override async readFile(path: string): Promise<Buffer | null> {
    return this.files[path] ?? super.readFile(path);
  }
  override async stat(path: string): Promise<FileKind | null> {
    return this.files[path] ? 'file' : super.stat(path);
  }
}

const LIST = { exitCode: 0, stdout: 'chroot\nmount\npivot_root\nsh\nunshare\n', stderr: '' };
const ROOTFS = '/data/local/tmp/bundle/rootfs';
const BB = `${ROOTFS}/bin/busybox`;
/** Android 7: sh and toybox (mount and chroot applets, no unshare), no busybox on PATH. */
const android7 = (files: Record<string, Buffer> = {}, json: Partial<HostJson> = {}): BundleHost =>
  new BundleHost(
    'android7-3.10',
    {
      which: { sh: '/system/bin/sh', toybox: '/system/bin/toybox', mount: '/system/bin/mount' },
      links: { '/system/bin/mount': '/system/bin/toybox' },
      exec: {
        [`${BB} --list`]: LIST,
        '/sdcard/busybox --list': LIST,
        '/system/bin/toybox': { exitCode: 0, stdout: 'chroot mount umount ls cat\n', stderr: '' },
      },
      ...json,
    },
    files,
  );

t.test('parseElf reads machine and linking from a buffer', async (t) => {
  t.same(parseElf('x', elf(183)), { class: 64, machine: 'aarch64', machineId: 183, static: true });
  t.equal(parseElf('x', elf(40, true)).static, false);
  t.throws(() => parseElf('x', Buffer.from('#!/bin/sh\n')), { message: 'x: not an ELF file' });
  t.throws(() => parseElf('x', elf(183, true).subarray(0, 100)), { message: 'x: truncated program header table' });
});

t.test('discovery order: --busybox, PATH, the bundle, util-linux, toybox', async (t) => {
  const withPathBusybox = new FixtureHost('android7-3.10', { exec: { '/data/local/tmp/busybox --list': LIST, '/sdcard/busybox --list': LIST } });
  const given = await findToolset(withPathBusybox, { busybox: '/sdcard/busybox', bundleRootfs: ROOTFS });
  t.match(given, { name: '/sdcard/busybox', busyboxSource: 'option', labels: { unshare: 'busybox /sdcard/busybox unshare (--busybox)' } }, '--busybox first');

  const bad = await findToolset(withPathBusybox, { busybox: '/nonexistent/busybox' });
  t.match(bad, { name: '/data/local/tmp/busybox', busyboxSource: 'PATH', labels: { mount: 'busybox /data/local/tmp/busybox mount' } }, 'a --busybox that does not run: busybox on PATH');
  t.match(bad?.notes, [/^--busybox \/nonexistent\/busybox not used: spawn \/nonexistent\/busybox: ENOENT/]);

  const bundle = await findToolset(android7({ [BB]: elf(183) }), { bundleRootfs: ROOTFS });
  t.match(bundle, { name: BB, busyboxSource: 'bundle', sh: [BB, 'sh'], labels: { pivot_root: `busybox ${BB} pivot_root (the bundle's own)` } }, 'no busybox on PATH: the bundle\'s own');

  const foreign = await findToolset(android7({ [BB]: elf(62) }), { bundleRootfs: ROOTFS });
  t.match(foreign, { name: '/system/bin/toybox (toybox)', unshare: null }, 'a bundle busybox for another machine is not used');
  t.match(foreign?.notes, [`bundle busybox ${BB} is for x86_64, this machine is aarch64: not used`]);
  t.match(foreign?.labels, { sh: 'sh /system/bin/sh', mount: 'toybox /system/bin/toybox mount (as /system/bin/mount)', chroot: 'toybox /system/bin/toybox chroot' }, 'toybox named also behind a symlink');

  const dynamic = await findToolset(android7({ [BB]: elf(183, true) }), { bundleRootfs: ROOTFS });
  t.match(dynamic?.notes, [/is dynamically linked .*: not used/]);
  const notElf = await findToolset(android7({ [BB]: Buffer.from('#!/bin/sh\n') }), { bundleRootfs: ROOTFS });
  t.match(notElf?.notes, [`bundle busybox ${BB}: not an ELF file: not used`]);
  t.same(await bundleBusybox(android7(), ROOTFS), { path: null }, 'no busybox in the bundle: nothing to say');

  const noApplets = await findToolset(android7({ [BB]: elf(183) }, { exec: { [`${BB} --list`]: { exitCode: 0, stdout: 'ls\n', stderr: '' } } }), { bundleRootfs: ROOTFS });
  t.match(noApplets?.notes, [/bundle busybox .* not used: it has no sh applet/]);
  const failing = await findToolset(
    new FixtureHost('android7-3.10', { exec: { '/data/local/tmp/busybox --list': { exitCode: 1, stdout: '', stderr: 'Illegal instruction' } } }),
  );
  t.match(failing?.notes, ['busybox on PATH /data/local/tmp/busybox not used: --list exited with 1: Illegal instruction']);

  const ul = await findToolset(new FixtureHost('noconfig-5.10'));
  t.match(ul?.labels, { sh: 'sh /usr/bin/sh', unshare: 'util-linux /usr/bin/unshare', mount: 'util-linux /usr/bin/mount', pivot_root: 'util-linux /usr/sbin/pivot_root', chroot: 'coreutils /usr/sbin/chroot' });
  const bbLink = await findToolset(new FixtureHost('noconfig-5.10', { links: { '/usr/bin/unshare': '/bin/busybox' } }));
  t.equal(bbLink?.labels?.unshare, 'busybox /bin/busybox unshare (as /usr/bin/unshare)', 'an applet symlink is named as busybox');
});

t.test('every live test names its tool; the report says how koffi fared', async (t) => {
  const tools = await runLive(android7({ [BB]: elf(183) }, { exec: { [`${BB} --list`]: LIST, [`${BB} sh -c`]: { exitCode: 0, stdout: 'unshare.mnt\t0\t\nscratch\t0\t\nmqueue\t255\tmount: mounting mqueue on /x failed: No such device\nchroot\t0\t\nnewroot\t0\t\npivot_root\t1\tpivot_root: Invalid argument\n', stderr: '' } } }), {
    noFfi: false,
    isRoot: true,
    arch: 'arm64',
    bundleRootfs: ROOTFS,
  });
  t.match(tools.ffi, { state: 'unavailable', reason: 'koffi cannot load on this fixture host' });
  t.match(tools.notes, ['FFI unavailable (koffi: koffi cannot load on this fixture host): live tests used tools']);
  t.equal(tools.results?.unshare.mnt?.tool, `busybox ${BB} unshare (the bundle's own)`);
  t.equal(tools.results?.mount.mqueue?.tool, `busybox ${BB} mount (the bundle's own)`);
  t.equal(tools.results?.chroot?.tool, `busybox ${BB} chroot (the bundle's own)`);
  t.equal(tools.results?.pivotRoot?.tool, `busybox ${BB} pivot_root (the bundle's own)`);
  t.equal(tools.results?.tools?.unshare, `busybox ${BB} unshare (the bundle's own)`);

  const ffi = await runLive(new FixtureHost('android10-4.14'), { noFfi: false, isRoot: true, arch: 'arm64' });
  t.same(ffi.ffi, { state: 'used' });
  t.equal(ffi.results?.syscalls.memfd_create?.tool, 'koffi');
  t.equal(ffi.results?.unshare.mnt?.tool, 'koffi');
  t.equal(ffi.results?.unshare.user?.tool, 'util-linux /data/data/com.termux/files/usr/bin/unshare', 'the user namespace: a tool even on the FFI path');

  const off = await runLive(new FixtureHost('android7-3.10'), { noFfi: true, isRoot: true, arch: 'arm64' });
  t.same(off.ffi, { state: 'off' });

  for (const [name, noFfi] of [['android7-3.10', false], ['android10-4.14', false], ['noconfig-5.10', true]] as const) {
    const host = new FixtureHost(name);
    const facts = await gatherFacts(host, { live: true, noFfi, platform: host.json.platform, arch: host.json.arch, execPath: '/usr/bin/node' });
    const outcomes = runChecks(ALL_CHECKS, facts);
    const report = buildReport(facts, outcomes, { version: '0.0.0', now: new Date(0) });
    t.ok(validateProbeReport(report), `${name}: ${JSON.stringify(validateProbeReport.errors)}`);
    t.ok(report.live.ffi, `${name}: the report says whether koffi ran`);
    const live = outcomes.flatMap((o) => o.evidence.filter((e) => e.source === 'live'));
    t.ok(live.length > 0, `${name}: live evidence`);
    t.ok(live.every((e) => typeof e.tool === 'string' && e.tool.length > 0), `${name}: every live evidence names its tool`);
    if (report.live.path === 'tools') t.ok(report.live.tools?.unshare, `${name}: the report names the unshare tool`);
  }
});

t.test('paranoid network through busybox: nsenter -S/-G 65534, then nc', async (t) => {
  const withNc = { exitCode: 0, stdout: 'sh\nunshare\nmount\nnsenter\nnc\n', stderr: '' };
  const host = new FixtureHost('android7-3.10', { exec: { '/data/local/tmp/busybox --list': withNc } });
  const tools = await findToolset(host);
  t.same(tools?.inetAsNobody, ['/data/local/tmp/busybox', 'nsenter', '-S', '65534', '-G', '65534', '--', '/data/local/tmp/busybox', 'nc', '-w', '1', '127.0.0.1', '9']);
  const script = toolsScript(tools as Toolset, '/s');
  t.match(script, /^t inet '\/data\/local\/tmp\/busybox' 'nsenter' '-S' '65534' .* 'nc' '-w' '1' '127\.0\.0\.1' '9' <\/dev\/null$/m);
  const paranoid = parseToolsOutput(tools as Toolset, '/s', 'inet\t1\tnc: socket: Permission denied\n');
  t.match(paranoid.inetAsNobody, { op: 'socket(AF_INET) as uid 65534', ok: false, errno: 'EACCES', tool: /nsenter -S 65534 -G 65534 \+ busybox \S+ nc$/ });
  const open = parseToolsOutput(tools as Toolset, '/s', "inet\t1\tnc: can't connect to remote host (127.0.0.1): Connection refused\n");
  t.match(open.inetAsNobody, { ok: true, detail: /socket opened/ });
  const odd = parseToolsOutput(tools as Toolset, '/s', 'inet\t139\t\n');
  t.equal(odd.inetAsNobody, undefined, 'no answer is not a guess');
  t.match(odd.notes, [/could not tell whether uid 65534 may open sockets \(exit status 139\)/]);
  const without = await findToolset(new FixtureHost('android7-3.10'));
  t.equal(without?.inetAsNobody, null, 'a busybox without nc: no test');
  t.notMatch(toolsScript(without as Toolset, '/s'), /t inet/);
});

t.test("Debian's toybox 0.8.9 as stock Android's /system/bin: named toybox, and what it lacks", async (t) => {
  const host = android7({}, {
    which: { sh: '/system/bin/sh', toybox: '/system/bin/toybox', unshare: '/system/bin/unshare', mount: '/system/bin/mount', pivot_root: '/system/bin/pivot_root', chroot: '/system/bin/chroot' },
    links: { '/system/bin/unshare': '/system/bin/toybox', '/system/bin/mount': '/system/bin/toybox', '/system/bin/pivot_root': '/system/bin/toybox', '/system/bin/chroot': '/system/bin/toybox' },
    exec: { '/system/bin/toybox': { exitCode: 0, stdout: 'chroot mount nsenter pivot_root printf unshare ifconfig\n', stderr: '' } },
  });
  const ts = await findToolset(host);
  t.equal(ts?.name, '/system/bin/toybox (toybox)', 'unshare on PATH is a toybox link: the toolset is toybox, not util-linux');
  t.match(ts?.labels, { unshare: 'toybox /system/bin/toybox unshare (as /system/bin/unshare)' });
  t.same(ts?.notes, [], 'nothing was passed over');
  t.same(ts?.lacks, [
    "toybox /system/bin/toybox: no shell of its own: another one runs the scripts (/system/bin/sh); no setpriv: `run` on the tools path cannot drop capabilities or set no_new_privs; no nc: whether uid 65534 may open sockets (paranoid network) is not tested live; no ip: the container's loopback is brought up with ifconfig, if any",
  ]);
});
