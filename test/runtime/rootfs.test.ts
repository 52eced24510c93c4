// `droidcheck rootfs`: ELF detection, the bundle's files, errors, and a real
// `runc run` of the bundle when root and runc are available.

import t, { type Test } from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElfInfo, normalizeArch, ElfError } from '../../src/sys/elf.js';
import { COMMON_APPLETS, GROUP, listApplets, loadDefaultSpec, makeBusyboxBundle, PASSWD, ROOTFS_DIRS } from '../../src/runtime/rootfs.js';
import { rootfsCommand } from '../../src/cli/rootfs.js';

const BUSYBOX = '/bin/busybox';
const haveBusybox = existsSync(BUSYBOX);
const DYNAMIC = ['/bin/ls', '/usr/bin/ls', process.execPath].find((p) => existsSync(p))!;

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-rootfs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fake static ELF executable header: class 1/2, little-endian, e_machine, one PT_LOAD (or PT_INTERP). */
function fakeElf(path: string, opts: { cls: 32 | 64; machine: number; interp?: boolean; bigEndian?: boolean }): string {
  const is64 = opts.cls === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = opts.interp ? 2 : 1;
  const buf = Buffer.alloc(ehsize + phentsize * phnum);
  const le = !opts.bigEndian;
  const w16 = (v: number, o: number) => (le ? buf.writeUInt16LE(v, o) : buf.writeUInt16BE(v, o));
  const w32 = (v: number, o: number) => (le ? buf.writeUInt32LE(v, o) : buf.writeUInt32BE(v, o));
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = is64 ? 2 : 1;
  buf[5] = le ? 1 : 2;
  buf[6] = 1;
  w16(2, 16); // ET_EXEC
  w16(opts.machine, 18);
  if (is64) {
    le ? buf.writeBigUInt64LE(BigInt(ehsize), 32) : buf.writeBigUInt64BE(BigInt(ehsize), 32);
    w16(phentsize, 54);
    w16(phnum, 56);
  } else {
    w32(ehsize, 28);
    w16(phentsize, 42);
    w16(phnum, 44);
  }
  w32(1, ehsize); // PT_LOAD
  if (opts.interp) w32(3, ehsize + phentsize); // PT_INTERP
  writeFileSync(path, buf, { mode: 0o755 });
  return path;
}

t.test('readElfInfo: /bin/busybox is a static x86_64 ELF', { skip: !haveBusybox && 'no /bin/busybox (apt install busybox-static)' }, async (t) => {
  const info = await readElfInfo(BUSYBOX);
  t.same(info, { class: 64, machine: process.arch === 'x64' ? 'x86_64' : info.machine, machineId: info.machineId, static: true });
  if (process.arch === 'x64') t.equal(info.machineId, 62);
});

t.test('readElfInfo: a dynamic ELF has a loader', async (t) => {
  const info = await readElfInfo(DYNAMIC);
  t.equal(info.static, false, DYNAMIC);
});

t.test('readElfInfo: machines, classes and byte orders of synthetic headers', async (t) => {
  const dir = tmp(t);
  t.same(await readElfInfo(fakeElf(join(dir, 'a64'), { cls: 64, machine: 183 })), { class: 64, machine: 'aarch64', machineId: 183, static: true });
  t.same(await readElfInfo(fakeElf(join(dir, 'arm'), { cls: 32, machine: 40 })), { class: 32, machine: 'arm', machineId: 40, static: true });
  t.same(await readElfInfo(fakeElf(join(dir, 'x86'), { cls: 32, machine: 3, interp: true })), { class: 32, machine: 'i386', machineId: 3, static: false });
  t.same(await readElfInfo(fakeElf(join(dir, 'ppc'), { cls: 64, machine: 21, bigEndian: true })), { class: 64, machine: 'ppc64', machineId: 21, static: true });
  t.equal((await readElfInfo(fakeElf(join(dir, 'odd'), { cls: 64, machine: 9999 }))).machine, 'unknown(9999)');
});

t.test('readElfInfo: errors name the path and the errno', async (t) => {
  const dir = tmp(t);
  writeFileSync(join(dir, 'script'), '#!/bin/sh\necho hi\n');
  await t.rejects(readElfInfo(join(dir, 'script')), { message: `${join(dir, 'script')}: not an ELF file`, code: 'ENOEXEC' });
  await t.rejects(readElfInfo(join(dir, 'missing')), { message: `${join(dir, 'missing')}: cannot open: ENOENT`, code: 'ENOENT' });
  const e = await readElfInfo(join(dir, 'missing')).catch((x: unknown) => x);
  t.ok(e instanceof ElfError);
  writeFileSync(join(dir, 'short'), Buffer.from('\x7fELF\x02\x01', 'latin1'));
  await t.rejects(readElfInfo(join(dir, 'short')), { code: 'ENOEXEC' });
});

