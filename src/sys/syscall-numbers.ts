// The system calls the live probes and the koffi launcher make, by Node
// architecture name, read from the one table in src/sys/syscalls.ts.

import { syscallsFor } from './syscalls.js';
import { SYSCALL_NAMES, type SyscallName } from '../probes/live/types.js';

const EXTRA = ['prctl', 'pivot_root', 'setgroups', 'setresuid', 'setresgid'] as const;
type Extra = (typeof EXTRA)[number];
export type SyscallTable = Record<SyscallName | Extra, number>;

export function syscallTable(arch: string): SyscallTable | null {
  return syscallsFor(arch, [...SYSCALL_NAMES, ...EXTRA]);
}
