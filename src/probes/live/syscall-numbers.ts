// System call numbers the live probes need, per Node architecture name.
// Calls added since Linux 5.1 share one number on every architecture.

import type { SyscallName } from './types.js';

type Extra = 'prctl' | 'pivot_root' | 'setgroups' | 'setresuid' | 'setresgid';
export type SyscallTable = Record<SyscallName | Extra, number>;

const UNIFIED = { pidfd_send_signal: 424, pidfd_open: 434, clone3: 435, close_range: 436, openat2: 437 } as const;

const TABLES: Record<string, SyscallTable> = {
  x64: {
    ...UNIFIED,
    renameat2: 316, seccomp: 317, getrandom: 318, memfd_create: 319, execveat: 322,
    prctl: 157, pivot_root: 155, setgroups: 116, setresuid: 117, setresgid: 119,
  },
  arm64: {
    ...UNIFIED,
    renameat2: 276, seccomp: 277, getrandom: 278, memfd_create: 279, execveat: 281,
    prctl: 167, pivot_root: 41, setgroups: 159, setresuid: 147, setresgid: 149,
  },
  arm: {
    ...UNIFIED,
    renameat2: 382, seccomp: 383, getrandom: 384, memfd_create: 385, execveat: 387,
    prctl: 172, pivot_root: 218, setgroups: 206, setresuid: 208, setresgid: 210,
  },
  ia32: {
    ...UNIFIED,
    renameat2: 353, seccomp: 354, getrandom: 355, memfd_create: 356, execveat: 358,
    prctl: 172, pivot_root: 217, setgroups: 206, setresuid: 208, setresgid: 210,
  },
};

export function syscallTable(arch: string): SyscallTable | null {
  return TABLES[arch] ?? null;
}
