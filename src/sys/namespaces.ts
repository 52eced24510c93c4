// The one table of namespace kinds: how config.json names each one, how
// /proc/self/ns and the probe name it, its CLONE_NEW* flag, util-linux/busybox
// unshare's letter, and the check that probes it. Probes, the fixer, the plan
// and every launcher read their names and flags from here.

/** The probe's (and /proc/self/ns's) names. */
export type NsName = 'mnt' | 'uts' | 'ipc' | 'pid' | 'net' | 'user' | 'cgroup';
/** config.json's linux.namespaces[].type names. */
export type OciNamespaceType = 'mount' | 'uts' | 'ipc' | 'pid' | 'network' | 'user' | 'cgroup';

export interface NamespaceKind {
  name: NsName;
  oci: OciNamespaceType;
  /** CLONE_NEW* value for unshare(2)/clone(2). */
  clone: number;
  cloneName: string;
  /** unshare(1)'s option letter (util-linux and busybox agree; busybox has no -C). */
  letter: string;
  /** How prose names it: "the IPC namespace". */
  label: string;
  /** What a container shares with the host without it. */
  shared: string;
  checkId: `ns.${NsName}`;
}

export const NAMESPACES: readonly NamespaceKind[] = [
  { name: 'mnt', oci: 'mount', clone: 0x00020000, cloneName: 'CLONE_NEWNS', letter: 'm', label: 'mount', shared: 'mounts: nothing can be isolated', checkId: 'ns.mnt' },
  { name: 'uts', oci: 'uts', clone: 0x04000000, cloneName: 'CLONE_NEWUTS', letter: 'u', label: 'UTS', shared: 'host name', checkId: 'ns.uts' },
  { name: 'ipc', oci: 'ipc', clone: 0x08000000, cloneName: 'CLONE_NEWIPC', letter: 'i', label: 'IPC', shared: 'SysV IPC and POSIX message queues', checkId: 'ns.ipc' },
  { name: 'pid', oci: 'pid', clone: 0x20000000, cloneName: 'CLONE_NEWPID', letter: 'p', label: 'PID', shared: 'processes: it can see and signal them, and its workload is not PID 1', checkId: 'ns.pid' },
  { name: 'net', oci: 'network', clone: 0x40000000, cloneName: 'CLONE_NEWNET', letter: 'n', label: 'network', shared: 'network', checkId: 'ns.net' },
  { name: 'user', oci: 'user', clone: 0x10000000, cloneName: 'CLONE_NEWUSER', letter: 'U', label: 'user', shared: 'user ids: container root is host root', checkId: 'ns.user' },
  { name: 'cgroup', oci: 'cgroup', clone: 0x02000000, cloneName: 'CLONE_NEWCGROUP', letter: 'C', label: 'cgroup', shared: 'cgroup paths', checkId: 'ns.cgroup' },
];

export const NS_NAMES: readonly NsName[] = NAMESPACES.map((n) => n.name);
export const OCI_NAMESPACES: readonly OciNamespaceType[] = NAMESPACES.map((n) => n.oci);

const BY_OCI = new Map(NAMESPACES.map((n) => [n.oci as string, n]));
const BY_NAME = new Map(NAMESPACES.map((n) => [n.name as string, n]));

/** The kind for a config.json type ("network"), or undefined for a type that does not exist. */
export function nsByOci(type: string): NamespaceKind | undefined {
  return BY_OCI.get(type);
}

export function nsByName(name: NsName): NamespaceKind {
  return BY_NAME.get(name)!;
}

/** sysctls that live in the IPC namespace (runc allows them only with one). */
export function isIpcSysctl(name: string): boolean {
  return /^kernel\.(shm|msg)/.test(name) || name === 'kernel.sem' || name.startsWith('fs.mqueue.');
}

/** The namespace a sysctl belongs to (setting it elsewhere changes the host), or null for global ones. */
export function sysctlNamespace(name: string): OciNamespaceType | null {
  if (isIpcSysctl(name)) return 'ipc';
  if (name.startsWith('net.')) return 'network';
  if (name === 'kernel.hostname' || name === 'kernel.domainname') return 'uts';
  return null;
}

/** A table keyed by config.json type, derived from NAMESPACES. */
export function ociTable<T>(pick: (n: NamespaceKind) => T): Record<OciNamespaceType, T> {
  return Object.fromEntries(NAMESPACES.map((n) => [n.oci, pick(n)])) as Record<OciNamespaceType, T>;
}

/** A table keyed by the probe's name, derived from NAMESPACES. */
export function nameTable<T>(pick: (n: NamespaceKind) => T): Record<NsName, T> {
  return Object.fromEntries(NAMESPACES.map((n) => [n.name, pick(n)])) as Record<NsName, T>;
}