t.test('normalizeArch accepts uname, Go and Debian spellings', async (t) => {
  t.equal(normalizeArch('arm64'), 'aarch64');
  t.equal(normalizeArch('AMD64'), 'x86_64');
  t.equal(normalizeArch('armv7l'), 'arm');
  t.equal(normalizeArch('386'), 'i386');
  t.equal(normalizeArch('pdp11'), null);
});

t.test('the stock runc spec is kept as data', async (t) => {
  const spec = await loadDefaultSpec();
  t.equal(spec.root?.path, 'rootfs');
  t.same(spec.process?.args, ['sh']);
  t.ok(spec.mounts?.some((m) => m.destination === '/dev/mqueue'));
  t.ok(spec.linux?.namespaces?.some((n) => n.type === 'ipc'));
});

t.test('a bundle from /bin/busybox: dirs, busybox, every applet, passwd, group, config.json', { skip: !haveBusybox && 'no /bin/busybox' }, async (t) => {
  const dir = join(tmp(t), 'bundle');
  const b = await makeBusyboxBundle(dir, { busybox: BUSYBOX });
  t.equal(b.bundle, dir);
  t.equal(b.rootfs, join(dir, 'rootfs'));
  t.equal(b.arch, 'x86_64');
  for (const d of ROOTFS_DIRS) t.ok(statSync(join(b.rootfs, d)).isDirectory(), d);
  t.equal(statSync(join(b.rootfs, 'tmp')).mode & 0o7777, 0o1777, '/tmp is sticky');
  const bb = statSync(join(b.rootfs, 'bin', 'busybox'));
  t.ok(bb.isFile() && (bb.mode & 0o111) !== 0, 'busybox copied and executable');
  t.same(readFileSync(join(b.rootfs, 'bin', 'busybox')), readFileSync(BUSYBOX));
  const applets = (await listApplets(BUSYBOX))!.filter((a) => a !== 'busybox');
  t.ok(applets.length > 100, `${applets.length} applets`);
  for (const a of applets) {
    const p = join(b.rootfs, 'bin', a);
    if (!lstatSync(p).isSymbolicLink() || readlinkSync(p) !== 'busybox') t.fail(`${a} links to busybox`);
  }
  t.equal(readdirSync(join(b.rootfs, 'bin')).length, new Set(applets).size + 1);
  t.match(b.notes.join('\n'), /linked \d+ applets from busybox --list/);
  t.equal(readFileSync(join(b.rootfs, 'etc', 'passwd'), 'utf8'), PASSWD);
  t.match(readFileSync(join(b.rootfs, 'etc', 'passwd'), 'utf8'), /^root:x:0:0:/m);
  t.match(readFileSync(join(b.rootfs, 'etc', 'passwd'), 'utf8'), /^nobody:x:65534:65534:/m);
  t.equal(readFileSync(join(b.rootfs, 'etc', 'group'), 'utf8'), GROUP);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, any>;
  const stock = await loadDefaultSpec();
  t.same(spec, stock, 'config.json is the stock runc spec with args ["sh"]');
});

t.test('args and terminal go into config.json', { skip: !haveBusybox && 'no /bin/busybox' }, async (t) => {
  const dir = join(tmp(t), 'b');
  await makeBusyboxBundle(dir, { busybox: BUSYBOX, args: ['true'], terminal: false, arch: 'amd64' });
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { process: { args: string[]; terminal: boolean } };
  t.same(spec.process.args, ['true']);
  t.equal(spec.process.terminal, false);
});

t.test('a busybox for another architecture gets the common applets', async (t) => {
  const root = tmp(t);
  const arm = fakeElf(join(root, 'busybox-arm64'), { cls: 64, machine: 183 });
  const b = await makeBusyboxBundle(join(root, 'b'), { busybox: arm, arch: 'arm64', hostArch: 'x86_64' });
  t.equal(b.arch, 'aarch64');
  t.same(readdirSync(join(b.rootfs, 'bin')).sort(), [...COMMON_APPLETS, 'busybox'].sort());
  t.match(b.notes[0], /busybox is aarch64, this host is x86_64/);
});

