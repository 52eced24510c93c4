// Launching a bundle with a real runtime (runc, crun or a given binary),
// passing the flags this host needs, applying reversible host fixes when
// asked, and keeping its error output to explain.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Host } from '../host/host.js';
import { parseMountinfo } from '../probes/mountinfo.js';
import { findToolset } from '../probes/live/tools.js';
import type { OciSpec } from './spec.js';
import type { StepOutcome } from './steps.js';

export interface ExternalOptions {
  runtime: string;
  noPivot: boolean;
  hostFixes: boolean;
}

interface HostChange {
  op: string;
  undo: string[][];
}

/** Directories for runtime state: /run may be missing or read-only (Android). */
const STATE_PARENTS = [process.env['TMPDIR'], '/tmp', '/data/local/tmp', '/dev'];

async function scratch(prefix: string): Promise<string> {
  for (const parent of STATE_PARENTS) {
    if (!parent) continue;
    try {
      return await mkdtemp(join(parent, prefix));
    } catch {
      // next
    }
  }
  throw new Error(`mkdtemp ${prefix}: no writable directory among ${STATE_PARENTS.filter(Boolean).join(', ')}`);
}

/** The devices controller in the kernel but not mounted: runc says "mountpoint for devices not found". */
export function devicesFixNeeded(cgroups: string, mountinfo: string): boolean {
  const enabled = cgroups.split('\n').some((l) => /^devices\s+\d+\s+\d+\s+1\s*$/.test(l.trim()));
  const mounts = parseMountinfo(mountinfo);
  const mounted = mounts.some((m) => m.fsType === 'cgroup' && m.superOptions.includes('devices'));
  const unified = mounts.some((m) => m.fsType === 'cgroup2' && m.mountPoint === '/sys/fs/cgroup');
  return enabled && !mounted && !unified;
}

/** cpuset hierarchies mounted with noprefix (Android's /dev/cpuset): runc looks for cpuset.cpus and fails. */
export function noprefixCpusets(mountinfo: string): string[] {
  return parseMountinfo(mountinfo)
    .filter((m) => m.fsType === 'cgroup' && m.superOptions.includes('cpuset') && m.superOptions.includes('noprefix'))
    .map((m) => m.mountPoint);
}

/**
 * A command line that runs argv in a private mount namespace without the
 * noprefix cpuset mounts, so the runtime skips cpuset; the host keeps them.
 */
export async function withoutNoprefixCpuset(host: Host, argv: string[], mounts: string[]): Promise<string[] | null> {
  const t = await findToolset(host);
  if (!t?.unshare || mounts.length === 0) return null;
  const [sh, ...shArgs] = t.sh;
  const script = `${mounts.map((m) => `umount -l '${m.replace(/'/g, `'\\''`)}' || exit 125`).join('; ')}; exec "$@"`;
  return [...t.unshare, '-m', sh as string, ...shArgs, '-c', script, 'sh', ...argv];
}

async function applyHostFixes(host: Host, steps: StepOutcome[]): Promise<HostChange[]> {
  const changes: HostChange[] = [];
  const cgroups = (await host.readFile('/proc/cgroups'))?.toString() ?? '';
  const mountinfo = (await host.readFile('/proc/self/mountinfo'))?.toString() ?? '';
  if (!devicesFixNeeded(cgroups, mountinfo)) {
    steps.push({ name: 'host fixes', status: 'skipped', detail: 'nothing to fix on this host' });
    return changes;
  }
  const base = parseMountinfo(mountinfo).find((m) => m.mountPoint === '/sys/fs/cgroup');
  const run = async (op: string, argv: string[], undo: string[][]): Promise<boolean> => {
    const r = await host.exec(argv[0] as string, argv.slice(1));
    if (r.exitCode !== 0) {
      steps.push({ name: 'host fixes', status: 'failed', op, errno: 'UNKNOWN', detail: (r.stderr || r.spawnError || '').trim(), class: 'permission' });
      return false;
    }
    changes.push({ op, undo });
    return true;
  };
  if (!base && !(await run('mount -t tmpfs cgroup /sys/fs/cgroup', ['mount', '-t', 'tmpfs', '-o', 'mode=755', 'cgroup', '/sys/fs/cgroup'], [['umount', '/sys/fs/cgroup']]))) return changes;
  await mkdir('/sys/fs/cgroup/devices', { recursive: true }).catch(() => undefined);
  if (await run('mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices', ['mount', '-t', 'cgroup', '-o', 'devices', 'cgroup', '/sys/fs/cgroup/devices'], [['umount', '/sys/fs/cgroup/devices'], ['rmdir', '/sys/fs/cgroup/devices']])) {
    steps.push({ name: 'host fixes', status: 'ok', detail: changes.map((c) => c.op).join('; ') });
  }
  return changes;
}

async function undoHostFixes(host: Host, changes: HostChange[]): Promise<{ op: string; undone: boolean; error?: string }[]> {
  const out: { op: string; undone: boolean; error?: string }[] = [];
  for (const c of [...changes].reverse()) {
    let error: string | undefined;
    for (const argv of c.undo) {
      const r = await host.exec(argv[0] as string, argv.slice(1));
      if (r.exitCode !== 0 && argv[0] !== 'rmdir') error = `${argv.join(' ')}: ${(r.stderr || r.spawnError || '').trim()}`;
    }
    out.push({ op: c.op, undone: error === undefined, ...(error ? { error } : {}) });
  }
  return out.reverse();
}

