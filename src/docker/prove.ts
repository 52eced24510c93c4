// droidcheck docker --prove: start a private dockerd with the settings this
// host needs, import a busybox image made offline, run one container, then
// stop everything and undo. dockerd runs in new mount, network and PID
// namespaces (unshare --kill-child), so its mounts, docker0, iptables rules and
// processes die with it; what outlives a namespace (cgroup directories, the
// state directory, setup.sh's host change) is removed here, also on SIGINT/SIGTERM.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf } from '../runtime/supervise.js';
import { dockerSettings, type Settings } from './settings.js';
import type { CheckOutcome } from '../probes/types.js';
import { V1_CONTROLLERS, type DockerFacts } from './types.js';

export type ProveStep = { name: string; status: 'ok' | 'failed' | 'skipped'; detail?: string; ms?: number };

export interface ProveResult {
  steps: ProveStep[];
  /** The container's exit status; 125 when it never ran, 128+N after signal N. */
  exitCode: number;
  /** The last lines of dockerd's log when it did not come up or the container did not start. */
  dockerdLog?: string[];
  settings: string[];
}

export interface ProveOptions {
  dockerd: string;
  docker: string;
  busybox: string;
  command: string[];
  /** Where the private state goes (its own directory is made inside). */
  tmp: string;
  stderr: (s: string) => void;
  /** How long to wait for dockerd's socket. */
  startTimeoutMs?: number;
}

const IMAGE = 'droidcheck/busybox:prove';
const DEFAULT_COMMAND = ['sh', '-c', 'echo "PID 1 is $(cat /proc/1/comm) (this shell is $$), hostname $(hostname)"'];

