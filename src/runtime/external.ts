// Launching a bundle with a real runtime (runc, crun or a given binary),
// passing the flags this host needs, applying reversible host fixes when
// asked, and keeping its error output to explain.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { HostFiles, HostProcesses } from '../host/host.js';
import { parseMountinfo } from '../sys/mountinfo.js';
import { findToolset } from '../host/tools.js';
import type { OciSpec } from './spec.js';
import type { StepOutcome } from './steps.js';
import { exitStatus } from './supervise.js';
import { Journal, journalDir, undoEntries, type JournalEntry, type UndoResult } from './journal.js';

export interface ExternalOptions {
  runtime: string;
  noPivot: boolean;
  hostFixes: boolean;
}

/** Directories for runtime state: /run may be missing or read-only (Android). */
const STATE_PARENTS = [process.env['TMPDIR'], '/tmp', '/data/local/tmp', '/dev'];

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
export async function withoutNoprefixCpuset(host: HostFiles & HostProcesses, argv: string[], mounts: string[]): Promise<string[] | null> {
  const t = await findToolset(host);
  if (!t?.unshare || mounts.length === 0) return null;
  const [sh, ...shArgs] = t.sh;
  const script = `${mounts.map((m) => `umount -l '${m.replace(/'/g, `'\\''`)}' || exit 125`).join('; ')}; exec "$@"`;
  return [...t.unshare, '-m', sh as string, ...shArgs, '-c', script, 'sh', ...argv];
}

/**
 * Mounts the devices controller runc needs, each change journaled before it is made; a directory
 * that existed is never removed afterwards (it may hold mounts of other namespaces).
 */
async function applyHostFixes(host: HostFiles & HostProcesses, steps: StepOutcome[], journal: Journal): Promise<void> {
  const cgroups = (await host.readFile('/proc/cgroups'))?.toString() ?? '';
  const mountinfo = (await host.readFile('/proc/self/mountinfo'))?.toString() ?? '';
  if (!devicesFixNeeded(cgroups, mountinfo)) {
    steps.push({ name: 'host fixes', status: 'skipped', detail: 'nothing to fix on this host' });
    return;
  }
  const base = parseMountinfo(mountinfo).find((m) => m.mountPoint === '/sys/fs/cgroup');
  const made: string[] = [];
  const run = async (op: string, argv: string[], undo: string[][]): Promise<boolean> => {
    const done = journal.record(op, undo);
    const r = await host.exec(argv[0] as string, argv.slice(1));
    if (r.exitCode !== 0) {
      steps.push({ name: 'host fixes', status: 'failed', op, errno: 'UNKNOWN', detail: (r.stderr || r.spawnError || '').trim(), class: 'permission' });
      return false;
    }
    done();
    made.push(op);
    return true;
  };
  if (!base && !(await run('mount -t tmpfs cgroup /sys/fs/cgroup', ['mount', '-t', 'tmpfs', '-o', 'mode=755', 'cgroup', '/sys/fs/cgroup'], [['umount', '/sys/fs/cgroup']]))) return;
  const dir = '/sys/fs/cgroup/devices';
  if (!existsSync(dir)) {
    const done = journal.record(`mkdir ${dir}`, [['rmdir', dir]]);
    try {
      await mkdir(dir);
      done();
    } catch (error) {
      steps.push({ name: 'host fixes', status: 'failed', op: `mkdir ${dir}`, errno: (error as NodeJS.ErrnoException).code ?? 'EIO', class: 'permission' });
      return;
    }
  }
  if (await run(`mount -t cgroup -o devices cgroup ${dir}`, ['mount', '-t', 'cgroup', '-o', 'devices', 'cgroup', dir], [['umount', dir]])) {
    steps.push({ name: 'host fixes', status: 'ok', detail: made.join('; ') });
  }
}

/** Undoes a journal's entries with the host's tools. */
export function undoJournal(host: HostFiles & HostProcesses, entries: readonly JournalEntry[]): Promise<UndoResult[]> {
  return undoEntries(entries, async (argv) => {
    const r = await host.exec(argv[0] as string, argv.slice(1));
    return { exitCode: r.exitCode, message: (r.stderr || r.spawnError || '').trim() };
  });
}

