// The settings that make Docker work on this host, from the docker checks:
// daemon.json, dockerd.sh (starts dockerd in a private mount namespace that
// has what it needs: /run, the cgroup controllers where runc looks, no noprefix
// cpuset, the working iptables first in PATH), setup.sh for the one host-wide
// change (a /run directory on a read-only root) and undo.sh. Every line says
// which check it comes from. Pure: facts and outcomes in, text out.

import type { CheckOutcome } from '../probes/types.js';
import { v1Usable } from './checks/cgroups.js';
import { iptablesChoice } from './checks/network.js';
import { storageDriver } from './checks/storage.js';
import { q } from './live-scripts.js';
import { V1_CONTROLLERS, type DockerFacts, type V1Controller } from './types.js';

export interface SettingLine {
  /** What is set or done, e.g. "storage-driver: vfs". */
  what: string;
  /** The check it comes from. */
  from: string;
  why: string;
}

export interface Settings {
  daemon: Record<string, unknown>;
  lines: SettingLine[];
  /** Containers need `docker run --ipc host` (no IPC namespace; daemon.json cannot say so). */
  ipcHost: boolean;
  /** Flags every `docker run` needs here (daemon.json has no setting for them), with the check each comes from. */
  runFlags: Array<{ flags: string[]; from: string; why: string }>;
  files: { 'daemon.json': string; 'dockerd.sh': string; 'dockerd-ns.sh': string; 'setup.sh': string; 'undo.sh': string };
}

export interface SettingsOptions {
  /** Where the files will live (dockerd.sh finds daemon.json and its PATH shims there). */
  dir: string;
  /** Overrides for a private run (--prove): data-root, exec-root, pidfile, hosts, cgroup-parent. */
  daemon?: Record<string, unknown>;
}

const failed = (o: CheckOutcome | undefined): boolean => o?.status === 'fail' || o?.status === 'warn';

/** The mount points of v1 hierarchies under /sys/fs/cgroup, by controller. */
function underSysFs(facts: DockerFacts, c: V1Controller): boolean {
  return facts.base.mounts.some((m) => m.fsType === 'cgroup' && m.superOptions.includes(c) && m.mountPoint.startsWith('/sys/fs/cgroup/'));
}

