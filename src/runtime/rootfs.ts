// Build a minimal OCI bundle around a static busybox: DIR/rootfs with
// bin/busybox and its applet links, the usual top-level directories, passwd
// and group, and DIR/config.json from the stock `runc spec` layout.

import { defaultSpec } from './default-spec.js';
import { execFile } from 'node:child_process';
import { access, chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ElfError, hostMachine, normalizeArch, readElfInfo } from '../sys/elf.js';
import type { OciSpec } from './spec.js';

export interface BusyboxBundleOptions {
  busybox: string;
  /** Expected architecture (x86_64, aarch64/arm64, arm/armv7, i386...); error when the busybox differs. */
  arch?: string;
  /** process.args; default ["sh"]. */
  args?: string[];
  /** process.terminal; default true as in `runc spec`. */
  terminal?: boolean;
  /** The host's ELF machine name; default from process.arch. Decides whether `busybox --list` can run. */
  hostArch?: string;
}

export interface BusyboxBundle {
  bundle: string;
  rootfs: string;
  /** ELF machine name of the busybox, e.g. "aarch64". */
  arch: string;
  notes: string[];
}

/** Applets linked when the busybox cannot be run here to ask it (another architecture). */
export const COMMON_APPLETS = ['sh', 'ls', 'cat', 'echo', 'true', 'false', 'id', 'hostname', 'mount', 'ps', 'sleep', 'env', 'grep', 'test', '['] as const;

export const ROOTFS_DIRS = ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'run', 'root'] as const;

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
/** root and nobody, plus Android's network groups so root keeps sockets under ANDROID_PARANOID_NETWORK. */
export const GROUP = 'root:x:0:\nnobody:x:65534:\naid_inet:x:3003:root\naid_net_raw:x:3004:root\n';

export class BundleError extends Error {}

function errno(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

async function fsStep<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const code = errno(error);
    const hint = code === 'EEXIST' ? ' (already exists; use an empty directory)' : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : '';
    throw new BundleError(`${op} ${path}: ${code}${hint}`);
  }
}

/** The stock `runc spec` config.json (runc 1.1). */
export async function loadDefaultSpec(): Promise<OciSpec> {
  return defaultSpec();
}

/** Applet names from `busybox --list`, or null when it cannot run or says nothing. */
export function listApplets(busybox: string, timeoutMs = 10_000): Promise<string[] | null> {
  return new Promise((resolveList) => {
    execFile(busybox, ['--list'], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) return resolveList(null);
      const names = stdout.split('\n').map((s) => s.trim()).filter((s) => /^[A-Za-z0-9_.[\]-]+$/.test(s) && s !== '.' && s !== '..');
      resolveList(names.length ? names : null);
    });
  });
}

/** /proc, /sys or /dev when `path` (through its existing part, links resolved) lies under one. */
export function underKernelFs(path: string): string | null {
  let existing = path;
  let rest = '';
  for (;;) {
    try {
      existing = realpathSync(existing);
      break;
    } catch {
      if (existing === dirname(existing)) break;
      rest = join(basename(existing), rest);
      existing = dirname(existing);
    }
  }
  const full = join(existing, rest);
  return ['/proc', '/sys', '/dev'].find((k) => full === k || full.startsWith(`${k}/`)) ?? null;
}

export async function makeBusyboxBundle(dir: string, opts: BusyboxBundleOptions): Promise<BusyboxBundle> {
  const notes: string[] = [];
  const bundle = resolve(dir);
  const rootfs = join(bundle, 'rootfs');
  const configPath = join(bundle, 'config.json');
  const kernelFs = underKernelFs(bundle);
  if (kernelFs) throw new BundleError(`create ${bundle}: EINVAL (under ${kernelFs}, a kernel filesystem: choose a directory on a real filesystem)`);

  let elf;
  try {
    elf = await readElfInfo(opts.busybox);
  } catch (error) {
    if (error instanceof ElfError) throw new BundleError(`--busybox ${error.message}${error.code === 'ENOEXEC' ? ' (need a static busybox binary)' : ''}`);
    throw error;
  }
  if (!elf.static) throw new BundleError(`--busybox ${opts.busybox}: dynamically linked ${elf.machine} ELF (it has a PT_INTERP loader); the rootfs has no libc, use a static busybox`);
  if (opts.arch !== undefined) {
    const want = normalizeArch(opts.arch);
    if (want === null) throw new BundleError(`--arch ${opts.arch}: unknown architecture (try x86_64, aarch64, arm, i386)`);
    if (want !== elf.machine) throw new BundleError(`--arch ${opts.arch}: ${opts.busybox} is a ${elf.class}-bit ${elf.machine} ELF, not ${want}`);
  }

  const host = opts.hostArch !== undefined ? normalizeArch(opts.hostArch) ?? opts.hostArch : hostMachine();
  let applets: string[] | null = null;
  if (host === elf.machine) {
    applets = await listApplets(opts.busybox);
    if (applets) notes.push(`linked ${applets.length} applets from busybox --list`);
    else notes.push('busybox --list gave nothing: linked the common applets only');
  } else {
    notes.push(`busybox is ${elf.machine}, this host is ${host ?? 'unknown'}: cannot ask it for --list, linked the common applets only`);
  }
  const links = (applets ?? [...COMMON_APPLETS]).filter((a) => a !== 'busybox');

  await fsStep('mkdir', bundle, () => mkdir(bundle, { recursive: true }));
  const existing = await access(configPath).then(
    () => true,
    () => false,
  );
  if (existing) throw new BundleError(`create ${configPath}: EEXIST (already exists; use an empty directory)`);
  await fsStep('mkdir', rootfs, () => mkdir(rootfs));
  for (const d of ROOTFS_DIRS) await fsStep('mkdir', join(rootfs, d), () => mkdir(join(rootfs, d), { recursive: true }));
  await fsStep('chmod', join(rootfs, 'tmp'), () => chmod(join(rootfs, 'tmp'), 0o1777));
  await fsStep('chmod', join(rootfs, 'root'), () => chmod(join(rootfs, 'root'), 0o700));

  const target = join(rootfs, 'bin', 'busybox');
  await fsStep(`copy ${opts.busybox} to`, target, () => copyFile(opts.busybox, target));
  await fsStep('chmod', target, () => chmod(target, 0o755));
  for (const applet of links) {
    const link = join(rootfs, 'bin', applet);
    await fsStep('symlink', link, () => symlink('busybox', link));
  }

  await fsStep('write', join(rootfs, 'etc', 'passwd'), () => writeFile(join(rootfs, 'etc', 'passwd'), PASSWD, { mode: 0o644 }));
  await fsStep('write', join(rootfs, 'etc', 'group'), () => writeFile(join(rootfs, 'etc', 'group'), GROUP, { mode: 0o644 }));

  const spec = await loadDefaultSpec();
  if (!spec.process) throw new BundleError('the default spec has no process');
  spec.process.args = opts.args && opts.args.length ? [...opts.args] : ['sh'];
  if (opts.terminal !== undefined) spec.process.terminal = opts.terminal;
  await fsStep('write', configPath, () => writeFile(configPath, JSON.stringify(spec, null, '\t') + '\n', { flag: 'wx' }));

  return { bundle, rootfs, arch: elf.machine, notes };
}