/** Lines a runtime (or the loader starting it) prints when it, not the workload, failed. */
export const RUNTIME_ERROR = /error while loading shared libraries|^time="[^"]*" level=(error|fatal)|^ERRO|container_linux\.go|nsenter:|runc run failed|crun: |unable to start container process|exec failed/im;

/* c8 ignore start - needs root and runc; covered by the integration tests */
export async function launchExternal(
  spec: OciSpec,
  bundle: string,
  opts: ExternalOptions,
  io: { host: Host; stderr: (s: string) => void },
): Promise<{ started: boolean; exitCode: number; steps: StepOutcome[]; hostChanges: { op: string; undone: boolean; error?: string }[]; runtime: { name: string; path: 'external'; flags: string[] } }> {
  const steps: StepOutcome[] = [];
  const name = opts.runtime;
  const binary = name.includes('/') ? name : await io.host.which(name);
  const flagsFor = (state: string): string[] => ['--root', state, ...(opts.noPivot ? ['--no-pivot'] : [])];
  if (!binary) {
    steps.push({ name: 'find runtime', status: 'failed', op: `find ${name} on PATH`, errno: 'ENOENT', class: 'host-layout' });
    return { started: false, exitCode: 125, steps, hostChanges: [], runtime: { name, path: 'external', flags: [] } };
  }
  const tmpBundle = await scratch('droidcheck-bundle-');
  const state = await scratch('droidcheck-state-');
  const changes = opts.hostFixes ? await applyHostFixes(io.host, steps) : [];
  const cpusets = opts.hostFixes ? noprefixCpusets((await io.host.readFile('/proc/self/mountinfo'))?.toString() ?? '') : [];
  // The runtime reads config.json from the bundle: give it the (fixed) config, rootfs by absolute path.
  const root = spec.root ? { ...spec.root, path: isAbsolute(spec.root.path) ? spec.root.path : resolve(bundle, spec.root.path) } : undefined;
  await writeFile(join(tmpBundle, 'config.json'), JSON.stringify({ ...spec, ...(root ? { root } : {}) }, null, 2));
  steps.push({ name: 'bundle', status: 'ok', detail: `config.json in ${tmpBundle}, state in ${state}` });
  const id = `droidcheck-${process.pid}`;
  const args = ['--root', state, 'run', '--bundle', tmpBundle, ...(opts.noPivot ? ['--no-pivot'] : []), id];
  const wrapped = await withoutNoprefixCpuset(io.host, [binary, ...args], cpusets);
  const argv = wrapped ?? [binary, ...args];
  if (wrapped) {
    steps.push({ name: 'host fixes', status: 'ok', detail: `${cpusets.join(', ')} (cpuset with noprefix) unmounted in the runtime's own mount namespace; the host keeps it` });
  } else if (cpusets.length) {
    steps.push({ name: 'host fixes', status: 'skipped', detail: `no unshare tool to hide the noprefix cpuset ${cpusets.join(', ')} from ${name}` });
  }
  const stderr: Buffer[] = [];
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((done) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['inherit', 'inherit', 'pipe'] });
    child.stderr?.on('data', (b: Buffer) => {
      stderr.push(b);
      io.stderr(b.toString());
    });
    child.on('error', (error) => done({ code: null, signal: null, error }));
    child.on('exit', (code, signal) => done({ code, signal }));
  });
  await io.host.exec(binary, ['--root', state, 'delete', '-f', id]);
  const hostChanges = await undoHostFixes(io.host, changes);
  await rm(tmpBundle, { recursive: true, force: true });
  await rm(state, { recursive: true, force: true });
  const text = Buffer.concat(stderr).toString().trim();
  const op = `${name} ${args.join(' ')}`;
  if (exit.error) {
    steps.push({ name: `${name} run`, status: 'failed', op, errno: exit.error.code ?? 'EIO', class: 'host-layout' });
    return { started: false, exitCode: 125, steps, hostChanges, runtime: { name, path: 'external', flags: flagsFor(state) } };
  }
  const code = exit.code ?? 128;
  // runc reports its own failures on stderr and exits non-zero before the workload runs.
  const runtimeFailed = code !== 0 && RUNTIME_ERROR.test(text);
  if (runtimeFailed) {
    const last = text.split('\n').filter(Boolean).at(-1) ?? '';
    const { explain } = await import('../explain/explain.js');
    const known = explain(text)[0];
    steps.push({ name: `${name} run`, status: 'failed', op, errno: `exit ${code}`, detail: known ? `${last} -- ${known.entry.cause}` : last, class: 'kernel-feature' });
    return { started: false, exitCode: code, steps, hostChanges, runtime: { name, path: 'external', flags: flagsFor(state) } };
  }
  steps.push({ name: `${name} run`, status: 'ok', detail: `exit status ${code}` });
  return { started: true, exitCode: code, steps, hostChanges, runtime: { name, path: 'external', flags: flagsFor(state) } };
}
/* c8 ignore stop */
