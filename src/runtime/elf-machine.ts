// ELF e_machine numbers and uname -m names, to say which architecture a
// binary is for when exec fails with "exec format error".

const MACHINES: Record<number, string> = { 3: 'i386', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390x', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 243: 'riscv64' };

export function elfMachineName(id: number): string {
  return MACHINES[id] ?? `machine ${id}`;
}

/** The ELF machine name for a `uname -m` value (armv7l -> arm, i686 -> i386). */
export function machineFromUname(machine: string): string {
  if (/^armv\d/.test(machine)) return 'arm';
  if (/^i[3-6]86$/.test(machine)) return 'i386';
  return machine;
}
