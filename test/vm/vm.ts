// Helpers to run shell commands inside the Android-7-like QEMU VM
// (scripts/android-vm.sh, kernel from scripts/android-kernel.sh).
// Test infrastructure whose reachable paths depend on the host (root, qemu,
// a built kernel), so it is kept out of tap's coverage check:
/* c8 ignore start */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

const REQUIREMENT =
  'needs root, qemu-system-x86_64 and a built kernel: run npm run android-kernel (or set DROIDCHECK_VM_TESTS=1)';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Path of the cached bzImage, or undefined if it is not built (never builds). */
export function cachedKernel(): string | undefined {
  const r = spawnSync(kernelScript, ['--cached-only'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().split('\n').pop() || undefined;
}

/** Build the kernel if needed (slow on a cold cache); returns the bzImage path. */
export function buildKernel(): string {
  const r = spawnSync(kernelScript, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${kernelScript} failed with status ${r.status}`);
  const p = r.stdout.trim().split('\n').pop();
  if (!p) throw new Error(`${kernelScript} printed no bzImage path`);
  return p;
}

/** True when DROIDCHECK_VM_TESTS=1: VM tests must run and may build the kernel. */
export const vmTestsForced = process.env.DROIDCHECK_VM_TESTS === '1';

/**
 * Why VM tests cannot run here, or undefined if they can. With
 * DROIDCHECK_VM_TESTS=1 a missing kernel is not a reason (call ensureKernel()),
 * but missing root or qemu still is.
 */
export function vmSkipReason(): string | undefined {
  if (process.env.DROIDCHECK_VM_TESTS === '0') return 'VM tests disabled by DROIDCHECK_VM_TESTS=0';
  if (process.platform !== 'linux' || process.arch !== 'x64') return `${REQUIREMENT} (on linux x64)`;
  if (process.getuid?.() !== 0) return `${REQUIREMENT} (not running as root)`;
  for (const tool of ['qemu-system-x86_64', 'busybox', 'cpio']) {
    if (!onPath(tool)) return `${REQUIREMENT} (${tool} not found)`;
  }
  if (!existsSync(path.join(repoRoot, 'dist'))) return `${REQUIREMENT} (dist/ not built: run npm run build)`;
  if (!vmTestsForced && cachedKernel() === undefined) return `${REQUIREMENT} (kernel not built)`;
  return undefined;
}

let kernelPath: string | undefined;
/** The bzImage to boot, building it when it is missing. */
export function ensureKernel(): string {
  kernelPath ??= cachedKernel() ?? buildKernel();
  return kernelPath;
}

export interface VmOptions {
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
  const args = ['--kernel', ensureKernel()];
  if (opts.noConfigGz) args.push('--no-config-gz');
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
