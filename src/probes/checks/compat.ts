// A 32-bit userland on a 64-bit kernel (Android 7-9 phones with arm64 kernels
// and 32-bit system images, Termux's `arm` packages): the kernel's compat layer
// (CONFIG_COMPAT) runs it, and every system call a 32-bit runc or dockerd makes
// goes through the compat table, where keyctl needs CONFIG_KEYS_COMPAT on
// kernels that still have that option.
//
// KEYS_COMPAT's history (source: linux git; verified against Debian's
// linux-source-6.1 tarball, whose security/keys/Makefile has
// `obj-$(CONFIG_COMPAT) += compat.o` and no KEYS_COMPAT symbol anywhere):
// - per architecture until 2017; arm64 had none at all, so keyctl from AArch32
//   was ENOSYS, until 5c2a625937ba "arm64: support keyctl() system call in
//   32-bit mode" (backported to stable trees, e.g. 3.16.81) and 47b2c3fff493
//   "security/keys: add CONFIG_KEYS_COMPAT to Kconfig" (2017-06, v4.12-rc):
//   def_bool y, depends on COMPAT && KEYS;
// - removed by 601f0093f264 "KEYS: remove CONFIG_KEYS_COMPAT" (2019-12, on
//   5.5-rc2, so from 5.6 on): compat keyctl comes with COMPAT and KEYS.
// Real failures: docker/for-linux#409 (Docker 18.06, "could not create session
// key: function not implemented"), ayufan-rock64/linux-build#34 (armhf Docker on
// an aarch64 4.4 kernel). runc since 2018 ignores ENOSYS from keyctl (the session
// keyring is best effort: libcontainer/standard_init_linux.go), older runc fails.

import { KEYS_COMPAT_REMOVED_IN } from '../../kernel/history.js';
import { kernelBelow } from '../../kernel/version.js';
import { kernelOf } from '../../sys/machine.js';
import type { Facts } from '../facts.js';
import type { Check, CheckResult, Evidence } from '../types.js';
import { configEvidence, kernelOption, result } from './util.js';

const BITS_OF_ARCH: Readonly<Record<string, 32 | 64>> = { arm: 32, ia32: 32, x86: 32, arm64: 64, x64: 64 };

/** The userland's width (node's process.arch, else its ELF class) and the kernel's (uname -m, else CONFIG_64BIT/ARM64). */
export function widths(facts: Facts): { user: 32 | 64 | null; kernel: 32 | 64 | null; evidence: Evidence[] } {
  const user = BITS_OF_ARCH[facts.arch] ?? facts.userspaceBits;
  let kernel = kernelOf(facts.uname.machine).bits;
  const evidence: Evidence[] = [
    { source: 'kernel-version', what: 'uname -m', value: facts.uname.machine },
    { source: 'procfs', what: 'node (process.arch, ELF class)', value: `${facts.arch}, ${facts.userspaceBits ? `${facts.userspaceBits}-bit` : 'unknown'}` },
  ];
  if (kernel === null && facts.config) {
    // armv8l: an arm64 kernel answering a 32-bit process, or a 32-bit kernel; the config tells.
    const is64 = ['CONFIG_64BIT', 'CONFIG_ARM64'].some((o) => facts.config?.values.get(o) === 'y');
    kernel = is64 ? 64 : 32;
    evidence.push({ source: 'kernel-config', what: `${facts.config.source}: CONFIG_64BIT`, value: facts.config.values.get('CONFIG_64BIT') ?? (is64 ? 'y (CONFIG_ARM64)' : 'missing') });
  }
  return { user, kernel, evidence };
}

const notHost = (facts: Facts): CheckResult | null => (facts.configOnly ? result({ status: 'skip', summary: 'not this host: --kernel-config with --no-live' }) : null);

