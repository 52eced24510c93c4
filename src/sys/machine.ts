// What a uname -m value says about the kernel: its ELF machine name and,
// where that is certain, whether it is 64-bit. Pure and import-free, so
// start-up-sensitive commands (explain) can use it.

/** ELF machine name for a uname -m value, and whether the kernel is known to be 64-bit. */
export function kernelOf(uname: string): { machine: string; bits: 32 | 64 | null } {
  const m = uname.trim().toLowerCase();
  if (m === 'aarch64' || m === 'arm64') return { machine: 'aarch64', bits: 64 };
  if (m === 'x86_64' || m === 'amd64') return { machine: 'x86_64', bits: 64 };
  // armv8l: an arm64 kernel answering a process in its 32-bit personality (PER_LINUX32), or a
  // 32-bit kernel on an ARMv8 CPU; either way it runs 32-bit ARM, the 64-bit side is unknown.
  if (m === 'armv8l') return { machine: 'arm', bits: null };
  if (/^armv\d+l?$/.test(m) || m === 'arm') return { machine: 'arm', bits: 32 };
  if (/^i[3-6]86$/.test(m)) return { machine: 'i386', bits: 32 };
  return { machine: m, bits: null };
}