t.test('rejections: dynamic ELF, non-ELF, arch mismatch, unknown arch, existing bundle', async (t) => {
  const root = tmp(t);
  await t.rejects(makeBusyboxBundle(join(root, 'a'), { busybox: DYNAMIC }), { message: new RegExp(`--busybox ${DYNAMIC}: dynamically linked .* use a static busybox`) });
  t.notOk(existsSync(join(root, 'a')), 'nothing created for a rejected busybox');
  const script = join(root, 'script');
  writeFileSync(script, '#!/bin/sh\n');
  await t.rejects(makeBusyboxBundle(join(root, 'b'), { busybox: script }), { message: `--busybox ${script}: not an ELF file (need a static busybox binary)` });
  await t.rejects(makeBusyboxBundle(join(root, 'c'), { busybox: join(root, 'nope') }), { message: `--busybox ${join(root, 'nope')}: cannot open: ENOENT` });
  const arm = fakeElf(join(root, 'busybox-arm'), { cls: 32, machine: 40 });
  await t.rejects(makeBusyboxBundle(join(root, 'd'), { busybox: arm, arch: 'aarch64' }), { message: `--arch aarch64: ${arm} is a 32-bit arm ELF, not aarch64` });
  await t.rejects(makeBusyboxBundle(join(root, 'e'), { busybox: arm, arch: 'vax' }), { message: /--arch vax: unknown architecture/ });
  const x = fakeElf(join(root, 'busybox-x'), { cls: 64, machine: 183 });
  await makeBusyboxBundle(join(root, 'f'), { busybox: x, hostArch: 'x86_64' });
  await t.rejects(makeBusyboxBundle(join(root, 'f'), { busybox: x, hostArch: 'x86_64' }), { message: `create ${join(root, 'f', 'config.json')}: EEXIST (already exists; use an empty directory)` });
  rmSync(join(root, 'f', 'config.json'));
  await t.rejects(makeBusyboxBundle(join(root, 'f'), { busybox: x, hostArch: 'x86_64' }), { message: `mkdir ${join(root, 'f', 'rootfs')}: EEXIST (already exists; use an empty directory)` });
});

function capture() {
  let out = '';
  let err = '';
  return { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s), out: () => out, err: () => err };
}

t.test('rootfsCommand: 0 with a summary, 2 with the error', async (t) => {
  const root = tmp(t);
  const arm = fakeElf(join(root, 'busybox-arm64'), { cls: 64, machine: 183 });
  const ok = capture();
  t.equal(await rootfsCommand({ dir: join(root, 'b'), busybox: arm, arch: 'arm64' }, ok), 0);
  t.match(ok.out(), new RegExp(`bundle ${join(root, 'b')}: rootfs with a static aarch64 busybox`));
  t.match(ok.out(), /runc run --bundle /);
  const bad = capture();
  t.equal(await rootfsCommand({ dir: join(root, 'c'), busybox: arm, arch: 'x86_64' }, bad), 2);
  t.match(bad.err(), /^droidcheck rootfs: --arch x86_64: .* is a 64-bit aarch64 ELF, not x86_64\n$/);
  const none = capture();
  t.equal(await rootfsCommand({ dir: join(root, 'd'), busybox: '' }, none), 2);
  t.match(none.err(), /--busybox PATH is required/);
});

const isRoot = process.getuid?.() === 0;
const runc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'].find((p) => existsSync(p));
const runSkip = !isRoot ? 'needs root (runc run)' : !runc ? 'needs runc on PATH (apt install runc)' : !haveBusybox ? 'needs /bin/busybox (apt install busybox-static)' : false;

t.test('as root, runc runs the bundle (args ["true"], no terminal) on a fresh tmpfs', { skip: runSkip }, async (t) => {
  const mnt = tmp(t);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=755', 'droidcheck-test', mnt]);
  t.teardown(() => execFileSync('umount', ['-l', mnt]));
  const b = await makeBusyboxBundle(join(mnt, 'bundle'), { busybox: BUSYBOX, args: ['true'], terminal: false });
  const id = `droidcheck-rootfs-${process.pid}`;
  const result = await new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
    const child = execFile(runc!, ['--root', join(mnt, 'state'), 'run', '--bundle', b.bundle, id], { timeout: 60_000 }, (error, _stdout, stderr) => {
      resolveRun({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
    child.stdin?.end();
  });
  t.equal(result.code, 0, `runc run exits 0${result.stderr ? `: ${result.stderr}` : ''}`);
});
