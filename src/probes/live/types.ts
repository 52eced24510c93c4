// Results of the live kernel tests. Both the FFI worker and the tools path
// fill this shape; checks read only this shape, so fixtures can supply it.

import type { NsName } from '../../sys/namespaces.js';
export { NS_NAMES, type NsName } from '../../sys/namespaces.js';

export type SyscallName =
  | 'memfd_create'
  | 'getrandom'
  | 'renameat2'
  | 'execveat'
  | 'seccomp'
  | 'clone3'
  | 'openat2'
  | 'close_range'
  | 'pidfd_open'
  | 'pidfd_send_signal';

export const SYSCALL_NAMES: readonly SyscallName[] = [
  'memfd_create',
  'getrandom',
  'renameat2',
  'execveat',
  'seccomp',
  'clone3',
  'openat2',
  'close_range',
  'pidfd_open',
  'pidfd_send_signal',
];

/** One attempted operation: ok, or the errno name it failed with. */
export interface Attempt {
  /** The operation as a reader would write it, e.g. "unshare(CLONE_NEWIPC)". */
  op: string;
  ok: boolean;
  /** Errno name (EINVAL, ENODEV...) when it failed; "UNKNOWN" when a tool gave no errno. */
  errno?: string;
  /** Extra facts: a tool's message, an observed value. */
  detail?: string;
  /** What made the attempt: "koffi", "busybox /bin/busybox unshare", "util-linux /usr/bin/mount"... */
  tool?: string;
}

export interface LiveResults {
  /** How the tests were run. */
  path: 'ffi' | 'tools';
  /** The program used on the tools path, e.g. "/bin/busybox". */
  tool?: string;
  /** Each tool the tools path used, by role (sh, unshare, mount, pivot_root, chroot). */
  tools?: Partial<Record<'sh' | 'unshare' | 'mount' | 'pivot_root' | 'chroot', string>>;
  unshare: Partial<Record<NsName, Attempt>>;
  mount: {
    /** Private mount namespace and a tmpfs scratch mount: the base every other mount test needs. */
    scratch?: Attempt;
    mqueue?: Attempt;
    /** devpts -o newinstance; detail "ptmx=char" when a ptmx node appeared. */
    devpts?: Attempt & { ptmx?: boolean; separateInstance?: boolean | null };
    overlay?: Attempt;
  };
  pivotRoot?: Attempt;
  chroot?: Attempt;
  /** present (any answer but ENOSYS), or ENOSYS. */
  syscalls: Partial<Record<SyscallName, Attempt>>;
  /** prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL): EFAULT means filters are supported. */
  seccompFilter?: Attempt;
  noNewPrivs?: Attempt;
  /** socket(AF_INET) as uid/gid 65534 without group 3003: EACCES means ANDROID_PARANOID_NETWORK. */
  inetAsNobody?: Attempt;
  /** Where the evidence for syscalls came from on the tools path. */
  syscallSource?: 'live' | 'kallsyms';
  /**
   * The 32-bit (compat) entry points a 32-bit runc/dockerd needs, found in /proc/kallsyms: keyctl
   * (compat_sys_keyctl: KEYS_COMPAT) and futex (sys_futex_time32 on 5.1+, compat_sys_futex before;
   * Go's arm runtime calls it). Absent when kallsyms lists no compat_sys_ symbol at all.
   */
  compatSyscalls?: { keyctl: boolean; futex: boolean };
  /** Notes on tests that could not be run, e.g. "no pivot_root tool". */
  notes: string[];
}

export function emptyLive(path: LiveResults['path']): LiveResults {
  return { path, unshare: {}, mount: {}, syscalls: {}, notes: [] };
}