function run(file: string, args: string[], input?: Buffer): { code: number; out: string } {
  const r = spawnSync(file, args, { input, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? 128, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An image rootfs as a tar stream: the static busybox, its sh link and the usual directories. */
function imageTar(dir: string, busybox: string): Buffer {
  const root = join(dir, 'image');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'root']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(busybox, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'cat', 'echo', 'hostname', 'ls', 'id']) symlinkSync('busybox', join(root, 'bin', a));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const r = spawnSync('tar', ['-C', root, '-cf', '-', '.'], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tar of the image rootfs: ${r.stderr?.toString().trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/**
 * Removes NAME (the cgroup-parent) from every cgroup hierarchy: where the host
 * mounts one (named ones too, e.g. name=systemd), in place; each controller's
 * hierarchy also through a mount of its own in a private namespace, for those
 * the host does not mount (Android has no devices mount).
 */
function removeCgroups(name: string, hostMounts: readonly string[], controllers: readonly string[], scratch: string): string {
  const rm = (dir: string): string => `[ -d "${dir}/${name}" ] && find "${dir}/${name}" -depth -type d -exec rmdir {} \\; 2>/dev/null`;
  const script = [
    ...hostMounts.map((m) => `${rm(m)}`),
    // Not mktemp: busybox's needs a /tmp, which Android does not have.
    `T=${scratch}; mkdir -p "$T"`,
    `for c in ${controllers.join(' ')}; do mkdir -p "$T/$c"; mount -t cgroup -o "$c" cgroup "$T/$c" 2>/dev/null && { ${rm('$T/$c')}; umount "$T/$c"; }; done`,
    `mkdir -p "$T/u"; mount -t cgroup2 cgroup2 "$T/u" 2>/dev/null && { ${rm('$T/u')}; umount "$T/u"; }`,
    'rm -rf "$T"',
    'exit 0',
  ].join('\n');
  return run('unshare', ['-m', 'sh', '-c', script]).out;
}

function pidNamespace(pid: number | undefined): string | null {
  if (pid === undefined) return null;
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/** Waits until no process is left in the PID namespace `ns` (the kernel kills them when its init dies). */
async function namespaceEmpty(ns: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = readdirSync('/proc').some((e) => /^\d+$/.test(e) && pidNamespace(Number(e)) === ns);
    if (!left) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

export async function prove(facts: DockerFacts, outcomes: readonly CheckOutcome[], opts: ProveOptions): Promise<ProveResult> {
  const steps: ProveStep[] = [];
  const dir = mkdtempSync(join(opts.tmp, 'droidcheck-docker-'));
  const cgroupParent = `droidcheck-prove-${process.pid}`;
  const sock = join(dir, 'docker.sock');
  const settings: Settings = dockerSettings(facts, outcomes, {
    dir,
    daemon: { 'data-root': join(dir, 'lib'), 'exec-root': join(dir, 'run'), pidfile: join(dir, 'docker.pid'), hosts: [`unix://${sock}`], 'cgroup-parent': cgroupParent },
  });
  const result: ProveResult = { steps, exitCode: 125, settings: settings.lines.map((l) => `${l.what} [${l.from}]`) };
  let daemon: ChildProcess | null = null;
  let daemonExit: Promise<void> = Promise.resolve();
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted ??= sig;
    opts.stderr(`droidcheck docker: got ${sig}: stopping dockerd and undoing\n`);
    // The container's PID 1 may ignore the signal: end the client now; the namespace takes the rest down.
    container?.kill('SIGKILL');
  };
  let container: ChildProcess | null = null;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  const step = (name: string, ok: boolean, detail?: string, t0?: number): boolean => {
    steps.push({ name, status: ok ? 'ok' : 'failed', ...(detail ? { detail } : {}), ...(t0 ? { ms: Date.now() - t0 } : {}) });
    return ok;
  };
  const docker = (args: string[], input?: Buffer): { code: number; out: string } => run(opts.docker, ['--host', `unix://${sock}`, ...args], input);
  const logTail = (): string[] => {
    try {
      return readFileSync(join(dir, 'dockerd.log'), 'utf8').trim().split('\n').slice(-15);
    } catch {
      return [];
    }
  };
  try {
    for (const [name, text] of Object.entries(settings.files)) writeFileSync(join(dir, name), text, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
    step('write settings', true, `${dir}: ${Object.keys(settings.files).join(', ')}`);
    const setup = run('sh', [join(dir, 'setup.sh')]);
    if (!step('setup.sh', setup.code === 0, setup.out || undefined)) return result;

    let t0 = Date.now();
    const log = join(dir, 'dockerd.log');
    writeFileSync(log, '');
    const fd = openSync(log, 'a');
    // New mount, network and PID namespaces: when their init dies the kernel kills the rest. util-linux's
    // --kill-child also takes it down if droidcheck itself is killed; busybox's unshare has no such option.
    const killChild = run('unshare', ['--help']).out.includes('--kill-child') ? ['--kill-child'] : [];
    daemon = spawn('unshare', ['-m', '-n', '-p', '-f', ...killChild, '--mount-proc', 'sh', join(dir, 'dockerd.sh'), '--debug'], { stdio: ['ignore', fd, fd], env: { ...process.env, DOCKERD: opts.dockerd } });
    closeSync(fd);
    let exited = false;
    daemonExit = new Promise((r) => daemon?.once('exit', () => ((exited = true), r())));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    let up = false;
    while (!up && !exited && !interrupted && Date.now() < deadline) {
      await sleep(250);
      up = docker(['version', '--format', '{{.Server.Version}}']).code === 0;
    }
    if (!step('start dockerd (own socket, data-root, exec-root; new mount, network and PID namespaces)', up, up ? `listening on ${sock}` : interrupted ? `interrupted by ${interrupted}` : exited ? 'dockerd exited' : 'no answer on its socket in time', t0)) {
      result.dockerdLog = logTail();
      return result;
    }
    opts.stderr(`droidcheck docker: dockerd is up (${sock})\n`);

    t0 = Date.now();
    const imp = docker(['import', '-', IMAGE], imageTar(dir, opts.busybox));
    if (!step(`docker import (a busybox image from ${opts.busybox})`, imp.code === 0, imp.out.split('\n').at(-1), t0)) return result;

    if (interrupted) return result;
    t0 = Date.now();
    const flags = ['--rm', ...settings.runFlags.flatMap((f) => f.flags)];
    const cmd = opts.command.length ? opts.command : DEFAULT_COMMAND;
    container = spawn(opts.docker, ['--host', `unix://${sock}`, 'run', ...flags, IMAGE, ...cmd], { stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number>((r) => container?.once('exit', (c, s) => r(c ?? 128 + (s === 'SIGKILL' ? 9 : 15))));
    container = null;
    // docker run: 125 the daemon refused, 126/127 the command could not be run, else the container's own.
    step(`docker run ${flags.join(' ')} ${IMAGE} ${cmd.join(' ')}`, code < 125, `exit status ${code}`, t0);
    result.exitCode = code;
    if (code >= 125) result.dockerdLog = logTail();
    return result;
  } finally {
    const t0 = Date.now();
    // dockerd's PID namespace, to wait until every process in it is gone.
    const ns = daemon?.pid ? pidNamespace(childrenOf(daemon.pid)[0]) : null;
    if (daemon?.pid && daemon.exitCode === null && interrupted) {
      // No time for a clean stop: killing the namespace's init takes everything in it down.
      for (const child of childrenOf(daemon.pid)) process.kill(child, 'SIGKILL');
      daemon.kill('SIGKILL');
      await daemonExit;
    } else if (daemon?.pid && daemon.exitCode === null) {
      // dockerd itself first (it stops containerd), then the namespace's PID 1 with everything left.
      for (const child of childrenOf(daemon.pid)) process.kill(child, 'SIGTERM');
      const done = await Promise.race([daemonExit.then(() => true), sleep(15_000).then(() => false)]);
      if (!done) daemon.kill('SIGKILL');
      await daemonExit;
    }
    if (ns) await namespaceEmpty(ns, 10_000);
    if (daemon) step('stop dockerd and containerd', true, undefined, t0);
    const hostMounts = facts.base.mounts.filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2').map((m) => m.mountPoint);
    const left = removeCgroups(cgroupParent, hostMounts, V1_CONTROLLERS, join(dir, 'cgroups'));
    step('remove the cgroup-parent groups', true, left || undefined);
    const undo = run('sh', [join(dir, 'undo.sh')]);
    step('undo.sh', undo.code === 0, undo.out || undefined);
    rmSync(dir, { recursive: true, force: true });
    step('remove the state directory', true, dir);
    for (const s of signals) process.off(s, onSignal);
    if (interrupted) result.exitCode = 128 + (interrupted === 'SIGINT' ? 2 : interrupted === 'SIGHUP' ? 1 : 15);
  }
}
