// Where droidcheck-init (src/native/droidcheck-init.c) is, and whether it is
// one for this machine. Small on purpose: the probe asks it too.

import { existsSync } from 'node:fs';
import { machine } from 'node:os';
import { fileURLToPath } from 'node:url';
import { elfMachineOf, machineFromUname } from './elf.js';

/** Where scripts/build-init.mjs puts the launcher for a machine: dist/native/droidcheck-init-MACHINE, beside dist/src. */
export function nativeInitPath(host: string = machineFromUname(machine())): string {
  return fileURLToPath(new URL(`../../native/droidcheck-init-${host}`, import.meta.url));
}

/** The built droidcheck-init when it is an ELF for this machine; otherwise why not. */
export function findNativeInit(host: string = machineFromUname(machine()), path: string = nativeInitPath(host)): { path: string } | { reason: string } {
  if (!existsSync(path)) return { reason: `${path} was not built (no C compiler for ${host} when droidcheck was built)` };
  const built = elfMachineOf(path);
  if (built !== host) return { reason: `${path} is ${built ? `an ELF for ${built}` : 'not an ELF'}; this host runs ${host}` };
  return { path };
}