const userland: Check = {
  id: 'compat.userland',
  title: 'Userland width against the kernel (compat layer)',
  category: 'host',
  severity: 'recommended',
  probes: 'node\'s process.arch and ELF class against uname -m (and CONFIG_64BIT for armv8l); CONFIG_COMPAT, CONFIG_COMPAT_32BIT_TIME (5.1+), CONFIG_SYSVIPC_COMPAT',
  run(facts) {
    const skip = notHost(facts);
    if (skip) return skip;
    const w = widths(facts);
    const compat = configEvidence(facts, 'COMPAT');
    const evidence = [...w.evidence, ...(compat ? [compat] : [])];
    const configOptions = ['CONFIG_COMPAT'];
    if (w.kernel !== 64 || w.user === null) return result({ status: 'pass', summary: w.kernel === 32 ? '32-bit kernel and userland: no compat layer involved' : 'kernel or userland width unknown', evidence, configOptions });
    if (w.user === 64) {
      if (compat && compat.value === 'missing') {
        // Nothing 32-bit is running: only a note that 32-bit images (linux/arm/v7, linux/386) would not.
        return result({ status: 'pass', summary: '64-bit userland on a 64-bit kernel without CONFIG_COMPAT: only 64-bit images run', evidence, configOptions, remediation: [kernelOption(['COMPAT'], 'to run 32-bit images too, rebuild the kernel with CONFIG_COMPAT')] });
      }
      // 5.1+ may compile out the 32-bit time_t calls (6.1's tinyconfig does): 32-bit glibc then aborts at its first futex.
      const time32 = configEvidence(facts, 'COMPAT_32BIT_TIME');
      const futex = facts.live?.compatSyscalls?.futex;
      if (futex === false || (futex === undefined && compat?.value === 'y' && time32?.value === 'missing' && facts.kernel && !kernelBelow(facts.kernel, '5.1'))) {
        if (time32 && facts.kernel && !kernelBelow(facts.kernel, '5.1')) evidence.push(time32);
        if (futex === false) evidence.push({ source: 'kallsyms', what: 'sys_futex_time32 / compat_sys_futex', value: 'missing' });
        return result({
          status: 'warn', summary: `no 32-bit time_t system calls (${futex === false ? 'no compat futex in /proc/kallsyms' : 'CONFIG_COMPAT without CONFIG_COMPAT_32BIT_TIME'}): 32-bit programs start, then fail at their first futex or clock call`, evidence, configOptions: [...configOptions, 'CONFIG_COMPAT_32BIT_TIME'],
          impact: '32-bit images (linux/arm/v7, linux/386) with glibc abort with "The futex facility returned an unexpected error code" (futex is ENOSYS); 64-bit images are not affected',
          remediation: [{ kind: 'rootfs', text: 'use images for the kernel\'s own 64-bit platform' }, kernelOption(['COMPAT_32BIT_TIME'])],
        });
      }
      return result({ status: 'pass', summary: `64-bit userland on a 64-bit kernel${compat?.value === 'y' ? ' (CONFIG_COMPAT: 32-bit images run too)' : ''}`, evidence, configOptions });
    }
    // 32 on 64: the compat layer runs every 32-bit binary, node, runc and dockerd included.
    const disagreement = compat?.value === 'missing' ? 'the kernel config says CONFIG_COMPAT is missing, but this 32-bit node runs on the 64-bit kernel: the config is not this kernel\'s' : undefined;
    const sysvipc = configEvidence(facts, 'SYSVIPC_COMPAT');
    if (sysvipc) evidence.push(sysvipc);
    return result({
      status: 'warn',
      summary: `32-bit userland (${facts.arch}) on a 64-bit ${facts.uname.machine} kernel: everything runs through CONFIG_COMPAT`,
      evidence,
      configOptions: [...configOptions, 'CONFIG_SYSVIPC_COMPAT', 'CONFIG_KEYS_COMPAT'],
      ...(disagreement ? { disagreement } : {}),
      impact: 'a 32-bit runc or dockerd makes compat system calls: keyctl needs CONFIG_KEYS_COMPAT on kernels before 5.6 (see compat.keyctl), SysV IPC needs CONFIG_SYSVIPC_COMPAT; 32-bit images (linux/arm/v7) run natively, 64-bit ones (linux/arm64) run too because the kernel is 64-bit',
      remediation: [
        { kind: 'info', text: 'droidcheck runs its 32-bit launcher (droidcheck-init-arm) here; the run report\'s runtime.launcher says which and why' },
        { kind: 'rootfs', text: 'a 64-bit runc/dockerd (static, for linux/arm64) avoids the compat layer: the kernel runs it although the userland is 32-bit' },
      ],
    });
  },
};

