// System calls newer than Linux 3.10 that container tools rely on.

import { formatKernelVersion, kernelBelow } from '../../kernel/version.js';
import { SYSCALL_NAMES, type SyscallName } from '../live/types.js';
import type { Check, Severity } from '../types.js';
import { liveEvidence, result } from './util.js';

interface SyscallSpec {
  since: string;
  severity: Severity;
  impact: string;
}

export const SYSCALLS: Record<SyscallName, SyscallSpec> = {
  memfd_create: {
    since: '3.17',
    severity: 'recommended',
    impact: 'runc cannot clone its own binary into a sealed memfd (its CVE-2019-5736 protection) and falls back to a temporary file or fails on old releases',
  },
  getrandom: { since: '3.17', severity: 'optional', impact: 'Go programs and OpenSSL fall back to /dev/urandom' },
  renameat2: { since: '3.15', severity: 'optional', impact: 'no RENAME_NOREPLACE/RENAME_WHITEOUT: overlay whiteouts and atomic no-replace renames are unavailable' },
  execveat: { since: '3.19', severity: 'optional', impact: 'runtimes cannot exec from a file descriptor with execveat and fall back to /proc/self/fd paths' },
  seccomp: { since: '3.17', severity: 'optional', impact: 'filters must be installed with prctl: no SECCOMP_FILTER_FLAG_TSYNC, no notify, no log action' },
  clone3: { since: '5.3', severity: 'optional', impact: 'glibc 2.34+ and runc fall back to clone(2); a seccomp profile that answers EPERM instead of ENOSYS breaks thread creation' },
  openat2: { since: '5.6', severity: 'optional', impact: 'runc logs "openat2 not available, falling back to securejoin" and resolves paths in user space' },
  close_range: { since: '5.9', severity: 'optional', impact: 'runtimes close inherited descriptors one by one through /proc/self/fd' },
  pidfd_open: { since: '5.3', severity: 'optional', impact: 'runtimes wait on processes by pid instead of a pidfd (a small pid-reuse race)' },
  pidfd_send_signal: { since: '5.1', severity: 'optional', impact: 'signals are sent with kill(2) by pid (a small pid-reuse race)' },
};

function syscallCheck(name: SyscallName): Check {
  const spec = SYSCALLS[name];
  return {
    id: `syscall.${name}`,
    title: `${name}(2)`,
    category: 'syscalls',
    severity: spec.severity,
    appliesTo: `added in Linux ${spec.since}`,
    probes: `a harmless live call (any answer but ENOSYS means present); without FFI the /proc/kallsyms symbol; else the kernel version (added in ${spec.since})`,
    run(facts) {
      const live = facts.live?.syscalls[name];
      let present: boolean | null = null;
      const evidence = [];
      if (live) {
        present = live.ok;
        evidence.push({ ...liveEvidence(live), source: facts.live?.syscallSource === 'kallsyms' ? ('kallsyms' as const) : ('live' as const) });
      } else if (facts.kernel) {
        present = !kernelBelow(facts.kernel, spec.since);
        evidence.push({ source: 'kernel-version' as const, what: 'kernel release', value: `${formatKernelVersion(facts.kernel)} (${name} needs ${spec.since})` });
      }
      if (present === null) return result({ status: 'skip', summary: 'unknown: no live test and no kernel version' });
      if (present) return result({ status: 'pass', summary: 'present', evidence });
      return result({
        status: spec.severity === 'required' ? 'fail' : 'warn',
        summary: `missing (ENOSYS; added in Linux ${spec.since})`,
        evidence,
        impact: spec.impact,
        remediation: [{ kind: 'info', text: `needs a Linux ${spec.since}+ kernel; current runc/crun releases fall back, so usually nothing to do` }],
      });
    },
  };
}

export const syscallChecks: Check[] = SYSCALL_NAMES.map(syscallCheck);
