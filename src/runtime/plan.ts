// From config.json to a launch plan: everything the container init needs,
// resolved and checked up front (pure), so the privileged steps only act.

import { isAbsolute, join, normalize, resolve } from 'node:path';
import type { OciMount, OciSpec } from './spec.js';
import { nsByOci, ociTable, sysctlNamespace } from '../sys/namespaces.js';
import type { CompiledSeccomp, compileSeccomp } from './seccomp/compile.js';

/** config.json's annotation for chroot instead of pivot_root (set by --fix-config on an initramfs root, or by hand). */
export const NO_PIVOT_ANNOTATION = 'org.droidcheck.no-pivot';

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
} as const;

/** CLONE_NEW* by config.json's namespace type (src/sys/namespaces.ts). */
export const CLONE_FLAGS: Record<string, number> = ociTable((n) => n.clone);

interface OptionEffect {
  set?: number;
  clear?: number;
  propagation?: number;
}

const OPTIONS: Record<string, OptionEffect> = {
  ro: { set: MS.RDONLY },
  rw: { clear: MS.RDONLY },
  nosuid: { set: MS.NOSUID },
  suid: { clear: MS.NOSUID },
  nodev: { set: MS.NODEV },
  dev: { clear: MS.NODEV },
  noexec: { set: MS.NOEXEC },
  exec: { clear: MS.NOEXEC },
  sync: { set: MS.SYNCHRONOUS },
  async: { clear: MS.SYNCHRONOUS },
  dirsync: { set: MS.DIRSYNC },
  mand: { set: MS.MANDLOCK },
  nomand: { clear: MS.MANDLOCK },
  noatime: { set: MS.NOATIME },
  atime: { clear: MS.NOATIME },
  nodiratime: { set: MS.NODIRATIME },
  diratime: { clear: MS.NODIRATIME },
  relatime: { set: MS.RELATIME },
  norelatime: { clear: MS.RELATIME },
  strictatime: { set: MS.STRICTATIME },
  nostrictatime: { clear: MS.STRICTATIME },
  bind: { set: MS.BIND },
  rbind: { set: MS.BIND | MS.REC },
  defaults: {},
  private: { propagation: MS.PRIVATE },
  rprivate: { propagation: MS.PRIVATE | MS.REC },
  slave: { propagation: MS.SLAVE },
  rslave: { propagation: MS.SLAVE | MS.REC },
  shared: { propagation: MS.SHARED },
  rshared: { propagation: MS.SHARED | MS.REC },
  unbindable: { propagation: MS.UNBINDABLE },
  runbindable: { propagation: MS.UNBINDABLE | MS.REC },
};

export interface PlannedMount {
  destination: string;
  /** Absolute path on the host side, inside the rootfs. */
  target: string;
  type: string | null;
  source: string;
  flags: number;
  /** Comma-separated filesystem options (mode=755, size=...). */
  data: string;
  propagation: number;
  bind: boolean;
  /** A bind mount with ro/nosuid/... needs a second, remount call. */
  remountFlags: number | null;
}

/** Splits mount options into flags, propagation and filesystem data. */
export function parseMountOptions(options: readonly string[]): { flags: number; propagation: number; data: string } {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const o of options) {
    const effect = OPTIONS[o];
    if (!effect) {
      data.push(o);
      continue;
    }
    if (effect.set) flags |= effect.set;
    if (effect.clear) flags &= ~effect.clear;
    if (effect.propagation) propagation |= effect.propagation;
  }
  return { flags, propagation, data: data.join(',') };
}

/** rootfs + a container path; ".." stops at the container root, as it does inside it. */
export function inRoot(rootfs: string, path: string): string {
  const clean = normalize(`/${path}`).replace(/\/+$/, '');
  return clean ? join(rootfs, clean) : rootfs;
}

