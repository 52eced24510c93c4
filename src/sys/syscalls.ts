// System call numbers by architecture: the one source. The tables are
// generated from Linux 6.1's uapi headers (syscall-tables.ts); this reads them
// by droidcheck's machine names (x86_64, x86, aarch64, arm) or Node's (x64,
// ia32, arm64, arm).

import { SYSCALL_TABLES } from './syscall-tables.js';

export { SYSCALL_TABLES };

/** Node's process.arch -> the machine name the tables use. */
export const MACHINE_OF_NODE_ARCH: Readonly<Record<string, string>> = { x64: 'x86_64', ia32: 'x86', arm64: 'aarch64', arm: 'arm' };

const parsed = new Map<string, ReadonlyMap<string, number>>();

/** name -> number for a machine (x86_64, x86, aarch64, arm); empty for an unknown one. */
export function syscallNumbers(machine: string): ReadonlyMap<string, number> {
  let table = parsed.get(machine);
  if (!table) {
    table = new Map(
      (SYSCALL_TABLES[machine] ?? '')
        .split(' ')
        .filter(Boolean)
        .map((e) => {
          const at = e.lastIndexOf(':');
          return [e.slice(0, at), Number(e.slice(at + 1))] as const;
        }),
    );
    parsed.set(machine, table);
  }
  return table;
}

/**
 * The numbers of `names` for a Node architecture, or null when the architecture
 * or one of the calls is unknown. On 32-bit x86 and ARM the plain uid/gid calls
 * (setresuid, setgroups, chown...) are the old 16-bit ones; libc calls the
 * `...32` variants, and so does this.
 */
export function syscallsFor<N extends string>(nodeArch: string, names: readonly N[]): Record<N, number> | null {
  const machine = MACHINE_OF_NODE_ARCH[nodeArch];
  if (!machine) return null;
  const table = syscallNumbers(machine);
  const out = {} as Record<N, number>;
  for (const n of names) {
    const nr = table.get(`${n}32`) ?? table.get(n);
    if (nr === undefined) return null;
    out[n] = nr;
  }
  return out;
}