/** Lines a runtime (or the loader starting it) prints when it, not the workload, failed. */
export const RUNTIME_ERROR = /error while loading shared libraries|^time="[^"]*" level=(error|fatal)|^ERRO|container_linux\.go|nsenter:|runc run failed|crun: |unable to start container process|exec failed/im;

/** What a runtime's exit status means here: its own failures are 125, as docker's; a signal is 128+N. */
export function externalExit(code: number | null, signal: NodeJS.Signals | null, runtimeFailed: boolean): number {
  if (signal) return exitStatus({ code, signal }, 125);
  if (runtimeFailed) return 125;
  return code ?? 125;
}

const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/* c8 ignore start - needs root and runc; covered by the integration tests */
export async function launchExternal(
  spec: OciSpec,
  bundle: string,
  opts: ExternalOptions,
  io: { host: HostFiles & HostProcesses; stderr: (s: string) => void },
): Promise<{ started: boolean; exitCode: number; steps: StepOutcome[]; hostChanges: UndoResult[]; runtime: { name: string; path: 'external'; flags: string[] } }> {
  const steps: StepOutcome[] = [];
  const name = opts.runtime;
  const binary = name.includes('/') ? name : await io.host.which(name);
  if (!binary) {
    steps.push({ name: 'find runtime', status: 'failed', op: `find ${name} on PATH`, errno: 'ENOENT', class: 'host-layout' });
    return { started: false, exitCode: 125, steps, hostChanges: [], runtime: { name, path: 'external', flags: [] } };
  }
  // Every change to the host from here on is journaled first: a crash, a signal or a SIGKILL
  // (then `droidcheck undo`) can always undo it.
  const journal = new Journal(journalDir());
  let interrupted: NodeJS.Signals | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  const id = `droidcheck-${process.pid}`;
  let state = '';
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted ??= sig;
    child?.kill(sig);
    // The container's PID 1 ignores signals it has no handler for: kill it after a grace period.
    setTimeout(() => void (state && io.host.exec(binary, ['--root', state, 'kill', id, 'KILL'])), 2000).unref();
  };
  for (const sig of INTERRUPTS) process.on(sig, onSignal);
  try {
    const tmpBundle = await mkTemp(journal, 'droidcheck-bundle-');
    state = await mkTemp(journal, 'droidcheck-state-');
    if (opts.hostFixes) await applyHostFixes(io.host, steps, journal);
    const cpusets = opts.hostFixes ? noprefixCpusets((await io.host.readFile('/proc/self/mountinfo'))?.toString() ?? '') : [];
    // The runtime reads config.json from the bundle: give it the (fixed) config, rootfs by absolute path.
    const root = spec.root ? { ...spec.root, path: isAbsolute(spec.root.path) ? spec.root.path : resolve(bundle, spec.root.path) } : undefined;
    await writeFile(join(tmpBundle, 'config.json'), JSON.stringify({ ...spec, ...(root ? { root } : {}) }, null, 2));
    steps.push({ name: 'bundle', status: 'ok', detail: `config.json in ${tmpBundle}, state in ${state}` });
    const args = ['--root', state, 'run', '--bundle', tmpBundle, ...(opts.noPivot ? ['--no-pivot'] : []), id];
    const flags = ['--root', state, ...(opts.noPivot ? ['--no-pivot'] : [])];
    const wrapped = await withoutNoprefixCpuset(io.host, [binary, ...args], cpusets);
    const argv = wrapped ?? [binary, ...args];
    if (wrapped) {
      steps.push({ name: 'host fixes', status: 'ok', detail: `${cpusets.join(', ')} (cpuset with noprefix) unmounted in the runtime's own mount namespace; the host keeps it` });
    } else if (cpusets.length) {
      steps.push({ name: 'host fixes', status: 'skipped', detail: `no unshare tool to hide the noprefix cpuset ${cpusets.join(', ')} from ${name}` });
    }
    // `runc run` deletes its container when it ends: undoing this is only for a run that was killed.
    journal.record(`${name} container ${id}`, [[binary, '--root', state, 'kill', id, 'KILL'], [binary, '--root', state, 'delete', '-f', id]], { bestEffort: true })();
    const stderr: Buffer[] = [];
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((done) => {
      child = spawn(argv[0] as string, argv.slice(1), { stdio: ['inherit', 'inherit', 'pipe'] });
      child.stderr?.on('data', (b: Buffer) => {
        stderr.push(b);
        io.stderr(b.toString());
      });
      child.on('error', (error) => done({ code: null, signal: null, error }));
      child.on('exit', (code, signal) => done({ code, signal }));
    });
    const text = Buffer.concat(stderr).toString().trim();
    const op = `${name} ${args.join(' ')}`;
    const out = { runtime: { name, path: 'external' as const, flags } };
    if (exit.error) {
      steps.push({ name: `${name} run`, status: 'failed', op, errno: exit.error.code ?? 'EIO', class: 'host-layout' });
      return { started: false, exitCode: 125, steps, hostChanges: await undo(io.host, journal), ...out };
    }
    // runc reports its own failures on stderr and exits non-zero before the workload runs.
    const runtimeFailed = !interrupted && exit.code !== 0 && RUNTIME_ERROR.test(text);
    if (runtimeFailed) {
      const last = text.split('\n').filter(Boolean).at(-1) ?? '';
      const { explain } = await import('../explain/explain.js');
      const known = explain(text).sort((a, b) => b.entry.specificity - a.entry.specificity)[0]?.entry;
      const why = known ? (known.causes.length === 1 ? known.causes[0].cause : `${known.title} (${known.causes.length} possible causes: droidcheck explain tells them apart)`) : null;
      steps.push({ name: `${name} run`, status: 'failed', op, errno: `exit ${exit.code}`, detail: why ? `${last} -- ${why}` : last, class: 'kernel-feature' });
      return { started: false, exitCode: externalExit(exit.code, exit.signal, true), steps, hostChanges: await undo(io.host, journal), ...out };
    }
    const own = externalExit(exit.code, exit.signal, false);
    steps.push({ name: `${name} run`, status: 'ok', detail: `exit status ${own}` });
    if (interrupted) {
      steps.push({ name: 'interrupted', status: 'ok', detail: `droidcheck got ${interrupted}: the container was stopped (${interrupted} to ${name}, SIGKILL after 2 s if it stayed); its own exit status was ${own}` });
      return { started: true, exitCode: exitStatus({ code: null, signal: null, interrupted }, 125), steps, hostChanges: await undo(io.host, journal), ...out };
    }
    return { started: true, exitCode: own, steps, hostChanges: await undo(io.host, journal), ...out };
  } catch (error) {
    // droidcheck itself failed half-way: undo what it did, then let the error be reported.
    await undo(io.host, journal);
    throw error;
  } finally {
    for (const sig of INTERRUPTS) process.off(sig, onSignal);
  }
}

/** A temporary directory, journaled so that `droidcheck undo` removes it after a SIGKILL. */
async function mkTemp(journal: Journal, prefix: string): Promise<string> {
  for (const parent of STATE_PARENTS) {
    if (!parent) continue;
    let dir: string;
    try {
      dir = await mkdtemp(join(parent, prefix));
    } catch {
      continue;
    }
    journal.record(`mkdir ${dir}`, [['rm', '-rf', dir]])();
    return dir;
  }
  throw new Error(`mkdtemp ${prefix}: no writable directory among ${STATE_PARENTS.filter(Boolean).join(', ')}`);
}

/** Undoes everything the journal holds, in reverse; the journal file goes once nothing is left. */
async function undo(host: HostFiles & HostProcesses, journal: Journal): Promise<UndoResult[]> {
  const results = await undoJournal(host, journal.entries);
  if (results.every((r) => r.undone)) journal.close();
  // The temporary directories and the container are droidcheck's own business: only host fixes are reported.
  return results.filter((r) => !/ container droidcheck-/.test(r.op) && !r.op.includes('droidcheck-bundle-') && !r.op.includes('droidcheck-state-'));
}
/* c8 ignore stop */