export function planMount(rootfs: string, m: OciMount, index: number): PlannedMount {
  const { flags, propagation, data } = parseMountOptions(m.options ?? []);
  const type = m.type === undefined || m.type === 'bind' || m.type === 'none' || m.type === '' ? null : m.type;
  const bind = (flags & MS.BIND) !== 0 || m.type === 'bind';
  if (bind && !m.source) throw new Error(`.mounts[${index}] (${m.destination}): a bind mount needs a source`);
  const extra = flags & ~(MS.BIND | MS.REC);
  return {
    destination: m.destination,
    target: inRoot(rootfs, m.destination),
    type,
    source: m.source ?? type ?? 'none',
    flags: bind ? flags | MS.BIND : flags,
    data,
    propagation,
    bind,
    remountFlags: bind && extra !== 0 ? extra : null,
  };
}

export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

export function capMask(names: readonly string[] | undefined, field: string): bigint {
  let mask = 0n;
  for (const n of names ?? []) {
    const bit = (CAPABILITIES as readonly string[]).indexOf(n);
    if (bit < 0) throw new Error(`${field}: unknown capability ${n}`);
    mask |= 1n << BigInt(bit);
  }
  return mask;
}

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5, RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10, RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

export interface LaunchPlan {
  bundle: string;
  rootfs: string;
  /** unshare(2) flags for the namespaces to create (those without a path). */
  cloneFlags: number;
  namespaces: string[];
  hostname: string | null;
  mounts: PlannedMount[];
  /** pivot_root is not to be used: chroot instead (annotation org.droidcheck.no-pivot or --no-pivot). */
  noPivot: boolean;
  readonlyRoot: boolean;
  maskedPaths: string[];
  readonlyPaths: string[];
  rlimits: { resource: number; name: string; soft: number; hard: number }[];
  noNewPrivileges: boolean;
  user: { uid: number; gid: number; additionalGids: number[] };
  caps: { bounding: string; effective: string; permitted: string; inheritable: string; ambient: string[] } | null;
  env: string[];
  cwd: string;
  args: string[];
  terminal: boolean;
  /** The workload's stdin: the caller's, or /dev/null (docker run -t without -i). */
  stdin: 'inherit' | 'null';
  /** linux.sysctl, each in a namespace of the container: key, path under / once inside, value. */
  sysctls: { key: string; path: string; value: string }[];
  /** process.user.umask, 0o022 when config.json has none (as runc). */
  umask: number;
  /** linux.seccomp compiled to BPF, or null when config.json has none. */
  seccomp: CompiledSeccomp | null;
  /**
   * The container's cgroups (made by droidcheck before the launch, see cgroups/apply.ts): the init
   * writes itself into each one's cgroup.procs, then makes its cgroup namespace, rooted there.
   */
  cgroups: string[];
}

/**
 * linux.sysctl as writes under /proc/sys inside the container. As runc: only sysctls of a namespace
 * the container has its own of; any other would change the host.
 */
export function planSysctls(sysctl: Record<string, string> | undefined, namespaces: readonly string[]): LaunchPlan['sysctls'] {
  return Object.entries(sysctl ?? {}).map(([key, value]) => {
    const field = `.linux.sysctl[${JSON.stringify(key)}]`;
    if (!/^[A-Za-z0-9_-]+([./][A-Za-z0-9_-]+)*$/.test(key)) throw new Error(`${field}: not a sysctl name`);
    if (typeof value !== 'string') throw new Error(`${field}: the value must be a string`);
    const owner = sysctlNamespace(key);
    if (!owner) throw new Error(`${field}: not in a namespace of the container: setting it would change the host (runc refuses it too)`);
    if (!namespaces.includes(owner)) throw new Error(`${field}: belongs to the ${nsByOci(owner)?.label} namespace, which config.json does not create: it would change the host (droidcheck run --fix-config drops it)`);
    return { key, path: `/proc/sys/${key.replace(/\./g, '/')}`, value };
  });
}

/** Checks the config and resolves every path; errors name the field. */
export interface PlanOptions {
  noPivot?: boolean;
  machine?: string;
  kernel?: readonly [number, number] | null;
  stdin?: 'inherit' | 'null';
  /** The seccomp compiler (seccomp/compile.ts), needed only when config.json has linux.seccomp: the caller loads it then, keeping its tables off the path of every other launch. */
  compileSeccomp?: typeof compileSeccomp;
}