const keyctl: Check = {
  id: 'compat.keyctl',
  title: 'keyctl for a 32-bit runc (session keyring)',
  category: 'syscalls',
  severity: 'recommended',
  probes: 'CONFIG_KEYS; on a 64-bit kernel with a 32-bit userland, CONFIG_KEYS_COMPAT where the kernel version has it (before 5.6)',
  run(facts) {
    const skip = notHost(facts);
    if (skip) return skip;
    const w = widths(facts);
    const keys = configEvidence(facts, 'KEYS');
    const evidence = [...w.evidence, ...(keys ? [keys] : [])];
    const configOptions = ['CONFIG_KEYS', 'CONFIG_KEYS_COMPAT'];
    if (!facts.config) return result({ status: 'skip', summary: 'no kernel config: whether keyctl exists is unknown', evidence, configOptions });
    const enosys = (summary: string, options: string[]): CheckResult =>
      result({
        status: 'warn', summary, evidence, configOptions,
        impact: 'keyctl() returns ENOSYS: runc releases before 2018 (Docker 18.06 and older) fail every container with "could not create session key: function not implemented"; current runc skips the session keyring, so containers share the host\'s',
        remediation: [
          kernelOption(options),
          { kind: 'runtime-flag', text: 'use a runc from 2018 or later (it ignores ENOSYS from keyctl); droidcheck\'s own runtime does not use keyrings' },
        ],
      });
    if (keys?.value === 'missing') return enosys('the kernel has no CONFIG_KEYS: keyctl is ENOSYS for every process', ['KEYS']);
    if (!(w.kernel === 64 && w.user === 32)) return result({ status: 'pass', summary: 'CONFIG_KEYS=y; no compat layer between the userland and the kernel', evidence, configOptions });
    const keysCompat = configEvidence(facts, 'KEYS_COMPAT');
    if (keysCompat) evidence.push(keysCompat);
    // The kernel's own symbols beat the config (which may be another build's).
    const live = facts.live?.compatSyscalls;
    if (live) {
      evidence.push({ source: 'kallsyms', what: 'compat_sys_keyctl', value: live.keyctl ? 'present' : 'missing' });
      if (!live.keyctl) return enosys(`no compat_sys_keyctl in /proc/kallsyms: keyctl from this 32-bit userland is ENOSYS`, facts.kernel && !kernelBelow(facts.kernel, KEYS_COMPAT_REMOVED_IN) ? ['KEYS'] : ['KEYS_COMPAT']);
      return result({ status: 'pass', summary: 'compat_sys_keyctl is in the kernel: 32-bit keyctl works', evidence, configOptions });
    }
    if (facts.kernel && !kernelBelow(facts.kernel, KEYS_COMPAT_REMOVED_IN)) {
      return result({ status: 'pass', summary: `${facts.uname.release}: compat keyctl comes with CONFIG_COMPAT and CONFIG_KEYS (CONFIG_KEYS_COMPAT was removed in ${KEYS_COMPAT_REMOVED_IN})`, evidence, configOptions });
    }
    if (keysCompat?.value === 'missing') {
      return enosys(`CONFIG_KEYS=y but no CONFIG_KEYS_COMPAT on ${facts.uname.release}: keyctl from this 32-bit userland is ENOSYS (arm64 kernels before 4.12 had no KEYS_COMPAT unless backported)`, ['KEYS_COMPAT']);
    }
    return result({ status: 'pass', summary: 'CONFIG_KEYS_COMPAT=y: 32-bit keyctl works', evidence, configOptions });
  },
};

export const compatChecks: Check[] = [userland, keyctl];
