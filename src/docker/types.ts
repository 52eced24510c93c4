// What `droidcheck docker` finds out beyond the probe: the live tests of what
// dockerd, containerd and runc need, in one serialisable shape. The tools path
// and the koffi worker fill it; the docker checks read only this and the probe's
// Facts, so they run on fixture hosts.

import type { Facts } from '../probes/facts.js';
import type { Attempt } from '../probes/live/types.js';

/** The cgroup v1 controllers dockerd and runc use, in the order runc sets them up. */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'pids', 'freezer', 'blkio'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/** The iptables backends Debian ships side by side. */
export const BACKENDS = ['legacy', 'nft'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface IptablesRun {
  /** The program, e.g. /usr/sbin/iptables-legacy. */
  binary: string;
  /** Each rule dockerd makes at start-up, in its order; the first failure ends the run. */
  steps: Attempt[];
  /** XTABLES_LOCKFILE had to point at a writable place (no /run for /run/xtables.lock). */
  lockfile?: string;
}

export interface CgroupV1Run {
  /** The -o options of the mount: the controller, or every controller of the hierarchy it is bound to. */
  options: string;
  mount: Attempt;
  /** Files at the hierarchy's root (to tell noprefix: "cpus" instead of "cpuset.cpus"). */
  files?: string[];
  child?: Attempt;
  /** A write of a value runc writes, into the child group. */
  write?: Attempt;
}

export interface StorageRun {
  /** The directory the scratch test ran under (the data-root's parent) and its filesystem. */
  dir: string;
  fsType?: string;
  scratch?: Attempt;
  overlay?: Attempt;
  /** mknod c 0 0 in the upper dir, and the lower file hidden by it in the merged view. */
  whiteout?: Attempt;
  /** trusted.overlay.opaque=y on an upper dir, and the lower dir's content hidden by it. */
  opaque?: Attempt;
  /** Creating a file and running a copied program there (noexec). */
  exec?: Attempt;
}

export interface Cgroup2Run {
  mount?: Attempt;
  child?: Attempt;
  /** BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program. */
  bpfLoad?: Attempt;
  /** BPF_PROG_ATTACH(BPF_CGROUP_DEVICE) on the child group. */
  bpfAttach?: Attempt;
  /** BPF_PROG_QUERY(BPF_CGROUP_DEVICE): what runc calls first. */
  bpfQuery?: Attempt;
}

export interface DockerLive {
  /** Each tool by role: "iproute2 /usr/sbin/ip", "busybox /bin/busybox unshare"... */
  tools: Record<string, string>;
  net?: { netns?: Attempt; veth?: Attempt; bridge?: Attempt; enslave?: Attempt; up?: Attempt };
  iptables: Partial<Record<Backend, IptablesRun>>;
  ip6tables: Partial<Record<Backend, IptablesRun>>;
  /** What `iptables` on PATH is (dockerd runs that one): its backend, from --version. */
  defaultIptables?: { path: string; backend: Backend | null; version: string };
  storage?: StorageRun;
  keyring?: Attempt;
  v1: Partial<Record<V1Controller, CgroupV1Run>>;
  cgroup2?: Cgroup2Run;
  /** /run present and writable (containerd 1.6 puts shim sockets in /run/containerd/s). */
  runDir?: Attempt;
  notes: string[];
}

export function emptyDockerLive(): DockerLive {
  return { tools: {}, iptables: {}, ip6tables: {}, v1: {}, notes: [] };
}

/** What the koffi worker answers: the parts of DockerLive only a system call can test. */
export interface DockerFfiResults {
  cgroup2: Cgroup2Run;
  keyring: Attempt;
}

export interface DockerBinaries {
  dockerd: string | null;
  docker: string | null;
  containerd: string | null;
  runc: string | null;
  /** First lines of --version. */
  versions: Partial<Record<'dockerd' | 'containerd' | 'runc', string>>;
}

/** Where dockerd would keep its state, and why there. */
export interface Places {
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  /** True when these are dockerd's own defaults (nothing to set). */
  defaults: boolean;
  /** Where dockerd before 23 should keep key.json when /etc cannot (missing or read-only). */
  keyPath?: string;
  why: string;
}

export interface DockerFacts {
  base: Facts;
  live: DockerLive | null;
  binaries: DockerBinaries;
  places: Places;
  /** Why live tests did not run, or notes on how they ran. */
  notes: string[];
}
