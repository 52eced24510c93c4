// Which droidcheck-init to run: a pure function of what the kernel is (uname -m),
// what the userland is (the node running droidcheck, /system/bin/sh) and which
// launchers were built. A 32-bit userland on an arm64 kernel (Android 7-9 phones,
// Termux's `arm` packages) gets the 32-bit launcher, or the 64-bit one when the
// 32-bit one is missing (an arm64 kernel always runs aarch64 binaries).

import { kernelOf } from '../sys/machine.js';

export { kernelOf };

/** One built launcher as found on disk. */
export type LauncherFile = { path: string } & ({ state: 'missing' } | { state: 'not-elf' } | { state: 'elf'; machine: string; static: boolean });

export interface LauncherFacts {
  /** `uname -m` as the kernel reports it (aarch64, armv8l, armv7l, x86_64...). */
  uname: string;
  /** ELF machine name of the node running droidcheck (process.arch: arm, aarch64, x86_64...). */
  node: string;
  /** ELF machine and class of /system/bin/sh where it is an ELF (Android), else null. */
  shell: { path: string; machine: string; bits: 32 | 64 } | null;
  /** CONFIG_COMPAT where a kernel config was read; null when unknown. */
  compat: boolean | null;
  /** The launcher file for each machine droidcheck looks at. */
  launchers: Record<string, LauncherFile>;
  /**
   * Machines config.json's seccomp filter lets through (linux.seccomp.architectures); null or
   * absent: no filter, or one for every machine. droidcheck-init installs the filter and then
   * makes its own execve, which the filter kills when the launcher's machine is not listed.
   */
  filterMachines?: readonly string[] | null;
}

export type LauncherChoice = { path: string; machine: string; why: string } | { reason: string };

/** The 32-bit machine a 64-bit kernel runs with CONFIG_COMPAT (CONFIG_IA32_EMULATION on x86_64). */
export const COMPAT_MACHINE: Readonly<Record<string, string>> = { aarch64: 'arm', x86_64: 'i386' };

const BITS: Readonly<Record<string, 32 | 64>> = { arm: 32, i386: 32, aarch64: 64, x86_64: 64 };

/** Why a launcher file cannot be used for `machine` (null when it can); `own`: it runs beside node, so it may be dynamic. */
function unusable(file: LauncherFile | undefined, machine: string, own: boolean, filter?: readonly string[] | null): string | null {
  const name = `droidcheck-init-${machine}`;
  if (filter?.length && !filter.includes(machine)) return `${name}: config.json's seccomp profile lists only ${filter.join(', ')}, so the filter would kill the launcher's own execve`;
  if (!file || file.state === 'missing') return `${file?.path ?? name} was not built (no C compiler for ${machine} when droidcheck was built)`;
  if (file.state === 'not-elf') return `${file.path} is not an ELF`;
  if (file.machine !== machine) return `${file.path} is an ELF for ${file.machine}, not ${machine}`;
  if (!own && !file.static) return `${file.path} is dynamically linked: only a static one runs beside a userland of another width`;
  return null;
}

/** The launcher to use and why, or why there is none (the caller then takes the next path). */
export function chooseLauncher(f: LauncherFacts): LauncherChoice {
  const kernel = kernelOf(f.uname);
  const nodeBits = BITS[f.node] ?? null;
  const shellNote = f.shell && f.shell.bits !== nodeBits ? `; ${f.shell.path} is ${f.shell.bits}-bit (${f.shell.machine}), but the launcher follows the node that starts it` : f.shell ? ` (${f.shell.path} is ${f.shell.bits}-bit too)` : '';
  const userland32on64 = nodeBits === 32 && (kernel.bits === 64 || f.uname === 'armv8l');
  const tried: string[] = [];

  // 1. The node's own machine: it runs, since node does.
  const ownBad = unusable(f.launchers[f.node], f.node, true, f.filterMachines);
  if (!ownBad) {
    const why = userland32on64
      ? `the userland is 32-bit (node is ${f.node}) on ${kernel.bits === 64 ? `a 64-bit ${kernel.machine}` : `an ${f.uname}`} kernel: the 32-bit launcher matches it, and this node shows the kernel runs 32-bit binaries${shellNote}`
      : `built for this machine (${f.node}${f.uname !== f.node ? `, uname -m ${f.uname}` : ''})${shellNote}`;
    return { path: f.launchers[f.node]!.path, machine: f.node, why };
  }
  tried.push(ownBad);

  // 2. A 32-bit node on a 64-bit kernel: the kernel's own launcher.
  if (kernel.bits === 64 && kernel.machine !== f.node) {
    const bad = unusable(f.launchers[kernel.machine], kernel.machine, false, f.filterMachines);
    if (!bad) return { path: f.launchers[kernel.machine]!.path, machine: kernel.machine, why: `the userland is 32-bit (node is ${f.node}) but ${ownBad}; the ${kernel.machine} kernel runs the 64-bit launcher natively${shellNote}` };
    tried.push(bad);
  }

  // 3. A 64-bit node whose launcher is missing: the 32-bit one, where the kernel has CONFIG_COMPAT.
  const compat = COMPAT_MACHINE[kernel.machine];
  if (kernel.bits === 64 && compat && compat !== f.node) {
    if (f.compat === true) {
      const bad = unusable(f.launchers[compat], compat, false, f.filterMachines);
      if (!bad) return { path: f.launchers[compat]!.path, machine: compat, why: `${ownBad}; the kernel has CONFIG_COMPAT, so it runs the 32-bit ${compat} launcher` };
      tried.push(bad);
    } else if (f.launchers[compat]?.state === 'elf') {
      tried.push(`droidcheck-init-${compat} is there, but ${f.compat === false ? 'the kernel has no CONFIG_COMPAT' : 'whether the kernel runs 32-bit binaries (CONFIG_COMPAT) is unknown'}`);
    }
  }
  return { reason: tried.join('; ') };
}
