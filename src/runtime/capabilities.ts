// What a container config may ask of this host: a small plain-data summary of
// the probe, one field per thing the config fixer looks at. Every field names
// the check it came from so that each config change can cite it.

import { OCI_NAMESPACES, ociTable, type OciNamespaceType } from '../sys/namespaces.js';
import type { Facts } from '../probes/facts.js';
import type { CheckOutcome, Status } from '../probes/types.js';

/** Pseudo check id for the console: not a probe check, the launcher's own stdin. */
export const CONSOLE_CHECK_ID = 'stdin.tty';

export interface HostFact {
  /**
   * The answer in the field's own sense: for features "available", for
   * rootReadonly "read-only", for paranoidNetwork "on". When the check could
   * not decide (skip, error, not run) this is the permissive default: features
   * available, conditions off.
   */
  value: boolean;
  /** False when the check skipped, errored or did not run. */
  known: boolean;
  /** The check this came from, e.g. "ns.ipc". */
  checkId: string;
  /** The check's status, or "absent" when it did not run. */
  status: Status | 'absent';
  /** The check's one-line summary ("unshare fails with EINVAL"). */
  summary: string;
  /** The check's impact text when something is missing; "" otherwise. */
  impact: string;
}

export { OCI_NAMESPACES, type OciNamespaceType } from '../sys/namespaces.js';

/** The check id for each OCI namespace type. */
export const NAMESPACE_CHECK: Record<OciNamespaceType, string> = ociTable((n) => n.checkId);

/** Filesystem types a config's mounts use that the probe checks. */
export const FILESYSTEMS = ['proc', 'sysfs', 'tmpfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2'] as const;
export type FilesystemType = (typeof FILESYSTEMS)[number];

export interface SysctlFacts {
  /** Dotted names ("kernel.shmmax") that exist under /proc/sys; null when unknown. */
  present: string[] | null;
  /** Dotted names that were looked for: only for these does absence mean anything. */
  probed: string[];
  checkId: string;
}

export interface HostCapabilities {
  namespaces: Record<OciNamespaceType, HostFact>;
  filesystems: Record<FilesystemType, HostFact>;
  /** devpts -o newinstance gives a container its own ptys (fs.devpts-instances). */
  devptsInstances: HostFact;
  /** pivot_root works (rootfs.pivot-root): false on rootfs/initramfs. */
  pivotRoot: HostFact;
  /** The host's / is mounted read-only (host.root-readonly). */
  rootReadonly: HostFact;
  /** The host has /run (host.run). */
  hostRun: HostFact;
  /** The host has /tmp (host.tmp). */
  hostTmp: HostFact;
  sysctls: SysctlFacts;
  /** Seccomp filters can be installed (sec.seccomp). */
  seccompFilter: HostFact;
  /** prctl(PR_SET_NO_NEW_PRIVS) works (sec.no-new-privs). */
  noNewPrivs: HostFact;
  /** Sockets only for groups 3003/3004 (host.paranoid-network). */
  paranoidNetwork: HostFact;
  /** A cgroup v1 or v2 filesystem is there (fs.cgroup, else fs.cgroup2). */
  cgroup: HostFact;
  /** The launcher's stdin is a terminal, so "terminal": true has a console to attach. */
  console: HostFact;
}

type Sense = 'feature' | 'condition';

function fromOutcome(byId: ReadonlyMap<string, CheckOutcome>, checkId: string, sense: Sense): HostFact {
  const o = byId.get(checkId);
  if (!o) return { value: sense === 'feature', known: false, checkId, status: 'absent', summary: 'not probed', impact: '' };
  const known = o.status === 'pass' || o.status === 'warn' || o.status === 'fail';
  const bad = o.status === 'warn' || o.status === 'fail';
  return { value: sense === 'feature' ? !bad : bad, known, checkId, status: o.status, summary: o.summary, impact: o.impact };
}

export function hostCapabilities(outcomes: readonly CheckOutcome[], facts: Facts, opts: { stdinIsTty: boolean }): HostCapabilities {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const feature = (id: string): HostFact => fromOutcome(byId, id, 'feature');
  const condition = (id: string): HostFact => fromOutcome(byId, id, 'condition');

  const namespaces = Object.fromEntries(OCI_NAMESPACES.map((t) => [t, feature(NAMESPACE_CHECK[t])])) as Record<OciNamespaceType, HostFact>;
  const filesystems = Object.fromEntries(FILESYSTEMS.map((f) => [f, feature(`fs.${f}`)])) as Record<FilesystemType, HostFact>;

  // cgroup is usable when either filesystem passes; cite the one that decided.
  const v1 = filesystems.cgroup;
  const v2 = filesystems.cgroup2;
  const v1Pass = v1.status === 'pass';
  const v2Pass = v2.status === 'pass';
  const cgroupKnown = v1Pass || v2Pass || (v1.known && v2.known);
  const cgroup: HostFact = v1Pass
    ? { ...v1 }
    : v2Pass
      ? { ...v2 }
      : cgroupKnown
        ? { ...v1, value: false, summary: `cgroup v1: ${v1.summary}; cgroup v2: ${v2.summary}` }
        : { ...(v1.known ? v2 : v1), value: true, known: false };

  const names = Object.keys(facts.sysctls);
  const present = names.length === 0 ? null : names.filter((n) => facts.sysctls[n]).map((n) => n.replace(/\//g, '.')).sort();

  return {
    namespaces,
    filesystems,
    devptsInstances: feature('fs.devpts-instances'),
    pivotRoot: feature('rootfs.pivot-root'),
    rootReadonly: condition('host.root-readonly'),
    hostRun: feature('host.run'),
    hostTmp: feature('host.tmp'),
    sysctls: { present, probed: present === null ? [] : names.map((n) => n.replace(/\//g, '.')).sort(), checkId: 'ipc.sysctls' },
    seccompFilter: feature('sec.seccomp'),
    noNewPrivs: feature('sec.no-new-privs'),
    paranoidNetwork: condition('host.paranoid-network'),
    cgroup,
    console: {
      value: opts.stdinIsTty,
      known: true,
      checkId: CONSOLE_CHECK_ID,
      status: opts.stdinIsTty ? 'pass' : 'warn',
      summary: opts.stdinIsTty ? 'stdin is a terminal' : 'stdin is not a terminal',
      impact: opts.stdinIsTty ? '' : 'a container with "terminal": true has no console to attach to',
    },
  };
}

/** Every check id a HostCapabilities cites (for tests and reports). */
export function citedCheckIds(caps: HostCapabilities): string[] {
  const facts: HostFact[] = [
    ...Object.values(caps.namespaces),
    ...Object.values(caps.filesystems),
    caps.devptsInstances,
    caps.pivotRoot,
    caps.rootReadonly,
    caps.hostRun,
    caps.hostTmp,
    caps.seccompFilter,
    caps.noNewPrivs,
    caps.paranoidNetwork,
    caps.cgroup,
    caps.console,
  ];
  return [...new Set([...facts.map((f) => f.checkId), caps.sysctls.checkId])].sort();
}