export function buildPlan(spec: OciSpec, bundle: string, opts: PlanOptions = {}): LaunchPlan {
  const process = spec.process;
  if (!process) throw new Error('.process: missing: nothing to run');
  if (!spec.root?.path) throw new Error('.root.path: missing');
  const rootfs = isAbsolute(spec.root.path) ? spec.root.path : resolve(bundle, spec.root.path);
  const namespaces: string[] = [];
  let cloneFlags = 0;
  for (const [i, ns] of (spec.linux?.namespaces ?? []).entries()) {
    const flag = CLONE_FLAGS[ns.type];
    if (flag === undefined) throw new Error(`.linux.namespaces[${i}].type: unknown namespace type ${ns.type}`);
    if (ns.path) throw new Error(`.linux.namespaces[${i}].path: joining an existing namespace is not supported by the embedded runtime`);
    if (ns.type === 'user') throw new Error(`.linux.namespaces[${i}]: user namespaces are not supported by the embedded runtime (they need a single-threaded process); use --runtime runc`);
    namespaces.push(ns.type);
    cloneFlags |= flag;
  }
  if (!namespaces.includes('mount')) {
    // Without its own mount namespace every mount, and the move of the rootfs over "/", would happen on the host.
    throw new Error(
      '.linux.namespaces: no mount namespace: the container\'s mounts and its root would be made in the host\'s mount namespace (runc refuses it too: "unable to restrict sys entries without a private MNT namespace"); add {"type": "mount"}',
    );
  }
  const caps = process.capabilities;
  const annotations = (spec['annotations'] ?? {}) as Record<string, string>;
  return {
    bundle,
    rootfs,
    cloneFlags,
    namespaces,
    hostname: spec.hostname && namespaces.includes('uts') ? spec.hostname : null,
    mounts: (spec.mounts ?? []).map((m, i) => planMount(rootfs, m, i)),
    noPivot: opts.noPivot === true || annotations[NO_PIVOT_ANNOTATION] === 'true',
    readonlyRoot: spec.root.readonly === true,
    maskedPaths: spec.linux?.maskedPaths ?? [],
    readonlyPaths: spec.linux?.readonlyPaths ?? [],
    rlimits: (process.rlimits ?? []).map((r, i) => {
      const resource = RLIMITS[r.type];
      if (resource === undefined) throw new Error(`.process.rlimits[${i}].type: unknown limit ${r.type}`);
      return { resource, name: r.type, soft: r.soft, hard: r.hard };
    }),
    noNewPrivileges: process.noNewPrivileges === true,
    user: { uid: process.user.uid, gid: process.user.gid, additionalGids: process.user.additionalGids ?? [] },
    caps: caps
      ? {
          bounding: capMask(caps.bounding, '.process.capabilities.bounding').toString(),
          effective: capMask(caps.effective, '.process.capabilities.effective').toString(),
          permitted: capMask(caps.permitted, '.process.capabilities.permitted').toString(),
          inheritable: capMask(caps.inheritable, '.process.capabilities.inheritable').toString(),
          ambient: [...(caps.ambient ?? [])],
        }
      : null,
    env: process.env ?? [],
    cwd: process.cwd,
    args: process.args ?? [],
    terminal: process.terminal === true,
    stdin: opts.stdin ?? 'inherit',
    // The filter's own architecture, when the profile lists none, is the kernel's (libseccomp's "native").
    sysctls: planSysctls(spec.linux?.sysctl, namespaces),
    umask: typeof process.user.umask === 'number' ? process.user.umask : 0o022,
    seccomp: spec.linux?.seccomp === undefined ? null : seccompCompiler(opts)(spec.linux.seccomp, opts.machine ?? 'x86_64', opts.kernel ?? null),
    cgroups: [],
  };
}

function seccompCompiler(opts: PlanOptions): typeof compileSeccomp {
  if (!opts.compileSeccomp) throw new Error('.linux.seccomp: no seccomp compiler was given to buildPlan (droidcheck passes seccomp/compile.ts when config.json has a profile)');
  return opts.compileSeccomp;
}
