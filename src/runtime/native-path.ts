// Where droidcheck-init (src/native/droidcheck-init.c) is, and which one this
// kernel and userland run (src/runtime/launcher-choice.ts decides). Small on
// purpose: the probe asks it too.

import { existsSync } from 'node:fs';
import { machine } from 'node:os';
import { fileURLToPath } from 'node:url';
import { elfInfoOf, hostMachine, machineFromUname } from '../sys/elf.js';
import { chooseLauncher, COMPAT_MACHINE, kernelOf, type LauncherChoice, type LauncherFacts, type LauncherFile } from './launcher-choice.js';

/** Where scripts/build-init.mjs puts the launcher for a machine: dist/native/droidcheck-init-MACHINE, beside dist/src. */
export function nativeInitPath(host: string = machineFromUname(machine())): string {
  return fileURLToPath(new URL(`../../native/droidcheck-init-${host}`, import.meta.url));
}

/** A launcher file as found on disk. */
export function launcherFile(path: string): LauncherFile {
  if (!existsSync(path)) return { path, state: 'missing' };
  const elf = elfInfoOf(path);
  return elf ? { path, state: 'elf', machine: elf.machine, static: elf.static } : { path, state: 'not-elf' };
}

/** What chooseLauncher needs, read from this machine: uname -m, node's arch, /system/bin/sh, the built launchers. */
export function launcherFacts(compat: boolean | null = null, filterMachines: readonly string[] | null = null): LauncherFacts {
  const uname = machine();
  const node = hostMachine() ?? process.arch;
  const kernel = kernelOf(uname).machine;
  const sh = elfInfoOf('/system/bin/sh');
  const machines = new Set([node, kernel, COMPAT_MACHINE[kernel]].filter((m): m is string => !!m));
  return {
    uname,
    node,
    shell: sh ? { path: '/system/bin/sh', machine: sh.machine, bits: sh.class } : null,
    compat,
    launchers: Object.fromEntries([...machines].map((m) => [m, launcherFile(nativeInitPath(m))])),
    filterMachines,
  };
}

/** SCMP_ARCH_* names droidcheck-init can be (the others do not pick a launcher). */
const SCMP_MACHINE: Readonly<Record<string, string>> = { SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'i386', SCMP_ARCH_AARCH64: 'aarch64', SCMP_ARCH_ARM: 'arm' };

/** The machines a linux.seccomp profile lets through: null without a profile or without architectures (then the native one). */
export function seccompMachines(profile: unknown): string[] | null {
  const listed = (profile as { architectures?: unknown } | undefined)?.architectures;
  if (!Array.isArray(listed) || listed.length === 0) return null;
  return listed.map((a) => SCMP_MACHINE[String(a)]).filter((m): m is string => m !== undefined);
}

/** The droidcheck-init for this kernel and userland that config.json's seccomp profile (if any) lets run. */
export function chooseNativeInit(seccompProfile?: unknown): LauncherChoice {
  return chooseLauncher(launcherFacts(null, seccompMachines(seccompProfile)));
}

/**
 * The droidcheck-init to run and why, or why there is none. Without arguments: chosen for this
 * kernel and userland. With a machine (and path): only a binary built for that machine.
 */
export function findNativeInit(host?: string, path?: string): LauncherChoice {
  if (host === undefined) return chooseLauncher(launcherFacts());
  const file = launcherFile(path ?? nativeInitPath(host));
  if (file.state === 'missing') return { reason: `${file.path} was not built (no C compiler for ${host} when droidcheck was built)` };
  if (file.state === 'not-elf') return { reason: `${file.path} is not an ELF; this host runs ${host}` };
  if (file.machine !== host) return { reason: `${file.path} is an ELF for ${file.machine}; this host runs ${host}` };
  return { path: file.path, machine: host, why: `built for ${host}` };
}