export function dockerSettings(facts: DockerFacts, outcomes: readonly CheckOutcome[], opts: SettingsOptions): Settings {
  const by = new Map(outcomes.map((o) => [o.id, o]));
  const lines: SettingLine[] = [];
  const daemon: Record<string, unknown> = {};
  const set = (key: string, value: unknown, from: string, why: string): void => {
    daemon[key] = value;
    lines.push({ what: `daemon.json "${key}": ${JSON.stringify(value)}`, from, why });
  };

  // Where dockerd keeps its state.
  const p = facts.places;
  if (!p.defaults) {
    set('data-root', p.dataRoot, 'docker.data-root', p.why);
    set('exec-root', p.execRoot, 'docker.data-root', 'beside data-root');
    set('pidfile', p.pidfile, 'docker.data-root', 'beside data-root');
  }
  if (p.keyPath) {
    const major = Number(/version (\d+)\./.exec(facts.binaries.versions.dockerd ?? '')?.[1] ?? NaN);
    if (major < 23) set('deprecated-key-path', p.keyPath, 'docker.data-root', `/etc is read-only: dockerd ${major}.x keeps its key.json in /etc/docker`);
    else if (Number.isNaN(major)) lines.push({ what: `dockerd before 23 needs daemon.json "deprecated-key-path": "${p.keyPath}"`, from: 'docker.data-root', why: '/etc is read-only and this dockerd\'s version is unknown (23 and later refuse the key)' });
  }
  const driver = storageDriver(facts);
  if (driver) set('storage-driver', driver, 'docker.storage.overlay', driver === 'overlay2' ? 'overlay and its whiteouts work on the data-root\'s filesystem' : (by.get('docker.storage.overlay')?.summary ?? 'no overlay'));

  // Networking: a bridge with NAT, or the host's network.
  const noBridge = failed(by.get('docker.net.veth')) || failed(by.get('docker.net.bridge')) || by.get('docker.iptables')?.status === 'fail';
  const choice = iptablesChoice(facts);
  if (noBridge) {
    const from = failed(by.get('docker.net.veth')) ? 'docker.net.veth' : failed(by.get('docker.net.bridge')) ? 'docker.net.bridge' : 'docker.iptables';
    set('bridge', 'none', from, `${by.get(from)?.summary ?? 'no bridge'}: containers use --network host`);
    set('iptables', false, from, 'no bridge, so no NAT rules');
    set('ip6tables', false, from, 'no bridge, so no NAT rules');
  } else if (by.get('docker.ip6tables')?.status === 'warn') {
    set('ip6tables', false, 'docker.ip6tables', by.get('docker.ip6tables')?.summary ?? 'ip6tables fails');
  }
  for (const [k, v] of Object.entries(opts.daemon ?? {})) {
    daemon[k] = v;
    lines.push({ what: `daemon.json "${k}": ${JSON.stringify(v)}`, from: '--prove', why: 'a private dockerd: its own state, socket and cgroups' });
  }

  const ipcHost = by.get('docker.ns.ipc')?.status === 'fail';
  const runFlags: Settings['runFlags'] = [];
  if (ipcHost) runFlags.push({ flags: ['--ipc', 'host'], from: 'docker.ns.ipc', why: 'no IPC namespace: every container must share the host\'s' });
  if (by.get('docker.mqueue')?.status === 'fail') runFlags.push({ flags: ['--tmpfs', '/dev/mqueue'], from: 'docker.mqueue', why: 'no mqueue filesystem: a tmpfs in its place (a mount at the same destination replaces Docker\'s default one)' });
  if (noBridge) runFlags.push({ flags: ['--network', 'host'], from: 'docker.net.bridge', why: 'no bridge network here' });
  for (const f of runFlags) lines.push({ what: `docker run ${f.flags.join(' ')}`, from: f.from, why: `${f.why} (daemon.json has no setting for it)` });

  // dockerd.sh: the private mount namespace dockerd starts in.
  const inner: string[] = [];
  const env: string[] = [];
  const note = (what: string, from: string, why: string): void => void lines.push({ what, from, why });
  const runOk = by.get('docker.run-dir')?.status === 'pass';
  if (!runOk) {
    inner.push('# docker.run-dir: containerd puts its shim sockets under /run/containerd/s', 'mount -t tmpfs -o mode=755 tmpfs /run');
    note('dockerd.sh: a tmpfs on /run in dockerd\'s namespace', 'docker.run-dir', by.get('docker.run-dir')?.summary ?? '/run missing');
  }
  const shmMounted = facts.base.mounts.some((m) => m.mountPoint === '/dev/shm');
  if (ipcHost && !shmMounted) {
    inner.push('# docker.ns.ipc: with --ipc host dockerd bind-mounts the host\'s /dev/shm, which Android does not have', 'mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm');
    note('dockerd-ns.sh: a tmpfs on /dev/shm in dockerd\'s namespace', 'docker.ns.ipc', '--ipc host needs a mounted /dev/shm');
  }
  const unifiedOrBare = !facts.base.mounts.some((m) => m.mountPoint === '/sys/fs/cgroup' && m.fsType === 'tmpfs');
  const noprefix = by.get('docker.cgroup.layout')?.summary.includes('noprefix') ?? false;
  const cpusetAt = facts.base.mounts.filter((m) => m.fsType === 'cgroup' && m.superOptions.includes('cpuset') && m.superOptions.includes('noprefix')).map((m) => m.mountPoint);
  const controllers = V1_CONTROLLERS.filter((c) => v1Usable(facts, c) === true && !(c === 'cpuset' && noprefix));
  const missing = controllers.filter((c) => unifiedOrBare || !underSysFs(facts, c));
  if (noprefix) {
    for (const m of cpusetAt) inner.push(`# docker.cgroup.layout: runc writes cpuset.cpus; a noprefix cpuset has "cpus"`, `umount -l ${q(m)}`);
    note(`dockerd.sh: ${cpusetAt.join(', ')} unmounted in dockerd's namespace (runc then leaves cpuset alone)`, 'docker.cgroup.layout', 'cpuset is mounted with noprefix');
  }
  if (missing.length) {
    if (unifiedOrBare) inner.push('# docker.cgroup.*: runc and dockerd look for v1 controllers under /sys/fs/cgroup', 'mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup');
    const options = new Map<string, V1Controller[]>();
    for (const c of missing) {
      const o = facts.live?.v1[c]?.options ?? c;
      options.set(o, [...(options.get(o) ?? []), c]);
    }
    for (const [o, cs] of options) {
      inner.push(`mkdir -p /sys/fs/cgroup/${o} && mount -t cgroup -o ${o} cgroup /sys/fs/cgroup/${o}`);
      note(`dockerd.sh: cgroup ${o} at /sys/fs/cgroup/${o}`, `docker.cgroup.${cs[0] as string}`, 'where dockerd and runc look for it');
    }
  }
  const shim = `${opts.dir}/bin`;
  if (choice && !choice.isDefault) {
    env.push(`# docker.iptables: dockerd runs "iptables" from PATH; ${choice.binary} is the one that works here`, `PATH=${q(shim)}:$PATH; export PATH`);
    note(`dockerd.sh: ${shim}/iptables -> ${choice.binary} first in PATH`, 'docker.iptables', by.get('docker.iptables')?.summary ?? '');
  }
  if (choice?.lockfile) {
    env.push(`# docker.iptables: /run/xtables.lock cannot be opened here`, `XTABLES_LOCKFILE=${q(`${opts.dir}/xtables.lock`)}; export XTABLES_LOCKFILE`);
    note('dockerd.sh: XTABLES_LOCKFILE', 'docker.iptables', '/run/xtables.lock cannot be opened');
  }
  if (failed(by.get('docker.pivot-root'))) {
    env.push('# docker.pivot-root: / is an initramfs; runc then uses MS_MOVE and chroot', 'DOCKER_RAMDISK=true; export DOCKER_RAMDISK');
    note('dockerd.sh: DOCKER_RAMDISK=true', 'docker.pivot-root', by.get('docker.pivot-root')?.summary ?? '');
  }

  const dockerd = [
    '#!/bin/sh',
    '# Written by droidcheck docker --write: starts dockerd with the settings this host needs. Run as root.',
    '# The mounts are made in dockerd\'s own mount namespace (dockerd-ns.sh): the host keeps its own.',
    'set -e',
    'DIR=$(cd "$(dirname "$0")" && pwd)',
    'DOCKERD=${DOCKERD:-dockerd}',
    'export DIR DOCKERD',
    ...env,
    ...(choice && !choice.isDefault ? [`mkdir -p "$DIR/bin" && ln -sf ${q(choice.binary)} "$DIR/bin/iptables"`] : []),
    'exec unshare -m sh "$DIR/dockerd-ns.sh" "$@"',
  ];
  const ns = [
    '#!/bin/sh',
    '# Written by droidcheck docker --write: run by dockerd.sh in a new mount namespace.',
    'set -e',
    '# util-linux unshare makes the namespace private itself; busybox and toybox do not.',
    'mount --make-rprivate / 2>/dev/null || true',
    ...inner,
    'exec "$DOCKERD" --config-file "$DIR/daemon.json" "$@"',
  ];

  // setup.sh / undo.sh: only what must be host-wide, recorded so undo reverses exactly that.
  const setup = ['#!/bin/sh', '# Written by droidcheck docker --write: host-wide changes dockerd.sh needs. undo.sh reverses them.', 'set -e', `STATE=${q(`${opts.dir}/setup.done`)}`, ': >>"$STATE"'];
  const preamble = setup.length;
  if (facts.base.paths['/run'] === null) {
    setup.push(
      '# docker.run-dir: no /run at all (Android); dockerd.sh mounts a tmpfs on it, which needs the directory',
      'if [ ! -d /run ]; then',
      '  mount -o remount,rw / && mkdir /run && mount -o remount,ro / && echo rmdir-run >>"$STATE"',
      'fi',
    );
    note('setup.sh: mkdir /run (remounting / read-write for a moment)', 'docker.run-dir', 'no /run; undo.sh removes it');
  }
  if (ipcHost && facts.base.paths['/dev/shm'] === null) {
    setup.push(
      '# docker.ns.ipc: --ipc host needs /dev/shm; dockerd-ns.sh mounts a tmpfs on it, which needs the directory',
      'if [ ! -d /dev/shm ]; then mkdir /dev/shm && echo rmdir-devshm >>"$STATE"; fi',
    );
    note('setup.sh: mkdir /dev/shm', 'docker.ns.ipc', 'no /dev/shm; undo.sh removes it');
  }
  if (setup.length === preamble) setup.push('# nothing host-wide is needed here: dockerd.sh does everything in its own mount namespace');
  const undo = [
    '#!/bin/sh',
    '# Written by droidcheck docker --write: reverses what setup.sh recorded, last first.',
    `STATE=${q(`${opts.dir}/setup.done`)}`,
    '[ -f "$STATE" ] || exit 0',
    'tac "$STATE" 2>/dev/null | while read -r step; do',
    '  case $step in',
    '    rmdir-run) mount -o remount,rw / && rmdir /run; mount -o remount,ro / ;;',
    '    rmdir-devshm) rmdir /dev/shm ;;',
    '  esac',
    'done',
    'rm -f "$STATE"',
  ];
  return {
    daemon,
    lines,
    ipcHost,
    runFlags,
    files: {
      'daemon.json': JSON.stringify(daemon, null, 2) + '\n',
      'dockerd.sh': dockerd.join('\n') + '\n',
      'dockerd-ns.sh': ns.join('\n') + '\n',
      'setup.sh': setup.join('\n') + '\n',
      'undo.sh': undo.join('\n') + '\n',
    },
  };
}
